// @ts-check
// Runs in <head> before the first paint: applies a remembered light/dark choice so the page
// does not flash in the wrong theme. Without a choice, CSS follows prefers-color-scheme.
(function () {
  'use strict';
  try {
    var theme = window.localStorage.getItem('labhub-theme');
    if (theme === 'light' || theme === 'dark')
      document.documentElement.setAttribute('data-theme', theme);
  } catch (e) {
    /* storage disabled: follow the system setting */
  }
})();
