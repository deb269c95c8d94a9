import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from '../errors.js';
import { parsePyConfig } from './py-parser.js';
import { PY_SETS } from './py-values.js';

const one = (src: string) => {
  const ops = parsePyConfig(src, 'jupyterhub_config.py');
  assert.equal(ops.length, 1);
  return ops[0]!;
};

test('literal assignments of every supported type', () => {
  assert.equal(one("c.JupyterHub.ip = '*'").value, '*');
  assert.equal(one('c.JupyterHub.port = 8000').value, 8000);
  assert.equal(one('c.JupyterHub.cookie_max_age_days = 0.5').value, 0.5);
  assert.equal(one('c.Spawner.debug = True').value, true);
  assert.equal(one('c.Spawner.cpu_limit = None').value, null);
  assert.deepEqual(one("c.Spawner.args = ['a', 'b',]").value, ['a', 'b']);
  assert.deepEqual(one("c.Spawner.args = ('a',)").value, ['a']);
  assert.equal(one("c.Spawner.default_url = ('/lab')").value, '/lab');
  assert.deepEqual(one("c.Authenticator.admin_users = {'a', 'b', 'a'}").value, ['a', 'b']);
  assert.deepEqual(one("c.Spawner.environment = {'A': '1', \"B\": 'x'}").value, { A: '1', B: 'x' });
  assert.deepEqual(one('c.Spawner.environment = {}').value, {});
  assert.deepEqual(one("c.Spawner.environment = dict(A='1', B='2')").value, { A: '1', B: '2' });
  assert.deepEqual(one("c.Authenticator.admin_users = set(['a', 'b'])").value, ['a', 'b']);
  assert.deepEqual(one("c.Authenticator.admin_users = frozenset(('a',))").value, ['a']);
  assert.deepEqual(one('c.Authenticator.admin_users = set()').value, []);
  assert.deepEqual(one("c.Spawner.args = list(('x', 'y'))").value, ['x', 'y']);
  assert.equal(one("c.Spawner.default_url = '/lab' '/tree'").value, '/lab/tree');
  assert.equal(one('c.JupyterHub.last_activity_interval = 5 * 60 + 1').value, 301);
  assert.equal(one('c.Spawner.port = -1').value, -1);
  assert.equal(one('c.JupyterHub.cookie_max_age_days = 2 ** 3 // 3').value, 2);
});

test('sets are remembered as sets, lists are not', () => {
  assert.ok(PY_SETS.has(one("c.Authenticator.admin_users = {'a'}").value as unknown[]));
  assert.ok(!PY_SETS.has(one("c.Authenticator.admin_users = ['a']").value as unknown[]));
});

test("set('jupyter') is read as {'jupyter'} and reported as suspicious", () => {
  const op = one("c.JupyterHub.admin_users = set('jupyter')");
  assert.deepEqual(op.value, ['jupyter']);
  assert.deepEqual(op.suspicious, [{ callee: 'set', literal: 'jupyter' }]);
  assert.deepEqual(one("c.Authenticator.admin_users = set('j')").suspicious, []);
  assert.deepEqual(one("c.Spawner.args = list('abc')").suspicious, [
    { callee: 'list', literal: 'abc' },
  ]);
});

test('method calls and item assignment', () => {
  const ops = parsePyConfig(
    "c.Spawner.args.append('--x')\nc.Spawner.args.extend(['a'])\nc.Spawner.environment.update({'A': '1'})\nc.Spawner.environment['B'] = '2'\nc.Authenticator.admin_users.add('z')\n",
    'f.py',
  );
  assert.deepEqual(
    ops.map((o) => [o.kind, o.line, o.key]),
    [
      ['append', 1, undefined],
      ['extend', 2, undefined],
      ['update', 3, undefined],
      ['setitem', 4, 'B'],
      ['add', 5, undefined],
    ],
  );
});

test('get_config, comments, noqa, blank lines, semicolons and bracket continuations', () => {
  const ops = parsePyConfig(
    "# header\nc = get_config()  # noqa\n\nc.Spawner.args = [\n  '--a',  # first\n  '--b',\n]\nc.Spawner.debug = True; c.Spawner.port = 9\n",
    'f.py',
  );
  assert.deepEqual(
    ops.map((o) => [o.trait, o.line]),
    [
      ['args', 4],
      ['debug', 8],
      ['port', 8],
    ],
  );
  assert.equal(ops[0]!.text, "c.Spawner.args = [\n  '--a',  # first\n  '--b',\n]");
});

function syntaxError(src: string, line: number, re: RegExp) {
  assert.throws(
    () => parsePyConfig(src, 'jupyterhub_config.py'),
    (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.code, 'LABHUB_ERR_CONFIG_SYNTAX');
      assert.ok(
        e.userMessage.startsWith(`jupyterhub_config.py:${line}: unsupported statement`),
        e.userMessage,
      );
      assert.match(e.userMessage, re);
      assert.match(e.userMessage, /labhub\.yaml/);
      return true;
    },
  );
}

test('anything that is code fails with file:line, the statement and what is supported', () => {
  syntaxError("c.JupyterHub.ip = '1'\nimport os\n", 2, /`import os`: `import` is code/);
  syntaxError(
    "c.Spawner.environment = {'HOME': os.environ['HOME']}",
    1,
    /`os` is a name, not a literal/,
  );
  syntaxError('if True:\n    c.Spawner.debug = True\n', 1, /`if` is code/);
  syntaxError("c.Spawner.default_url = f'/user/{x}'", 1, /f-strings are code/);
  syntaxError('c.Spawner.args += ["x"]', 1, /augmented assignment/);
  syntaxError("c.Spawner.args.insert(0, 'x')", 1, /\.insert\(\) is not supported/);
  syntaxError('x = 1', 1, /only assignments to `c\.Class\.trait`/);
  syntaxError("c.JupyterHub.ip = 'a\n", 1, /not closed/);
  syntaxError("c.JupyterHub.ip = 'a' 'b' 1", 1, /unexpected/);
  syntaxError('c.JupyterHub = {}', 1, /a class alone cannot be configured/);
  syntaxError("c.Spawner.cmd = ['a',\n  get_cmd()]", 2, /`get_cmd` is a name/);
});
