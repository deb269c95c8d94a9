// @ts-check
// 424 "server not running" page with implicit_spawn_seconds > 0: counts down, then follows
// the Launch link (which also works at any time).
(function () {
  'use strict';
  var L = window.labhub;
  var root = document.getElementById('not-running');
  if (!L || !root) return;
  var seconds = parseInt(root.getAttribute('data-implicit-spawn-seconds') || '0', 10);
  var url = root.getAttribute('data-spawn-url');
  var status = document.getElementById('implicit-spawn-status');
  if (!(seconds > 0) || !url) return;
  function tick() {
    if (status) status.textContent = L.t('js.notRunning.countdown', { seconds: seconds });
    if (seconds <= 0) {
      window.location.assign(url);
      return;
    }
    seconds -= 1;
    setTimeout(tick, 1000);
  }
  tick();
})();
