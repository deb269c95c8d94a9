import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startInjectHub } from '../helpers/inject-hub.js';
import { OPENAPI_CANDIDATES, openApiSpec } from '../helpers/reference.js';
import { accessError, declaredApiRoutes } from '../../src/http/api/route.js';

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

/**
 * API routes that hold no scope, and why (route.ts `{public|authenticated|selfAuthorizing}`). A
 * new one must be added here on purpose: every other API route declares the scopes it needs.
 */
const UNSCOPED: Record<string, 'public' | 'authenticated' | 'selfAuthorizing'> = {
  'GET /hub/api/': 'public',
  'GET /hub/api/health': 'public',
  'GET /hub/health': 'public',
  'OPTIONS /hub/api/*': 'public',
  'POST /hub/api/authorizations/token': 'public',
  'GET /hub/api/user': 'selfAuthorizing',
  'POST /hub/api/users/:name/tokens': 'selfAuthorizing',
  'GET /hub/api/authorizations/token/:token': 'selfAuthorizing',
  'GET /hub/api/authorizations/cookie/:cookie/:value': 'selfAuthorizing',
  'GET /hub/api/oauth2/authorize': 'selfAuthorizing',
  'POST /hub/api/oauth2/authorize': 'selfAuthorizing',
  'POST /hub/api/oauth2/token': 'selfAuthorizing',
  'POST /hub/security/csp-report': 'selfAuthorizing',
};

function specOperations(): { prefix: string; wanted: Array<[string, string]> } {
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
  return { prefix, wanted };
}

test('every path and method of jupyterhub-rest-api.yml (and the documented extras) has a route', async () => {
  const { prefix, wanted } = specOperations();
  const t = await startInjectHub();
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

test('every API route declares its scopes, or declares on purpose that it needs none', async () => {
  const { prefix, wanted } = specOperations();
  const t = await startInjectHub();
  try {
    const table = declaredApiRoutes(t.app);
    // `:param` names differ between files and the spec: compare the shapes.
    const shape = (url: string) => url.replace(/:[^/]+|\{[^}]+\}/g, ':').replace(/\/$/, '');
    const declared = (m: string, url: string) =>
      table.some((r) => r.methods.includes(m) && shape(r.url) === shape(url));
    const undeclared = [...wanted, ...EXTRA]
      .map(([m, p]) => [m, prefix + p] as const)
      .filter(([m, url]) => !declared(m, url));
    assert.deepEqual(
      undeclared,
      [],
      `operations without a declared route: ${undeclared.map((x) => x.join(' ')).join(', ')}`,
    );
    for (const r of table) {
      const where = `${r.methods.join(',')} ${r.url}`;
      assert.equal(accessError(where, r.scopes), null);
      if (Array.isArray(r.scopes)) {
        assert.ok(r.scopes.length > 0, `${where} declares no scope`);
        continue;
      }
      // The catch-all (404/405 for every method) is public by nature.
      if (r.url === '/hub/api/*' && !r.methods.includes('OPTIONS')) continue;
      const kind = Object.keys(r.scopes)[0];
      const key = `${r.methods.join(',')} ${r.url}`;
      assert.equal(
        kind,
        UNSCOPED[key],
        `${key} declares {${kind}: '${Object.values(r.scopes)[0]}'}: routes without scopes are listed in UNSCOPED on purpose`,
      );
    }
    const seen = new Set(table.map((r) => `${r.methods.join(',')} ${r.url}`));
    assert.deepEqual(
      Object.keys(UNSCOPED).filter((k) => !seen.has(k)),
      [],
      'UNSCOPED lists only routes that exist',
    );
    // Routes the hub serves under /hub/api are all in the table (route() is the only way in).
    assert.ok(table.length >= wanted.length, `${table.length} declared routes`);
  } finally {
    await t.stop();
  }
});
