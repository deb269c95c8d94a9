// @ts-check
// Spawn-pending page: follows the progress event stream (EventSource on the progress URL with
// ?_xsrf=), shows the progress bar and every message, reloads on `ready` (the page route then
// redirects to the server) and shows the real failure message on `failed`.
(function () {
  'use strict';
  var L = window.labhub;
  var root = document.getElementById('spawn-pending');
  if (!L || !root || typeof window.EventSource !== 'function') return;
  var progressUrl = root.getAttribute('data-progress-url');
  var bar = document.getElementById('progress-bar');
  var fill = document.getElementById('progress-fill');
  var current = document.getElementById('progress-message');
  var log = document.getElementById('progress-log');
  var errorBox = document.getElementById('spawn-error');
  var errorMessage = document.getElementById('spawn-error-message');
  var finished = false;

  function setProgress(p) {
    var v = Math.max(0, Math.min(100, Math.round(p)));
    bar.setAttribute('aria-valuenow', String(v));
    fill.style.width = v + '%'; // CSSOM, allowed by style-src 'self'
  }

  /**
   * A message for the page: in the page language when known; else the spawner's own words,
   * marked as English so screen readers (and the language checks) know.
   * @param {string} text
   */
  function messageNode(text) {
    var known = localize(text);
    return known === null ? L.h('span', { lang: 'en' }, text) : document.createTextNode(known);
  }

  /** @param {string} text */
  function addLog(text) {
    var li = L.h(
      'li',
      null,
      L.h('time', { datetime: new Date().toISOString() }, new Date().toLocaleTimeString(L.lang)),
      ' ',
      messageNode(text),
    );
    log.appendChild(li);
  }

  function showFailure(text) {
    finished = true;
    bar.classList.add('progress-failed');
    current.textContent = L.t('js.pending.failed');
    errorMessage.textContent = text || L.t('js.error.unknown');
    errorBox.hidden = false;
    errorBox.setAttribute('tabindex', '-1');
    errorBox.focus();
  }

  // The hub's progress messages are JupyterHub's (English, part of the wire format); show the
  // well-known ones in the page language and anything else (spawner messages) as it is.
  var KNOWN = {
    'Server requested': 'js.pending.msgRequested',
    'Spawning server...': 'js.pending.msgSpawning',
    'Waiting for the server to answer...': 'js.pending.msgWaiting',
    'Spawn cancelled': 'js.pending.msgCancelled',
  };
  /**
   * The page-language text of a well-known message, or null for any other.
   * @param {string} text
   * @returns {string | null}
   */
  function localize(text) {
    if (Object.prototype.hasOwnProperty.call(KNOWN, text)) return L.t(KNOWN[text]);
    var m = /^Server ready at (\S+)$/.exec(text);
    if (m) return L.t('js.pending.msgReady', { url: m[1] });
    m = /^Spawn failed: ([\s\S]*)$/.exec(text);
    if (m) return L.t('js.pending.msgFailed', { reason: m[1] });
    return null;
  }

  var url =
    progressUrl +
    (progressUrl.indexOf('?') === -1 ? '?' : '&') +
    '_xsrf=' +
    encodeURIComponent(L.xsrf);
  var source = new EventSource(url);

  source.onmessage = function (ev) {
    var data;
    try {
      data = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (typeof data.progress === 'number') setProgress(data.progress);
    // The plain-text message only: html_message is never inserted as markup.
    var raw = data.message ? String(data.message) : '';
    var localized = raw ? localize(raw) : null;
    var message = localized === null ? raw : localized;
    if (raw) {
      current.textContent = '';
      current.appendChild(messageNode(raw));
      addLog(raw);
    }
    if (data.failed) {
      source.close();
      showFailure(message);
    } else if (data.ready) {
      finished = true;
      source.close();
      setProgress(100);
      current.textContent = L.t('js.pending.ready');
      window.location.reload();
    }
  };

  source.onerror = function () {
    if (finished) return;
    if (source.readyState === EventSource.CLOSED) {
      current.textContent = L.t('js.pending.lost');
      var btn = L.h('button', { type: 'button', class: 'button' }, L.t('js.pending.reload'));
      btn.addEventListener('click', function () {
        window.location.reload();
      });
      current.appendChild(document.createTextNode(' '));
      current.appendChild(btn);
    }
  };
})();
