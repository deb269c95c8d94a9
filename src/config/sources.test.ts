import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from '../errors.js';
import { applyLazy, formatOf, readConfigText } from './sources.js';
import { makeSet } from './py-values.js';

test('format from the file name', () => {
  assert.equal(formatOf('/etc/labhub.yml'), 'yaml');
  assert.equal(formatOf('x.JSON'), 'json');
  assert.equal(formatOf('a.toml'), 'toml');
  assert.equal(formatOf('jupyterhub_config.py'), 'py');
  assert.throws(() => formatOf('config.ini'), HubError);
});

test('YAML, JSON and TOML entries carry their line numbers', () => {
  const y = readConfigText(
    'JupyterHub:\n  port: 8000\n\nSpawner:\n  debug: true\n',
    'yaml',
    'labhub.yaml',
  );
  assert.equal(y.get('Spawner', 'debug')!.line, 5);
  assert.equal(y.get('JupyterHub', 'port')!.file, 'labhub.yaml');
  const j = readConfigText('{\n  "JupyterHub": {\n    "port": 8000\n  }\n}', 'json', 'labhub.json');
  assert.equal(j.get('JupyterHub', 'port')!.line, 3);
  const t = readConfigText(
    '[JupyterHub]\nport = 8000\n[Spawner]\ndebug = true\n',
    'toml',
    'labhub.toml',
  );
  assert.equal(t.get('Spawner', 'debug')!.line, 4);
});

test('syntax errors name file:line for every format', () => {
  const cases: [string, 'yaml' | 'json' | 'toml' | 'py', string][] = [
    ['JupyterHub:\n  port: [8000\n', 'yaml', 'labhub.yaml:'],
    ['{\n "JupyterHub": {,}\n}', 'json', 'labhub.json:2'],
    ['[JupyterHub]\nport = = 1\n', 'toml', 'labhub.toml:2'],
    ["c.JupyterHub.port = 1\nprint('hi')\n", 'py', 'jupyterhub_config.py:2'],
  ];
  for (const [text, fmt, where] of cases) {
    assert.throws(
      () => readConfigText(text, fmt, where.split(':')[0]!),
      (e: unknown) => {
        assert.ok(e instanceof HubError);
        assert.equal(e.code, 'LABHUB_ERR_CONFIG_SYNTAX');
        assert.ok(e.userMessage.startsWith(where), `${fmt}: ${e.userMessage}`);
        return true;
      },
    );
  }
});

test('a class section that is not a mapping is refused', () => {
  assert.throws(
    () => readConfigText('JupyterHub: 8000\n', 'yaml', 'labhub.yaml'),
    /JupyterHub \(labhub\.yaml:1\): expected a mapping/,
  );
  assert.throws(
    () => readConfigText('[1, 2]', 'json', 'labhub.json'),
    /expected a mapping of class names/,
  );
});

test('Python ops on an assigned value apply in order, with set semantics for sets', () => {
  const raw = readConfigText(
    "c.Authenticator.admin_users = {'a'}\nc.Authenticator.admin_users.add('a')\nc.Authenticator.admin_users.update(['b'])\nc.Spawner.args = ['x']\nc.Spawner.args.append('x')\n",
    'py',
    'f.py',
  );
  assert.deepEqual(raw.get('Authenticator', 'admin_users')!.value, ['a', 'b']);
  assert.equal(raw.get('Authenticator', 'admin_users')!.line, 1);
  assert.deepEqual(raw.get('Spawner', 'args')!.value, ['x', 'x']);
  assert.deepEqual(applyLazy(makeSet(['a']), { kind: 'extend', value: ['a', 'b'] }, 'k', 'f'), [
    'a',
    'b',
  ]);
  assert.deepEqual(applyLazy({ a: 1 }, { kind: 'update', value: { b: 2 } }, 'k', 'f'), {
    a: 1,
    b: 2,
  });
});

test('__proto__ keys stay plain data', () => {
  const raw = readConfigText("c.Spawner.environment = {'__proto__': 'x'}", 'py', 'f.py');
  const v = raw.get('Spawner', 'environment')!.value as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.equal(Object.keys(v)[0], '__proto__');
});

test('an empty class section (all lines commented out) is fine', () => {
  const raw = readConfigText(
    'JupyterHub:\n  # port: 8000\nSpawner:\n  debug: true\n',
    'yaml',
    'labhub.yaml',
  );
  assert.deepEqual([...raw.classes.keys()], ['Spawner']);
});
