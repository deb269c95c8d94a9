import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isHubError } from '../../errors.js';
import { waitForHttp } from './wait-http.js';

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => void }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      s.closeAllConnections();
      s.close();
    },
  };
}

const alive = () => Promise.resolve(null);

test('waitForHttp: retries 5xx answers, then returns the X-JupyterHub-Version of the first < 500', async () => {
  let calls = 0;
  const srv = await serve((req, res) => {
    calls++;
    if (calls < 3) {
      res.writeHead(503).end('starting');
      return;
    }
    assert.equal(req.url, '/user/a/api');
    res.writeHead(302, { location: '/elsewhere', 'x-jupyterhub-version': '5.2.1' }).end();
  });
  try {
    assert.equal(await waitForHttp(`${srv.url}/user/a/api`, 10, alive), '5.2.1');
    assert.equal(calls, 3, 'two 503 answers, then the redirect counts as up (not followed)');
  } finally {
    srv.close();
  }
});

test('waitForHttp: an answer without the version header gives null', async () => {
  const srv = await serve((_req, res) => res.writeHead(404).end());
  let polls = 0;
  try {
    assert.equal(
      await waitForHttp(`${srv.url}/api`, 10, () => {
        polls++;
        return alive();
      }),
      null,
    );
    assert.equal(polls, 0, 'a server answering at first try: its spawner is not polled');
  } finally {
    srv.close();
  }
});

test('waitForHttp: a process that exited is reported at once with its reason', async () => {
  const srv = await serve((_req, res) => res.writeHead(500).end());
  srv.close();
  let polls = 0;
  await assert.rejects(
    waitForHttp(`${srv.url}/api`, 60, () => Promise.resolve(++polls >= 2 ? 'exited with 1' : null)),
    (e: unknown) =>
      isHubError(e) && e.code === 'LABHUB_ERR_SPAWN_FAILED' && /exited with 1/.test(e.userMessage),
  );
});

test('waitForHttp: nothing listening until the timeout is a spawn timeout naming the last error', async () => {
  const srv = await serve((_req, res) => res.writeHead(500).end());
  srv.close();
  await assert.rejects(
    waitForHttp(`${srv.url}/api`, 0, alive),
    (e: unknown) =>
      isHubError(e) && e.code === 'LABHUB_ERR_SPAWN_TIMEOUT' && /ECONNREFUSED/.test(e.userMessage),
  );
});
