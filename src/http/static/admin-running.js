// @ts-check
// Admin page: the running-servers and spawn-failures tabs (helpers from admin-common.js).
(function () {
  'use strict';
  var L = window.labhub;
  var A = window.labhubAdmin;
  if (!L || !A) return;
  var h = L.h;
  var t = L.t;
  var fail = A.fail;
  var query = A.query;
  var pageInfo = A.pageInfo;
  var pageSize = A.pageSize;
  var PAGED = A.PAGED;
  var loaders = A.loaders;
  var badge = A.badge;
  var statusOf = A.statusOf;
  var serverControls = A.serverControls;

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
      /** @type {HTMLButtonElement} */ (document.getElementById('running-prev')).disabled =
        running.offset <= 0;
      /** @type {HTMLButtonElement} */ (document.getElementById('running-next')).disabled = !(
        p && p.next
      );
      if (!document.getElementById('panel-running').hidden)
        runningTimer = setTimeout(loadRunning, 15000);
    }, fail);
  }
  runningBody.addEventListener('click', function (ev) {
    A.onAction(ev, loadRunning);
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
})();
