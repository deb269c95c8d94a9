// @ts-check
// Token page (/hub/token): request a token (POST users/<me>/tokens) and revoke tokens
// (DELETE users/<me>/tokens/<id>) through the REST API with the XSRF header.
(function () {
  'use strict';
  var L = window.labhub;
  var root = document.getElementById('token-page');
  if (!L || !root) return;
  var user = root.getAttribute('data-user') || '';
  var status = document.getElementById('token-status');
  var form = /** @type {HTMLFormElement} */ (document.getElementById('token-form'));
  var box = document.getElementById('new-token');
  var output = /** @type {HTMLInputElement} */ (document.getElementById('new-token-value'));

  /** @param {string} name a field of the token form */
  function field(name) {
    return /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
  }

  function tokensPath(id) {
    return 'users/' + L.seg(user) + '/tokens' + (id ? '/' + L.seg(id) : '');
  }

  function addRow(token) {
    var table = /** @type {HTMLTableElement} */ (document.getElementById('token-table'));
    if (!table) {
      // First token: replace the "no tokens" paragraph with a fresh list.
      window.location.reload();
      return;
    }
    var scopes = token.scopes || [];
    var revoke = L.h(
      'button',
      {
        type: 'button',
        class: 'button button-danger',
        'data-action': 'revoke',
        'data-token-id': token.id,
      },
      L.t('js.token.revoke'),
    );
    var row = L.h(
      'tr',
      { 'data-token-row': token.id },
      L.h('th', { scope: 'row' }, token.note || L.t('js.token.noNote')),
      L.h(
        'td',
        null,
        scopes.length
          ? L.h(
              'details',
              null,
              L.h('summary', null, L.t('js.token.scopeCount', { count: scopes.length })),
              L.h(
                'ul',
                { class: 'scope-list' },
                scopes.map(function (s) {
                  return L.h('li', null, L.h('code', null, s));
                }),
              ),
            )
          : L.h('span', { class: 'muted' }, '—'),
      ),
      L.h('td', null, L.timeElement(token.last_activity)),
      L.h('td', null, L.timeElement(token.created)),
      L.h('td', null, L.timeElement(token.expires_at)),
      L.h('td', null, revoke),
    );
    table.tBodies[0].insertBefore(row, table.tBodies[0].firstChild);
    L.labelCells(table.parentNode);
  }

  if (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {};
      var note = field('note').value.trim();
      if (note) body.note = note;
      var expires = parseInt(field('expires_in').value, 10);
      if (expires > 0) body.expires_in = expires;
      var scopes = field('scopes')
        .value.split(/[\s,]+/)
        .filter(Boolean);
      if (scopes.length) body.scopes = scopes;
      var submit = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
      submit.disabled = true;
      L.announce(status, L.t('js.token.creating'));
      L.api('POST', tokensPath(), body).then(
        function (res) {
          submit.disabled = false;
          output.value = res.data.token;
          box.hidden = false;
          output.focus();
          output.select();
          L.announce(status, L.t('js.token.created'));
          form.reset();
          addRow(res.data);
        },
        function (err) {
          submit.disabled = false;
          L.announce(status, err.message, 'error');
        },
      );
    });
  }

  var copy = document.getElementById('copy-token');
  if (copy) {
    copy.addEventListener('click', function () {
      var done = function () {
        L.announce(status, L.t('js.token.copied'));
      };
      var failed = function () {
        output.select();
        L.announce(status, L.t('js.token.copyFailed'), 'error');
      };
      if (navigator.clipboard && navigator.clipboard.writeText)
        navigator.clipboard.writeText(output.value).then(done, failed);
      else failed();
    });
  }

  root.addEventListener('click', function (ev) {
    var btn = /** @type {HTMLButtonElement | null} */ (
      /** @type {Element} */ (ev.target).closest('button[data-action="revoke"]')
    );
    if (!btn) return;
    if (!window.confirm(L.t('js.token.revokeConfirm'))) return;
    var id = btn.getAttribute('data-token-id');
    btn.disabled = true;
    L.api('DELETE', tokensPath(id)).then(
      function () {
        var row = btn.closest('tr');
        if (row) row.parentNode.removeChild(row);
        L.announce(status, L.t('js.token.revoked'));
      },
      function (err) {
        btn.disabled = false;
        L.announce(status, err.message, 'error');
      },
    );
  });
})();
