import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLine } from './log.js';

test('log lines are formatted like JupyterHub: level letter, time, name, message, extras', () => {
  const line = formatLine(
    JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      name: 'labhub',
      msg: 'config: renamed',
      key: 'Authenticator.whitelist',
      line: 5,
    }),
  );
  assert.equal(
    line,
    '[W 2026-01-02 03:04:05.006 labhub] config: renamed (key=Authenticator.whitelist line=5)\n',
  );
  assert.equal(formatLine('not json'), 'not json');
});
