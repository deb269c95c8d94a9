// @ts-check
// Shared client code for every labhub page: messages, REST calls with the XSRF header,
// status announcements, relative times, theme toggle and language switch.
// Exposes window.labhub for the page scripts. No dependencies, no inline code (CSP).
(function () {
  'use strict';

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute('content') || '' : '';
  }

  var hubPrefix = meta('hub-prefix') || '/hub/';
  var baseUrl = meta('base-url') || '/';
  var xsrf = meta('xsrf');
  var lang = document.documentElement.getAttribute('lang') || 'en';

  var messages = {};
  try {
    var blob = document.getElementById('i18n');
    if (blob) messages = JSON.parse(blob.textContent || '{}');
  } catch (e) {
    messages = {};
  }

  // The same formatting as src/http/i18n/format.ts ({name} and ICU-style plurals
  // {count, plural, one {# user} other {# users}}); format.test.ts checks that both agree.
  var has = function (o, k) {
    return !!o && Object.prototype.hasOwnProperty.call(o, k);
  };
  var pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  function closing(s, open) {
    var depth = 0;
    for (var i = open; i < s.length; i++) {
      if (s[i] === '{') depth++;
      else if (s[i] === '}' && --depth === 0) return i;
    }
    return -1;
  }
  function branches(body) {
    var out = {};
    var i = 0;
    while (i < body.length) {
      var m = /^\s*(=\d+|[a-z]+)\s*\{/.exec(body.slice(i));
      if (!m) return body.slice(i).trim() ? null : out;
      var open = i + m[0].length - 1;
      var end = closing(body, open);
      if (end < 0) return null;
      out[m[1]] = body.slice(open + 1, end);
      i = end + 1;
    }
    return out;
  }
  function fillSimple(s, params) {
    if (!params) return s;
    return s.replace(/\{(\w+)\}/g, function (m, name) {
      return has(params, name) ? String(params[name]) : m;
    });
  }
  function formatMessage(template, params) {
    var out = '';
    var i = 0;
    var re = /\{(\w+),\s*plural,/g;
    for (var m = re.exec(template); m; m = re.exec(template)) {
      var end = closing(template, m.index);
      var opts = end < 0 ? null : branches(template.slice(m.index + m[0].length, end));
      if (!opts || !has(opts, 'other')) continue;
      var name = m[1];
      var known = has(params, name);
      var n = known ? Number(params[name]) : NaN;
      var chosen =
        (known && opts['=' + n]) ||
        (known && isFinite(n) && pluralRules && opts[pluralRules.select(n)]) ||
        opts.other;
      out +=
        fillSimple(template.slice(i, m.index), params) +
        fillSimple(chosen.replace(/#/g, known ? String(params[name]) : '{' + name + '}'), params);
      i = end + 1;
      re.lastIndex = i;
    }
    return out + fillSimple(template.slice(i), params);
  }

  /** Message from the embedded catalog with {name} placeholders and plurals filled. */
  function t(key, params) {
    return formatMessage(has(messages, key) ? messages[key] : key, params);
  }

  /** Data embedded by the page (<script type="application/json" id="page-data">). */
  function pageData() {
    var el = document.getElementById('page-data');
    if (!el) return null;
    try {
      return JSON.parse(el.textContent || 'null');
    } catch (e) {
      return null;
    }
  }

  function ApiError(status, message) {
    this.name = 'ApiError';
    this.status = status;
    this.message = message;
  }
  ApiError.prototype = Object.create(Error.prototype);

  /**
   * Calls the hub REST API with the session cookie and the X-XSRFToken header.
   * path is relative to <hubPrefix>api/ (e.g. 'users/alice/server').
   * Resolves to { status, data, headers }; rejects with an ApiError carrying a message for people.
   */
  function api(method, path, body, opts) {
    opts = opts || {};
    var headers = { 'X-XSRFToken': xsrf, Accept: opts.accept || 'application/json' };
    /** @type {RequestInit} */
    var init = { method: method, headers: headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(hubPrefix + 'api/' + path, init).then(
      function (res) {
        return res.text().then(function (text) {
          var data = null;
          if (text) {
            try {
              data = JSON.parse(text);
            } catch (e) {
              data = text;
            }
          }
          if (!res.ok) {
            var msg =
              data && typeof data === 'object' && data.message
                ? data.message
                : t('js.error.unknown');
            throw new ApiError(
              res.status,
              t('js.error.request', { status: res.status, message: msg }),
            );
          }
          return { status: res.status, data: data, headers: res.headers };
        });
      },
      function (err) {
        throw new ApiError(
          0,
          t('js.error.network', { message: err && err.message ? err.message : String(err) }),
        );
      },
    );
  }

  /** Encodes a user or server name as one URL path segment. */
  function seg(s) {
    return encodeURIComponent(s);
  }

  /** Writes a status message into an aria-live region; kind 'error' makes it an alert. */
  function announce(el, text, kind) {
    if (!el) return;
    el.textContent = text;
    el.className = 'page-status' + (kind ? ' page-status-' + kind : '');
    el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    el.hidden = !text;
  }

  var rtf = null;
  try {
    rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  } catch (e) {
    rtf = null;
  }
  /** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
  var UNITS = [
    ['year', 31536000],
    ['month', 2592000],
    ['week', 604800],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];

  /** "3 minutes ago" / "in 2 days" in the page language; '' for a missing date. */
  function relativeTime(iso) {
    if (!iso) return t('js.never');
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso);
    var diff = (d.getTime() - Date.now()) / 1000;
    if (!rtf) return d.toLocaleString(lang);
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i];
      if (Math.abs(diff) >= unit[1] || unit[0] === 'second') {
        return rtf.format(Math.round(diff / unit[1]), unit[0]);
      }
    }
    return '';
  }

  /** A <time> element with a relative label and the full local date as its title. */
  function timeElement(iso) {
    if (!iso) {
      var span = document.createElement('span');
      span.className = 'muted';
      span.textContent = t('js.never');
      return span;
    }
    var el = document.createElement('time');
    el.setAttribute('datetime', iso);
    el.textContent = relativeTime(iso);
    var d = new Date(iso);
    if (!isNaN(d.getTime())) el.title = d.toLocaleString(lang);
    return el;
  }

  function refreshTimes(root) {
    var nodes = (root || document).querySelectorAll('time[data-relative]');
    for (var i = 0; i < nodes.length; i++) {
      var iso = nodes[i].getAttribute('datetime');
      var d = new Date(iso);
      if (isNaN(d.getTime())) continue;
      nodes[i].textContent = relativeTime(iso);
      nodes[i].title = d.toLocaleString(lang);
    }
  }

  /** Small DOM builder: h('button', {type: 'button', class: 'x'}, 'text', child, ...). Text is never parsed as HTML. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.slice(0, 2) === 'on') {
          if (typeof v === 'function') el.addEventListener(k.slice(2), v);
        } else el.setAttribute(k, v === true ? '' : String(v));
      });
    }
    function add(c) {
      if (c === null || c === undefined || c === false || c === '') return;
      if (Array.isArray(c)) c.forEach(add);
      else
        el.appendChild(
          typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c,
        );
    }
    for (var i = 2; i < arguments.length; i++) add(arguments[i]);
    return el;
  }

  /**
   * Copies each column header into data-label on the body cells of .table-cards tables, so
   * that on phones (where CSS shows each row as a card) every value keeps its name.
   */
  function labelCells(root) {
    var tables = (root || document).querySelectorAll('table.table-cards');
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      if (!table.tHead || !table.tHead.rows.length) continue;
      var heads = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
        return th.textContent.trim();
      });
      for (var b = 0; b < table.tBodies.length; b++) {
        var rows = table.tBodies[b].rows;
        for (var r = 0; r < rows.length; r++) {
          var cells = rows[r].cells;
          if (cells.length !== heads.length) continue; // a detail or "no results" row
          for (var c = 0; c < cells.length; c++)
            if (cells[c].tagName === 'TD') cells[c].setAttribute('data-label', heads[c]);
        }
      }
    }
  }

  // Theme toggle: automatic (system) → light → dark → automatic, remembered in localStorage.
  var THEMES = ['auto', 'light', 'dark'];
  function currentTheme() {
    var v = document.documentElement.getAttribute('data-theme');
    return v === 'light' || v === 'dark' ? v : 'auto';
  }
  function applyTheme(theme) {
    if (theme === 'auto') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
    try {
      if (theme === 'auto') window.localStorage.removeItem('labhub-theme');
      else window.localStorage.setItem('labhub-theme', theme);
    } catch (e) {
      /* storage disabled: the choice lasts for this page only */
    }
    var btn = document.getElementById('theme-toggle');
    if (btn) {
      btn.textContent = t('js.theme.' + theme);
      btn.setAttribute('data-theme-choice', theme);
    }
  }

  function init() {
    var btn = document.getElementById('theme-toggle');
    if (btn) {
      btn.textContent = t('js.theme.' + currentTheme());
      btn.addEventListener('click', function () {
        var next = THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length];
        applyTheme(next);
      });
    }
    // Language switch: remember the choice in a cookie and reload the same URL.
    var links = document.querySelectorAll('[data-lang]');
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener('click', function (ev) {
        ev.preventDefault();
        var chosen = /** @type {Element} */ (ev.currentTarget).getAttribute('data-lang');
        var secure = window.location.protocol === 'https:' ? '; Secure' : '';
        // Same path as the cookie the hub sets for ?lang= (base_url), so there is only one.
        document.cookie =
          'labhub-lang=' +
          chosen +
          '; Path=' +
          baseUrl +
          '; Max-Age=31536000; SameSite=Lax' +
          secure;
        var url = new URL(window.location.href);
        url.searchParams.delete('lang');
        window.location.replace(url.toString());
      });
    }
    refreshTimes(document);
    labelCells(document);
    setInterval(function () {
      refreshTimes(document);
    }, 60000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();

  window.labhub = {
    t: t,
    api: api,
    seg: seg,
    h: h,
    announce: announce,
    relativeTime: relativeTime,
    timeElement: timeElement,
    refreshTimes: refreshTimes,
    labelCells: labelCells,
    pageData: pageData,
    hubPrefix: hubPrefix,
    baseUrl: baseUrl,
    xsrf: xsrf,
    lang: lang,
  };
})();
