// @ts-check
// Admin page: the groups tab (helpers from admin-common.js).
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
      /** @type {HTMLButtonElement} */ (document.getElementById('groups-prev')).disabled =
        groups.offset <= 0;
      /** @type {HTMLButtonElement} */ (document.getElementById('groups-next')).disabled = !(
        p && p.next
      );
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
    var btn = /** @type {Element} */ (ev.target).closest('button[data-group-action]');
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
    var form = /** @type {Element} */ (ev.target).closest('form[data-group-form]');
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
        L.announce(
          status,
          t('js.admin.propertiesInvalid', { message: e instanceof Error ? e.message : String(e) }),
          'error',
        );
        return;
      }
      L.api('PUT', groupPath(name) + '/properties', value).then(function () {
        say(t('js.admin.saved'));
      }, fail);
    }
  });
  document.getElementById('new-group-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = /** @type {HTMLInputElement} */ (document.getElementById('new-group-name'));
    var name = input.value.trim();
    if (!name) return;
    L.api('POST', groupPath(name)).then(function () {
      say(t('js.admin.groupCreated', { name: name }));
      input.value = '';
      loadGroups();
    }, fail);
  });
  loaders.groups = loadGroups;
})();
