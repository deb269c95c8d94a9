import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startTestHub } from '../helpers/test-hub.js';
import { OPENAPI_CANDIDATES, openApiSpec } from '../helpers/reference.js';

/** JupyterHub's OpenAPI file, beside the repository (test/helpers/reference.ts). */
const SPEC = openApiSpec() ?? OPENAPI_CANDIDATES[0];
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Routes JupyterHub has that the OpenAPI file does not list (hub-protocol.md §4.5, §3.7). */
const EXTRA: Array<[string, string]> = [
  ['GET', '/users/{name}/server'],
  ['GET', '/users/{name}/server/progress'],
  ['GET', '/users/{name}/servers/{server_name}/progress'],
  ['POST', '/users/{name}/admin-access'],
  ['POST', '/services/{name}'],
  ['DELETE', '/services/{name}'],
  ['GET', '/health'],
  ['GET', '/metrics'],
];

test('every path and method of jupyterhub-rest-api.yml (and the documented extras) has a route', async () => {
  const spec = parse(readFileSync(SPEC, 'utf8')) as {
    servers: Array<{ url: string }>;
    paths: Record<string, Record<string, unknown>>;
  };
  const prefix = spec.servers[0].url.replace(/\/$/, '');
  assert.equal(prefix, '/hub/api');
  const wanted: Array<[string, string]> = [];
  for (const [path, item] of Object.entries(spec.paths))
    for (const m of Object.keys(item))
      if (METHODS.includes(m)) wanted.push([m.toUpperCase(), path]);
  assert.ok(
    wanted.length >= 50,
    `the spec lists ${wanted.length} operations; expected the full file`,
  );
  const t = await startTestHub();
  try {
    const app = t.hub.app;
    // fastify's hasRoute matches `:param` segments whatever their name; `{name}` → `:name`.
    const missing = [...wanted, ...EXTRA].filter(
      ([m, p]) =>
        !app.hasRoute({ method: m as 'GET', url: prefix + p.replace(/\{([^}]+)\}/g, ':$1') }),
    );
    assert.deepEqual(
      missing,
      [],
      `operations without a route: ${missing.map(([m, p]) => `${m} ${p}`).join(', ')}`,
    );
    // The check itself must be able to fail.
    assert.equal(app.hasRoute({ method: 'PUT', url: `${prefix}/users/:name/activity` }), false);
  } finally {
    await t.stop();
  }
});
