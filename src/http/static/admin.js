// Admin page (/hub/admin). Everything goes through the REST API (cookie + X-XSRFToken) and is
// paginated, searched and sorted by the hub, so the page stays fast with many users:
//   GET    users?offset&limit&name_filter&sort&state   (Accept: application/jupyterhub-pagination+json)
//   POST   users {usernames, admin}        PATCH users/<u> {admin} | {name}     DELETE users/<u>
//   POST/DELETE users/<u>/server | users/<u>/servers/<s>       GET users/<u>/tokens
//   GET groups?offset&limit   POST groups/<g>   DELETE groups/<g>
//   POST/DELETE groups/<g>/users {users}   PUT groups/<g>/properties {...}
(function () {
  'use strict';
  var L = window.labhub;
  var root = document.getElementById('admin');
  if (!L || !root) return;
  var h = L.h;
  var t = L.t;
  var status = document.getElementById('admin-status');
  var canEditAdmin = root.getAttribute('data-can-edit-admin') === 'true';
  var self = root.getAttribute('data-self') || '';
  var table = document.getElementById('users-table');
  var PAGED = 'application/jupyterhub-pagination+json';
  var pageSize = parseInt(table.getAttribute('data-page-size') || '50', 10) || 50;

  function say(text) {
    L.announce(status, text);
  }
  function fail(err) {
    L.announce(status, err.message, 'error');
  }
  function userPath(u) {
    return 'users/' + L.seg(u);
  }
  function serverPath(u, s) {
    return userPath(u) + (s ? '/servers/' + L.seg(s) : '/server');
  }
  function serverUrl(u, s) {
    return L.baseUrl + 'user/' + L.seg(u) + '/' + (s ? L.seg(s) + '/' : '');
  }
  function serverLabel(u, s) {
    return s ? u + '/' + s : u;
  }
  function statusOf(s) {
    if (!s) return 'stopped';
    if (s.pending === 'stop') return 'stopping';
    if (s.pending) return 'starting';
    return s.ready ? 'running' : s.stopped ? 'stopped' : 'starting';
  }
  function badge(st) {
    return h(
      'span',
      { class: 'badge badge-' + (st === 'running' ? 'ready' : st) },
      t('js.status.' + st),
    );
  }
  function button(text, attrs) {
    attrs = attrs || {};
    attrs.type = 'button';
    attrs.class = 'button button-small ' + (attrs.class || '');
    return h('button', attrs, text);
  }
  function query(params) {
    return Object.keys(params)
      .filter(function (k) {
        return params[k] !== '' && params[k] !== null;
      })
      .map(function (k) {
        return k + '=' + encodeURIComponent(params[k]);
      })
      .join('&');
  }
  function pageInfo(el, p, count) {
    if (!p) {
      el.textContent = '';
      return;
    }
    el.textContent = count
      ? t('js.admin.pageInfo', { from: p.offset + 1, to: p.offset + count, total: p.total })
      : '';
  }

  // ---- tabs (arrow keys move between tabs, as in the WAI-ARIA tabs pattern) ----
  var tabs = Array.prototype.slice.call(root.querySelectorAll('[role="tab"]'));
  var loaders = {};
  function selectTab(tab) {
    tabs.forEach(function (x) {
      var on = x === tab;
      x.setAttribute('aria-selected', on ? 'true' : 'false');
      x.tabIndex = on ? 0 : -1;
      document.getElementById(x.getAttribute('aria-controls')).hidden = !on;
    });
    var name = tab.id.replace('tab-', '');
    if (loaders[name]) loaders[name]();
  }
  tabs.forEach(function (tab, i) {
    tab.addEventListener('click', function () {
      selectTab(tab);
    });
    tab.addEventListener('keydown', function (ev) {
      var d = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
      if (!d) return;
      var next = tabs[(i + d + tabs.length) % tabs.length];
      next.focus();
      selectTab(next);
    });
  });

  // ---- users ----
  var users = { offset: 0, sort: '', filter: '', state: '', total: 0, seq: 0 };
  var tbody = document.getElementById('users-body');

  function loadUsers() {
    var seq = ++users.seq;
    var qs = query({
      offset: users.offset,
      limit: pageSize,
      name_filter: users.filter,
      sort: users.sort,
      state: users.state,
    });
    return L.api('GET', 'users?' + qs, undefined, { accept: PAGED }).then(function (res) {
      if (seq !== users.seq) return; // a newer search is on its way
      var items = Array.isArray(res.data) ? res.data : res.data.items;
      var p = res.data._pagination || {
        offset: users.offset,
        limit: pageSize,
        total: items.length,
      };
      users.total = p.total;
      renderUsers(items);
      followPending(items);
      pageInfo(document.getElementById('page-info'), p, items.length);
      document.getElementById('page-prev').disabled = users.offset <= 0;
      document.getElementById('page-next').disabled = !p.next;
    }, fail);
  }

  // While a listed server is starting or stopping, refresh the list every 2 s (up to 5 minutes)
  // so its status and buttons follow without a manual reload.
  var pendingTimer = null;
  var pendingRounds = 0;
  function followPending(items) {
    clearTimeout(pendingTimer);
    var busy = items.some(function (u) {
      var servers = u.servers || {};
      return Object.keys(servers).some(function (k) {
        return !!servers[k].pending;
      });
    });
    if (!busy) {
      pendingRounds = 0;
      return;
    }
    if (++pendingRounds > 150) return;
    pendingTimer = setTimeout(loadUsers, 2000);
  }

  function serverControls(u, s, name) {
    var st = statusOf(s);
    var out = [];
    if (st === 'running')
      out.push(
        h('a', { class: 'button button-small', href: serverUrl(u.name, name) }, t('js.admin.open')),
      );
    if (st === 'stopped')
      out.push(
        button(t('js.admin.start'), {
          'data-action': 'start',
          'data-user': u.name,
          'data-server': name,
        }),
      );
    else
      out.push(
        button(t('js.admin.stop'), {
          'data-action': 'stop',
          'data-user': u.name,
          'data-server': name,
        }),
      );
    return out;
  }

  function renderUsers(items) {
    tbody.textContent = '';
    if (!items.length) {
      tbody.appendChild(
        h('tr', null, h('td', { colspan: '6', class: 'muted' }, t('js.admin.noUsers'))),
      );
      return;
    }
    items.forEach(function (u) {
      var servers = u.servers || {};
      var def = servers[''];
      var named = Object.keys(servers).filter(function (k) {
        return k !== '';
      });
      var serverList = h('ul', { class: 'plain-list' });
      named.forEach(function (name) {
        var s = servers[name];
        serverList.appendChild(
          h(
            'li',
            null,
            h('span', { class: 'mono' }, name),
            ' ',
            badge(statusOf(s)),
            ' ',
            h('span', { class: 'actions actions-inline' }, serverControls(u, s, name)),
          ),
        );
      });
      var actions = h('div', {
        class: 'actions',
        role: 'group',
        'aria-label': t('js.admin.actionsFor', { name: u.name }),
      });
      serverControls(u, def, '').forEach(function (el) {
        actions.appendChild(el);
      });
      if (canEditAdmin && u.name !== self) {
        actions.appendChild(
          button(u.admin ? t('js.admin.removeAdmin') : t('js.admin.makeAdmin'), {
            'data-action': 'admin',
            'data-user': u.name,
            'data-admin': u.admin ? 'true' : 'false',
            class: 'button-secondary',
          }),
        );
      }
      actions.appendChild(
        button(t('js.admin.rename'), {
          'data-action': 'rename',
          'data-user': u.name,
          class: 'button-secondary',
        }),
      );
      actions.appendChild(
        button(t('js.admin.tokens'), {
          'data-action': 'tokens',
          'data-user': u.name,
          class: 'button-secondary',
          'aria-expanded': 'false',
        }),
      );
      if (u.name !== self)
        actions.appendChild(
          button(t('js.admin.delete'), {
            'data-action': 'delete',
            'data-user': u.name,
            class: 'button-danger',
          }),
        );
      tbody.appendChild(
        h(
          'tr',
          { 'data-user-row': u.name },
          h('th', { scope: 'row' }, u.name),
          h(
            'td',
            null,
            u.admin
              ? h('span', { class: 'badge badge-admin' }, t('js.admin.isAdmin'))
              : t('js.admin.notAdmin'),
          ),
          h('td', null, named.length ? serverList : ''),
          h('td', null, badge(statusOf(def))),
          h('td', null, L.timeElement(u.last_activity)),
          h('td', null, actions),
        ),
      );
    });
    L.labelCells(table.parentNode);
  }

  function showTokens(btn, name) {
    var row = btn.closest('tr');
    var next = row.nextElementSibling;
    if (next && next.getAttribute('data-tokens-for') === name) {
      next.parentNode.removeChild(next);
      btn.setAttribute('aria-expanded', 'false');
      return;
    }
    L.api('GET', userPath(name) + '/tokens').then(function (res) {
      var list = (res.data && res.data.api_tokens) || [];
      var ul = h('ul', { class: 'plain-list' });
      list.forEach(function (tk) {
        ul.appendChild(
          h(
            'li',
            null,
            t('js.admin.tokenLine', {
              note: tk.note || tk.oauth_client || tk.id,
              used: tk.last_activity ? L.relativeTime(tk.last_activity) : t('js.never'),
            }),
          ),
        );
      });
      var cell = h(
        'td',
        { colspan: '6' },
        list.length ? ul : h('p', { class: 'muted' }, t('js.admin.noTokens')),
      );
      row.parentNode.insertBefore(
        h('tr', { 'data-tokens-for': name, class: 'detail-row' }, cell),
        row.nextSibling,
      );
      btn.setAttribute('aria-expanded', 'true');
    }, fail);
  }

  function afterServerChange(res, msgKey, label, reload) {
    say(
      t(
        res.status === 202
          ? 'js.admin.' + (msgKey === 'stop' ? 'stopping' : 'started')
          : 'js.admin.' + (msgKey === 'stop' ? 'stopped' : 'started'),
        { server: label },
      ),
    );
    reload();
    if (res.status === 202) setTimeout(reload, 3000);
  }

  function onAction(ev, reload) {
    var btn = ev.target.closest('button[data-action]');
    if (!btn) return;
    var action = btn.getAttribute('data-action');
    var name = btn.getAttribute('data-user');
    var server = btn.getAttribute('data-server') || '';
    if (action === 'start') {
      btn.disabled = true;
      say(t('js.admin.starting', { server: serverLabel(name, server) }));
      L.api('POST', serverPath(name, server)).then(
        function (res) {
          afterServerChange(res, 'start', serverLabel(name, server), reload);
        },
        function (err) {
          btn.disabled = false;
          fail(err);
        },
      );
    } else if (action === 'stop') {
      btn.disabled = true;
      say(t('js.admin.stopping', { server: serverLabel(name, server) }));
      L.api('DELETE', serverPath(name, server)).then(
        function (res) {
          afterServerChange(res, 'stop', serverLabel(name, server), reload);
        },
        function (err) {
          btn.disabled = false;
          fail(err);
        },
      );
    } else if (action === 'admin') {
      var makeAdmin = btn.getAttribute('data-admin') !== 'true';
      L.api('PATCH', userPath(name), { admin: makeAdmin }).then(function () {
        say(t(makeAdmin ? 'js.admin.nowAdmin' : 'js.admin.noLongerAdmin', { name: name }));
        reload();
      }, fail);
    } else if (action === 'rename') {
      var newName = window.prompt(t('js.admin.renamePrompt', { name: name }), name);
      if (!newName || newName.trim() === name) return;
      newName = newName.trim();
      L.api('PATCH', userPath(name), { name: newName }).then(function () {
        say(t('js.admin.renamed', { old: name, name: newName }));
        reload();
      }, fail);
    } else if (action === 'delete') {
      if (!window.confirm(t('js.admin.deleteConfirm', { name: name }))) return;
      L.api('DELETE', userPath(name)).then(function () {
        say(t('js.admin.deleted', { name: name }));
        reload();
      }, fail);
    } else if (action === 'tokens') {
      showTokens(btn, name);
    }
  }
  tbody.addEventListener('click', function (ev) {
    onAction(ev, loadUsers);
  });

  var searchTimer = null;
  document.getElementById('user-search').addEventListener('input', function (ev) {
    clearTimeout(searchTimer);
    var value = ev.target.value.trim();
    searchTimer = setTimeout(function () {
      users.filter = value;
      users.offset = 0;
      loadUsers();
    }, 250);
  });
  document.getElementById('user-state').addEventListener('change', function (ev) {
    users.state = ev.target.value;
    users.offset = 0;
    loadUsers();
  });
  document.getElementById('page-prev').addEventListener('click', function () {
    users.offset = Math.max(0, users.offset - pageSize);
    loadUsers();
  });
  document.getElementById('page-next').addEventListener('click', function () {
    users.offset += pageSize;
    loadUsers();
  });
  Array.prototype.forEach.call(table.querySelectorAll('button.sort'), function (btn) {
    btn.addEventListener('click', function () {
      var key = btn.getAttribute('data-sort');
      users.sort = users.sort === key ? '-' + key : key;
      Array.prototype.forEach.call(table.querySelectorAll('th[aria-sort]'), function (th) {
        th.setAttribute('aria-sort', 'none');
      });
      btn.parentNode.setAttribute(
        'aria-sort',
        users.sort.charAt(0) === '-' ? 'descending' : 'ascending',
      );
      users.offset = 0;
      loadUsers();
    });
  });

  var addForm = document.getElementById('add-users');
  var showAdd = document.getElementById('show-add-users');
  showAdd.addEventListener('click', function () {
    addForm.hidden = !addForm.hidden;
    showAdd.setAttribute('aria-expanded', addForm.hidden ? 'false' : 'true');
    if (!addForm.hidden) document.getElementById('add-usernames').focus();
  });
  addForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var names = document
      .getElementById('add-usernames')
      .value.split(/[\s,]+/)
      .filter(Boolean);
    if (!names.length) {
      L.announce(status, t('js.admin.noNames'), 'error');
      return;
    }
    var adminBox = document.getElementById('add-admin');
    // PAM as root, "create Linux accounts" ticked: admin-accounts.js adds them (one-time passwords).
    if (L.adminAccounts && L.adminAccounts.active()) {
      L.adminAccounts.submit(names, !!(adminBox && adminBox.checked)).then(function () {
        addForm.reset();
        loadUsers();
      }, fail);
      return;
    }
    L.api('POST', 'users', { usernames: names, admin: !!(adminBox && adminBox.checked) }).then(
      function (res) {
        say(
          t('js.admin.added', { count: Array.isArray(res.data) ? res.data.length : names.length }),
        );
        addForm.reset();
        loadUsers();
      },
      fail,
    );
  });
  loaders.users = loadUsers;

  // ---- running servers (refreshed every 15 s while visible) ----
  var running = { offset: 0 };
  var runningBody = document.getElementById('running-body');
  var runningTimer = null;
  function loadRunning() {
    clearTimeout(runningTimer);
    return L.api(
      'GET',
      'users?' + query({ state: 'active', offset: running.offset, limit: pageSize }),
      undefined,
      { accept: PAGED },
    ).then(function (res) {
      var items = Array.isArray(res.data) ? res.data : res.data.items;
      var p = res.data._pagination;
      runningBody.textContent = '';
      var rows = 0;
      items.forEach(function (u) {
        var servers = u.servers || {};
        Object.keys(servers).forEach(function (name) {
          var s = servers[name];
          rows++;
          runningBody.appendChild(
            h(
              'tr',
              null,
              h('th', { scope: 'row' }, u.name),
              h('td', null, name || t('js.defaultServer')),
              h('td', null, badge(statusOf(s))),
              h('td', null, L.timeElement(s.started)),
              h('td', null, L.timeElement(s.last_activity)),
              h('td', null, h('div', { class: 'actions' }, serverControls(u, s, name))),
            ),
          );
        });
      });
      if (!rows)
        runningBody.appendChild(
          h('tr', null, h('td', { colspan: '6', class: 'muted' }, t('js.admin.noServers'))),
        );
      L.labelCells(document.getElementById('panel-running'));
      pageInfo(document.getElementById('running-info'), p, items.length);
      document.getElementById('running-prev').disabled = running.offset <= 0;
      document.getElementById('running-next').disabled = !(p && p.next);
      if (!document.getElementById('panel-running').hidden)
        runningTimer = setTimeout(loadRunning, 15000);
    }, fail);
  }
  runningBody.addEventListener('click', function (ev) {
    onAction(ev, loadRunning);
  });
  document.getElementById('running-refresh').addEventListener('click', loadRunning);
  document.getElementById('running-prev').addEventListener('click', function () {
    running.offset = Math.max(0, running.offset - pageSize);
    loadRunning();
  });
  document.getElementById('running-next').addEventListener('click', function () {
    running.offset += pageSize;
    loadRunning();
  });
  loaders.running = loadRunning;

  // ---- recent spawn failures (labhub's own endpoint: api/labhub/spawn-failures) ----
  var failuresBody = document.getElementById('failures-body');
  function loadFailures() {
    return L.api('GET', 'labhub/spawn-failures?limit=50').then(function (res) {
      var items = (res.data && res.data.items) || [];
      failuresBody.textContent = '';
      items.forEach(function (f) {
        failuresBody.appendChild(
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, f.user),
            h('td', null, f.server || t('js.defaultServer')),
            h('td', null, L.timeElement(f.started)),
            h('td', null, h('pre', { class: 'failure-reason' }, f.error || '')),
          ),
        );
      });
      if (!items.length)
        failuresBody.appendChild(
          h('tr', null, h('td', { colspan: '4', class: 'muted' }, t('js.admin.noFailures'))),
        );
      L.labelCells(document.getElementById('panel-failures'));
    }, fail);
  }
  document.getElementById('failures-refresh').addEventListener('click', loadFailures);
  loaders.failures = loadFailures;

  // ---- groups ----
  var groups = { offset: 0 };
  var groupsList = document.getElementById('groups-list');
  function groupPath(g) {
    return 'groups/' + L.seg(g);
  }

  function groupCard(g) {
    var members = h('ul', { class: 'plain-list members' });
    (g.users || []).forEach(function (u) {
      members.appendChild(
        h(
          'li',
          null,
          u,
          ' ',
          button('×', {
            'data-group-action': 'remove-member',
            'data-member': u,
            'aria-label': t('js.admin.removeMember', { name: u }),
            class: 'button-secondary',
          }),
        ),
      );
    });
    var idBase = 'group-' + Math.random().toString(36).slice(2);
    var props = h('textarea', {
      id: idBase + '-props',
      rows: '4',
      class: 'mono',
      spellcheck: 'false',
    });
    props.value = JSON.stringify(g.properties || {}, null, 2);
    var addInput = h('input', { id: idBase + '-add', type: 'text', autocomplete: 'off' });
    return h(
      'section',
      { class: 'card', 'data-group': g.name, 'aria-label': g.name },
      h(
        'div',
        { class: 'card-head' },
        h('h2', null, g.name),
        button(t('js.admin.deleteGroup'), {
          'data-group-action': 'delete',
          class: 'button-danger',
        }),
      ),
      h('h3', null, t('js.admin.members')),
      (g.users || []).length ? members : h('p', { class: 'muted' }, t('js.admin.noMembers')),
      h(
        'form',
        { class: 'inline-form', 'data-group-form': 'members' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: idBase + '-add' }, t('js.admin.addMemberLabel', { name: g.name })),
          addInput,
        ),
        h('button', { type: 'submit', class: 'button' }, t('js.admin.addMember')),
      ),
      h(
        'form',
        { class: 'stack', 'data-group-form': 'properties' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: idBase + '-props' }, t('js.admin.properties')),
          props,
        ),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'button' }, t('js.admin.saveProperties')),
        ),
      ),
    );
  }

  function loadGroups() {
    return L.api('GET', 'groups?' + query({ offset: groups.offset, limit: pageSize }), undefined, {
      accept: PAGED,
    }).then(function (res) {
      var items = Array.isArray(res.data) ? res.data : res.data.items;
      var p = res.data._pagination;
      groupsList.textContent = '';
      if (!items.length) groupsList.appendChild(h('p', { class: 'muted' }, t('js.admin.noGroups')));
      items.forEach(function (g) {
        groupsList.appendChild(groupCard(g));
      });
      pageInfo(document.getElementById('groups-info'), p, items.length);
      document.getElementById('groups-prev').disabled = groups.offset <= 0;
      document.getElementById('groups-next').disabled = !(p && p.next);
    }, fail);
  }
  document.getElementById('groups-prev').addEventListener('click', function () {
    groups.offset = Math.max(0, groups.offset - pageSize);
    loadGroups();
  });
  document.getElementById('groups-next').addEventListener('click', function () {
    groups.offset += pageSize;
    loadGroups();
  });

  groupsList.addEventListener('click', function (ev) {
    var btn = ev.target.closest('button[data-group-action]');
    if (!btn) return;
    var name = btn.closest('[data-group]').getAttribute('data-group');
    if (btn.getAttribute('data-group-action') === 'delete') {
      if (!window.confirm(t('js.admin.groupDeleteConfirm', { name: name }))) return;
      L.api('DELETE', groupPath(name)).then(function () {
        say(t('js.admin.groupDeleted', { name: name }));
        loadGroups();
      }, fail);
    } else {
      L.api('DELETE', groupPath(name) + '/users', {
        users: [btn.getAttribute('data-member')],
      }).then(function () {
        say(t('js.admin.saved'));
        loadGroups();
      }, fail);
    }
  });
  groupsList.addEventListener('submit', function (ev) {
    var form = ev.target.closest('form[data-group-form]');
    if (!form) return;
    ev.preventDefault();
    var name = form.closest('[data-group]').getAttribute('data-group');
    if (form.getAttribute('data-group-form') === 'members') {
      var names = form
        .querySelector('input')
        .value.split(/[\s,]+/)
        .filter(Boolean);
      if (!names.length) {
        L.announce(status, t('js.admin.noNames'), 'error');
        return;
      }
      L.api('POST', groupPath(name) + '/users', { users: names }).then(function () {
        say(t('js.admin.saved'));
        loadGroups();
      }, fail);
    } else {
      var value;
      try {
        value = JSON.parse(form.querySelector('textarea').value || '{}');
        if (!value || typeof value !== 'object' || Array.isArray(value))
          throw new Error('not an object');
      } catch (e) {
        L.announce(status, t('js.admin.propertiesInvalid', { message: e.message }), 'error');
        return;
      }
      L.api('PUT', groupPath(name) + '/properties', value).then(function () {
        say(t('js.admin.saved'));
      }, fail);
    }
  });
  document.getElementById('new-group-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = document.getElementById('new-group-name');
    var name = input.value.trim();
    if (!name) return;
    L.api('POST', groupPath(name)).then(function () {
      say(t('js.admin.groupCreated', { name: name }));
      input.value = '';
      loadGroups();
    }, fail);
  });
  loaders.groups = loadGroups;

  loadUsers();
})();
