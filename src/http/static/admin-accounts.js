// @ts-check
// Admin page, PAM with labhub running as root: "Create missing Linux accounts with one-time
// passwords". While that box is ticked, admin.js hands the add-users form to this file, which
// calls POST labhub/linux-users and shows each new account's one-time password once, in the page
// only (never in a status message, never stored), until the admin hides them.
(function () {
  'use strict';
  var L = window.labhub;
  var box = /** @type {HTMLInputElement} */ (document.getElementById('add-linux'));
  var panel = document.getElementById('one-time-passwords');
  if (!L || !box || !panel) return;
  var h = L.h;
  var t = L.t;
  var status = document.getElementById('admin-status');

  function hide() {
    panel.textContent = '';
    panel.hidden = true;
  }

  function show(res) {
    var d = res.data || {};
    var otp = d.one_time_passwords || {};
    var kept = d.existing_linux_accounts || [];
    var names = Object.keys(otp);
    hide();
    if (names.length) {
      var list = h('dl', { class: 'otp-list' });
      names.forEach(function (n) {
        list.appendChild(h('dt', null, n));
        list.appendChild(h('dd', null, h('code', { 'data-otp-user': n }, otp[n])));
      });
      kept.forEach(function (n) {
        list.appendChild(h('dt', null, n));
        list.appendChild(h('dd', { class: 'muted' }, t('js.admin.otpKept')));
      });
      panel.appendChild(h('h2', { id: 'otp-title', tabindex: '-1' }, t('js.admin.otpTitle')));
      panel.appendChild(h('p', null, t('js.admin.otpIntro')));
      panel.appendChild(list);
      panel.appendChild(
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'button', id: 'otp-done', onclick: hide }, [
            t('js.admin.otpDone'),
          ]),
        ),
      );
      panel.hidden = false;
      document.getElementById('otp-title').focus();
    }
    var added = (d.users || []).map(function (u) {
      return u.name;
    });
    var failed = (d.failed || []).map(function (f) {
      return f.name + ': ' + f.message;
    });
    if (failed.length)
      L.announce(
        status,
        (added.length ? t('js.admin.linuxAdded', { names: added.join(', ') }) + ' ' : '') +
          failed.join(' '),
        'error',
      );
    else L.announce(status, t('js.admin.linuxAdded', { names: added.join(', ') }));
  }

  L.adminAccounts = {
    /** true while the "create Linux accounts" box is ticked. */
    active: function () {
      return box.checked;
    },
    /** Add the users and their missing Linux accounts; resolves once the result is shown. */
    submit: function (names, admin) {
      return L.api('POST', 'labhub/linux-users', { usernames: names, admin: admin }).then(show);
    },
  };
})();
