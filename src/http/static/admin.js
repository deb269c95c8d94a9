// @ts-check
// Admin page: the users tab (helpers from admin-common.js; loaded last, it fills the first tab).
(function () {
  'use strict';
  var L = window.labhub;
  var A = window.labhubAdmin;
  if (!L || !A) return;
  var h = L.h;
  var t = L.t;
  var say = A.say;
  var fail = A.fail;
  var status = A.status;
  var button = A.button;
  var query = A.query;
  var pageInfo = A.pageInfo;
  var pageSize = A.pageSize;
  var PAGED = A.PAGED;
  var loaders = A.loaders;
  var badge = A.badge;
  var statusOf = A.statusOf;
  var serverControls = A.serverControls;
  var table = A.table;
  var canEditAdmin = A.root.getAttribute('data-can-edit-admin') === 'true';
  var self = A.root.getAttribute('data-self') || '';

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
      /** @type {HTMLButtonElement} */ (document.getElementById('page-prev')).disabled =
        users.offset <= 0;
      /** @type {HTMLButtonElement} */ (document.getElementById('page-next')).disabled = !p.next;
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

  function renderUsers(items) {
    tbody.textContent = '';
    if (!items.length) {
      tbody.appendChild(
        h('tr', null, h('td', { colspan: '5', class: 'muted' }, t('js.admin.noUsers'))),
      );
      return;
    }
    items.forEach(function (u) {
      var servers = u.servers || {};
      var def = servers[''];
      var named = Object.keys(servers).filter(function (k) {
        return k !== '';
      });
      // Every server, the default one first: its state, and its own last activity while it
      // runs (the number the user's home page shows). Named servers carry their controls here;
      // the default server's are in the actions column.
      var serverList = h('ul', { class: 'plain-list server-list' });
      [''].concat(named).forEach(function (name) {
        var s = servers[name];
        serverList.appendChild(
          h(
            'li',
            { 'data-server-item': name },
            name ? h('span', { class: 'mono' }, name) : t('js.admin.defaultServer'),
            ' ',
            badge(statusOf(s)),
            s && s.last_activity && statusOf(s) !== 'stopped'
              ? h(
                  'span',
                  { class: 'muted' },
                  ' ',
                  t('js.admin.serverActivity', { time: L.relativeTime(s.last_activity) }),
                )
              : '',
            name ? ' ' : '',
            name ? h('span', { class: 'actions actions-inline' }, serverControls(u, s, name)) : '',
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
          h('td', null, serverList),
          h('td', null, L.timeElement(u.last_activity)),
          h('td', null, actions),
        ),
      );
    });
    L.labelCells(table.parentNode);
  }

  tbody.addEventListener('click', function (ev) {
    A.onAction(ev, loadUsers);
  });

  var searchTimer = null;
  document.getElementById('user-search').addEventListener('input', function (ev) {
    clearTimeout(searchTimer);
    var value = /** @type {HTMLInputElement} */ (ev.target).value.trim();
    searchTimer = setTimeout(function () {
      users.filter = value;
      users.offset = 0;
      loadUsers();
    }, 250);
  });
  document.getElementById('user-state').addEventListener('change', function (ev) {
    users.state = /** @type {HTMLSelectElement} */ (ev.target).value;
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

  var addForm = /** @type {HTMLFormElement} */ (document.getElementById('add-users'));
  var showAdd = document.getElementById('show-add-users');
  showAdd.addEventListener('click', function () {
    addForm.hidden = !addForm.hidden;
    showAdd.setAttribute('aria-expanded', addForm.hidden ? 'false' : 'true');
    if (!addForm.hidden) document.getElementById('add-usernames').focus();
  });
  addForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var names = /** @type {HTMLTextAreaElement} */ (document.getElementById('add-usernames')).value
      .split(/[\s,]+/)
      .filter(Boolean);
    if (!names.length) {
      L.announce(status, t('js.admin.noNames'), 'error');
      return;
    }
    var adminBox = /** @type {HTMLInputElement} */ (document.getElementById('add-admin'));
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

  loadUsers();
})();
