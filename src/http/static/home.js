// @ts-check
// Home page (/hub/home): stop, delete and rename servers through the REST API; the
// "add server" form opens /hub/spawn/<user>/<name>. Starting uses plain links to /hub/spawn.
(function () {
  'use strict';
  var L = window.labhub;
  var root = document.getElementById('home');
  if (!L || !root) return;
  var user = root.getAttribute('data-user') || '';
  var status = document.getElementById('home-status');

  function serverPath(name) {
    return 'users/' + L.seg(user) + (name ? '/servers/' + L.seg(name) : '/server');
  }
  function label(name) {
    return name || L.t('js.defaultServer');
  }
  function fail(err) {
    L.announce(status, err.message, 'error');
  }
  function validName(name) {
    return !!name && !/[\/?#\s]/.test(name);
  }

  /** Polls the server model until nothing is pending, then reloads (for 202 answers). */
  function waitUntilSettled(name, tries) {
    L.api('GET', 'users/' + L.seg(user)).then(function (res) {
      var servers = (res.data && res.data.servers) || {};
      var s = servers[name];
      if (!s || !s.pending || tries <= 0) window.location.reload();
      else
        setTimeout(function () {
          waitUntilSettled(name, tries - 1);
        }, 1000);
    }, fail);
  }

  function setBusy(btn, busy) {
    btn.disabled = busy;
    btn.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  root.addEventListener('click', function (ev) {
    var btn = /** @type {Element} */ (ev.target).closest('button[data-action]');
    if (!btn) return;
    var action = btn.getAttribute('data-action');
    var name = btn.getAttribute('data-server') || '';
    if (action === 'stop') {
      setBusy(btn, true);
      L.announce(status, L.t('js.home.stopping', { name: label(name) }));
      L.api('DELETE', serverPath(name)).then(
        function (res) {
          if (res.status === 202) waitUntilSettled(name, 120);
          else window.location.reload();
        },
        function (err) {
          setBusy(btn, false);
          fail(err);
        },
      );
    } else if (action === 'delete') {
      if (!window.confirm(L.t('js.home.deleteConfirm', { name: name }))) return;
      setBusy(btn, true);
      L.announce(status, L.t('js.home.deleting', { name: name }));
      L.api('DELETE', serverPath(name), { remove: true }).then(
        function () {
          window.location.reload();
        },
        function (err) {
          setBusy(btn, false);
          fail(err);
        },
      );
    } else if (action === 'rename') {
      var next = window.prompt(L.t('js.home.renamePrompt', { name: name }), name);
      if (next === null || next === name) return;
      next = next.trim();
      if (!validName(next)) {
        L.announce(status, L.t('js.home.invalidName'), 'error');
        return;
      }
      setBusy(btn, true);
      L.announce(status, L.t('js.home.renaming', { name: name }));
      L.api('PATCH', serverPath(name), { name: next }).then(
        function () {
          window.location.reload();
        },
        function (err) {
          setBusy(btn, false);
          fail(err);
        },
      );
    }
  });

  var form = document.getElementById('new-server-form');
  if (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var input = /** @type {HTMLInputElement} */ (document.getElementById('new-server-name'));
      var name = (input.value || '').trim();
      if (!validName(name)) {
        L.announce(status, L.t('js.home.invalidName'), 'error');
        input.focus();
        return;
      }
      window.location.assign(form.getAttribute('data-spawn-url') + L.seg(name));
    });
  }
})();
