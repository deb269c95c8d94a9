/**
 * The access log (one line per request, like JupyterHub's) and the static files served by
 * @fastify/static, over real sockets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { memoryLogger } from './support.js';

let t: TestHub;
let mem: ReturnType<typeof memoryLogger>;

before(async () => {
  mem = memoryLogger();
  t = await startTestHub({ logger: mem.log });
});
after(async () => {
  await t?.stop();
});

/** The log's messages that mention `needle`, waiting a moment for onResponse to run. */
async function logLines(needle: string): Promise<Array<{ level: number; msg: string }>> {
  for (let i = 0; i < 50; i++) {
    const found = mem
      .lines()
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((o) => typeof o.msg === 'string' && o.msg.includes(needle));
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

test('each request gets one access log line with status, method, path, user and duration', async () => {
  const token = await t.token('alice');
  const r = await fetch(`${t.api}/user`, { headers: { authorization: `token ${token}` } });
  assert.equal(r.status, 200);
  const [line, ...more] = await logLines('GET /hub/api/user ');
  assert.ok(line, mem.lines().join('\n'));
  assert.equal(more.length, 0);
  assert.equal(line.level, 30, 'info');
  assert.match(line.msg, /^200 GET \/hub\/api\/user \(alice@127\.0\.0\.1\) \d+\.\d\dms$/);
  const missing = await fetch(`${t.url}/hub/api/users/nobody-here`, {
    headers: { authorization: `token ${token}` },
  });
  assert.equal(missing.status, 404);
  const [notFound] = await logLines('/hub/api/users/nobody-here');
  assert.match(notFound!.msg, /^404 GET /);
  assert.equal(notFound!.level, 40, 'a 4xx is a warning, as in JupyterHub');
});

test('a token in the query string never reaches the log', async () => {
  const token = await t.token('alice');
  const r = await fetch(`${t.api}/user?token=${token}&include_stopped_servers=1`);
  await r.text(); // whether a URL token is accepted is another test's concern; the log is this one's
  const login = await fetch(`${t.url}/hub/login?next=%2Fhub%2Fhome&_xsrf=xs${token}`);
  await login.text();
  const [line] = await logLines('GET /hub/api/user?');
  assert.match(line!.msg, /GET \/hub\/api\/user\?token=\[secret\]&include_stopped_servers=1 /);
  await logLines('GET /hub/login?');
  const all = mem.lines().join('\n');
  assert.ok(!all.includes(token), 'the token appears in the log');
});

test('static files: served with type, cache header and nosniff; no escape from the folder', async () => {
  const css = await fetch(`${t.url}/hub/static/style.css`);
  assert.equal(css.status, 200);
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal(css.headers.get('cache-control'), 'public, max-age=3600');
  assert.equal(css.headers.get('x-content-type-options'), 'nosniff');
  assert.ok((await css.text()).length > 100);
  const js = await fetch(`${t.url}/hub/static/common.js`);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  await js.text();
  for (const path of [
    '/hub/static/no-such-file.js',
    '/hub/static/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/hub/static/..%2f..%2f..%2fpackage.json',
    '/hub/static/',
  ]) {
    const r = await fetch(`${t.url}${path}`);
    assert.equal(r.status, 404, path);
    assert.ok(!(await r.text()).includes('"name": "labhub"'), path);
  }
});
