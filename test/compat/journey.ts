/**
 * A person's whole journey through a hub (JupyterHub or labhub), driven like a browser over
 * HTTP: log in through the form, get a server spawned, follow the OAuth round trip to
 * JupyterLab, start a kernel through the server's REST API and run code over the kernel
 * WebSocket (Jupyter messaging protocol, JSON frames), then stop the server. Nothing in it knows
 * which hub it talks to.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { BrowserClient, type RawResponse } from '../integration/support.js';

export interface Hop {
  path: string;
  status: number;
}

/** GETs `path` and follows redirects (at most 20), recording each hop. */
async function follow(
  c: BrowserClient,
  hops: Hop[],
  path: string,
  first?: RawResponse,
): Promise<{ res: RawResponse; path: string }> {
  let at = path;
  let res = first ?? (await c.request(at));
  if (!first) hops.push({ path: at, status: res.status });
  for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
    const next = new URL(String(res.headers.location ?? '/'), new URL(at, c.base));
    at = next.pathname + next.search;
    res = await c.request(at);
    hops.push({ path: at, status: res.status });
  }
  return { res, path: at };
}

/**
 * The XSRF token a hub page gives its form or its scripts (JupyterHub: a hidden `_xsrf` input and
 * `jhdata.xsrf_token`; labhub: the same input and a `<meta name="xsrf">`).
 */
function pageXsrf(html: string, page: string): string {
  const m =
    /name="_xsrf"\s+value="([^"]+)"/.exec(html) ??
    /<meta name="xsrf" content="([^"]+)"/.exec(html) ??
    /xsrf_token: "([^"]+)"/.exec(html);
  assert.ok(m, `${page} carries an XSRF token`);
  return m[1].replace(/&#x2F;|&#47;/g, '/').replace(/&amp;/g, '&');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface JourneyResult {
  /** Seconds for each step. */
  timings: { login: number; spawnToLab: number; kernelStart: number; execute: number };
  /** The hops from the /user/<name>/lab request that reached JupyterLab. */
  oauthHops: Hop[];
  /** What the code printed. */
  output: string;
  /** pid of the single-user server (the kernel's parent), for cleanup. */
  serverPid: number;
}

/**
 * Log in as `user`, reach JupyterLab (spawning the server, doing the OAuth round trip), start a
 * kernel, run `code` over the WebSocket and return what it printed.
 */
export async function journey(
  base: string,
  user: string,
  password: string,
  code: string,
  timeoutMs = 240_000,
): Promise<JourneyResult> {
  const c = new BrowserClient(base);
  const hops: Hop[] = [];
  const cors = { 'Sec-Fetch-Mode': 'cors', Accept: 'application/json' };
  const t0 = Date.now();
  const loginPage = await c.request('/hub/login');
  assert.equal(loginPage.status, 200, 'GET /hub/login');
  const login = await c.request('/hub/login', {
    method: 'POST',
    body: new URLSearchParams({
      username: user,
      password,
      _xsrf: pageXsrf(loginPage.body, '/hub/login'),
    }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(login.status, 302, `POST /hub/login: ${login.status} ${login.body.slice(0, 500)}`);
  // Where the hub sends a fresh login (/hub/ → /hub/spawn → spawn-pending): this starts the spawn.
  await follow(c, hops, '/hub/login', login);
  const t1 = Date.now();

  const labPath = `/user/${user}/lab`;
  let fromHop = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    fromHop = hops.length;
    const r = await follow(c, hops, labPath);
    if (r.res.status === 200 && r.path.startsWith(labPath)) {
      assert.match(r.res.body, /JupyterLab/, 'the page is JupyterLab');
      break;
    }
    const last = `${r.path} → ${r.res.status}: ${r.res.body.slice(0, 500)}`;
    assert.ok(r.res.status < 500, last);
    assert.ok(Date.now() < deadline, `JupyterLab of ${user} not reached in time; last ${last}`);
    await sleep(500);
  }
  const oauthHops = hops.slice(fromHop);
  const t2 = Date.now();

  // A kernel, through the server's REST API (cookie + the server's own _xsrf, as JupyterLab does).
  const api = `/user/${user}/api`;
  const serverXsrf = c.cookieFor('_xsrf', `${api}/kernels`);
  assert.ok(serverXsrf, 'the server set its _xsrf cookie on the JupyterLab page');
  const created = await c.request(`${api}/kernels`, {
    method: 'POST',
    body: JSON.stringify({ name: 'python3' }),
    headers: { ...cors, 'Content-Type': 'application/json', 'X-XSRFToken': serverXsrf },
  });
  assert.equal(created.status, 201, `POST ${api}/kernels: ${created.status} ${created.body}`);
  const kernelId = (JSON.parse(created.body) as { id: string }).id;
  const t3 = Date.now();

  const { output, serverPid } = await executeOverWebSocket(c, user, kernelId, code);
  const t4 = Date.now();

  // Stop the server as the control panel's Stop button does: login cookie + the page's XSRF token.
  const home = await c.request('/hub/home');
  assert.equal(home.status, 200, 'GET /hub/home');
  const del = await c.request(`/hub/api/users/${user}/server`, {
    method: 'DELETE',
    headers: { ...cors, 'X-XSRFToken': pageXsrf(home.body, '/hub/home') },
  });
  assert.ok([202, 204].includes(del.status), `DELETE server: ${del.status} ${del.body}`);
  return {
    timings: {
      login: (t1 - t0) / 1000,
      spawnToLab: (t2 - t1) / 1000,
      kernelStart: (t3 - t2) / 1000,
      execute: (t4 - t3) / 1000,
    },
    oauthHops,
    output,
    serverPid,
  };
}

/** Sends one execute_request on the shell channel; collects the stream output until idle. */
async function executeOverWebSocket(
  c: BrowserClient,
  user: string,
  kernelId: string,
  code: string,
): Promise<{ output: string; serverPid: number }> {
  const session = randomUUID();
  const path = `/user/${user}/api/kernels/${kernelId}/channels?session_id=${session}`;
  const ws = new WebSocket(c.base.replace(/^http/, 'ws') + path, {
    headers: { Cookie: c.cookieHeader(path.split('?')[0]) },
  });
  const msgId = randomUUID();
  // The kernel's parent process is the single-user server: print its pid for cleanup.
  const full = `${code}\nimport os as _os; print('SERVER_PID', _os.getppid())`;
  try {
    return await new Promise((resolve, reject) => {
      let out = '';
      let replied = false;
      let idle = false;
      const timer = setTimeout(
        () =>
          reject(new Error(`no answer from kernel ${kernelId} in 120 s; output so far: ${out}`)),
        120_000,
      );
      const finish = () => {
        if (!replied || !idle) return;
        clearTimeout(timer);
        const pid = Number(/SERVER_PID (\d+)/.exec(out)?.[1]);
        resolve({ output: out.replace(/SERVER_PID \d+\n?/, ''), serverPid: pid });
      };
      ws.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      ws.on('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`WebSocket ${path} refused: HTTP ${res.statusCode}`));
      });
      ws.on('open', () => {
        ws.send(
          JSON.stringify({
            header: {
              msg_id: msgId,
              msg_type: 'execute_request',
              username: user,
              session,
              date: new Date().toISOString(),
              version: '5.3',
            },
            parent_header: {},
            metadata: {},
            content: {
              code: full,
              silent: false,
              store_history: true,
              user_expressions: {},
              allow_stdin: false,
              stop_on_error: true,
            },
            channel: 'shell',
            buffers: [],
          }),
        );
      });
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as {
          channel: string;
          header: { msg_type: string };
          parent_header: { msg_id?: string };
          content: { name?: string; text?: string; execution_state?: string; status?: string };
        };
        if (msg.parent_header?.msg_id !== msgId) return;
        const type = msg.header.msg_type;
        if (type === 'stream') out += msg.content.text ?? '';
        else if (type === 'error') out += `ERROR ${JSON.stringify(msg.content)}\n`;
        else if (type === 'execute_reply') replied = true;
        else if (type === 'status' && msg.content.execution_state === 'idle') idle = true;
        finish();
      });
    });
  } finally {
    ws.close();
  }
}
