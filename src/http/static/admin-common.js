// @ts-check
// Admin page (/hub/admin), shared part: helpers, tabs and the server/user actions, exposed as
// window.labhubAdmin for admin.js (users), admin-running.js (running servers, spawn failures)
// and admin-groups.js (groups). Everything goes through the REST API (cookie + X-XSRFToken)
// and is paginated, searched and sorted by the hub, so the page stays fast with many users:
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
  var table = document.getElementById('users-table');

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
  /** @type {Record<string, Function>} */
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

  // ---- server controls and the actions of the users and running-servers tables ----
  function serverControls(u, s, name) {
    var st = statusOf(s);
    var out = [];
    if (st === 'running')
      out.push(
        h('a', { class: 'button button-small', href: serverUrl(u.name, name) }, t('js.admin.open')),
      );
    var what = st === 'stopped' ? 'start' : 'stop';
    out.push(
      button(what === 'start' ? t('js.admin.start') : t('js.admin.stop'), {
        'data-action': what,
        'data-user': u.name,
        'data-server': name,
      }),
    );
    return out;
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
        { colspan: String(row.children.length) },
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

  function serverAction(btn, action, name, server, reload) {
    btn.disabled = true;
    say(
      t(action === 'start' ? 'js.admin.starting' : 'js.admin.stopping', {
        server: serverLabel(name, server),
      }),
    );
    L.api(action === 'start' ? 'POST' : 'DELETE', serverPath(name, server)).then(
      function (res) {
        afterServerChange(res, action, serverLabel(name, server), reload);
      },
      function (err) {
        btn.disabled = false;
        fail(err);
      },
    );
  }

  function onAction(ev, reload) {
    var btn = ev.target.closest('button[data-action]');
    if (!btn) return;
    var action = btn.getAttribute('data-action');
    var name = btn.getAttribute('data-user');
    var server = btn.getAttribute('data-server') || '';
    if (action === 'start' || action === 'stop') {
      serverAction(btn, action, name, server, reload);
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

  window.labhubAdmin = {
    root: root,
    table: table,
    status: status,
    PAGED: 'application/jupyterhub-pagination+json',
    pageSize: parseInt(table.getAttribute('data-page-size') || '50', 10) || 50,
    loaders: loaders,
    say: say,
    fail: fail,
    userPath: userPath,
    statusOf: statusOf,
    badge: badge,
    button: button,
    query: query,
    pageInfo: pageInfo,
    serverControls: serverControls,
    onAction: onAction,
  };
})();
