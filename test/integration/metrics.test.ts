import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, hubFetch } from '../helpers/test-hub.js';

test('/hub/metrics: Prometheus text with JupyterHub metric names; read:metrics required; /hub/health open', async () => {
  const t = await startTestHub();
  try {
    const admin = await t.token('admin', { admin: true });
    const user = await t.token('someone');
    assert.equal((await hubFetch(`${t.url}/hub/metrics`)).status, 403);
    assert.equal((await hubFetch(`${t.url}/hub/metrics`, { token: user })).status, 403);
    // One request so that the request histogram has a series, then read.
    await hubFetch(`${t.api}/`);
    const r = await hubFetch(`${t.url}/hub/metrics`, { token: admin });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    const body = await r.text();
    for (const name of [
      'jupyterhub_request_duration_seconds_bucket',
      'jupyterhub_server_spawn_duration_seconds',
      'jupyterhub_running_servers',
      'jupyterhub_total_users',
      'jupyterhub_active_users{period="24h"}',
      'jupyterhub_login_duration_seconds',
      'jupyterhub_proxy_add_duration_seconds',
      'jupyterhub_event_loop_interval_seconds',
      'jupyterhub_hub_startup_duration_seconds_count 1',
    ])
      assert.ok(body.includes(name), `missing ${name}`);
    assert.equal((await hubFetch(`${t.api}/metrics`, { token: admin })).status, 200);
    const health = await hubFetch(`${t.url}/hub/health`);
    assert.equal(health.status, 200);
    assert.equal((await hubFetch(`${t.api}/health`, { method: 'HEAD' })).status, 200);
  } finally {
    await t.stop();
  }
});
