/** One look at a CHP-compatible proxy's REST API: up (with its routes), refusing our token, or down. */

/** One route as `GET /api/routes` lists it (only the fields the checks read). */
export type RawRoute = { target?: unknown; jupyterhub?: unknown } | null;

/** What one look at the proxy's API found. */
export type Probe =
  | { state: 'ok'; hubRoutes: number; routes: Record<string, RawRoute> }
  | { state: 'forbidden'; status: number }
  | { state: 'down'; reason: string };

/** `GET <apiUrl>/api/routes` with `token`; never throws. */
export async function probeProxy(apiUrl: string, token: string, timeout: number): Promise<Probe> {
  try {
    // On first use, not with the hub's modules; `.default` (module.exports) as in chp-client.ts.
    const { request } = (await import('undici')).default;
    const r = await request(new URL('api/routes', apiUrl.replace(/\/?$/, '/')), {
      headers: { authorization: `token ${token}` },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await r.body.text();
    if (r.statusCode === 403 || r.statusCode === 401)
      return { state: 'forbidden', status: r.statusCode };
    if (r.statusCode !== 200) return { state: 'down', reason: `HTTP ${r.statusCode}` };
    let hubRoutes = 0;
    let routes: Record<string, RawRoute>;
    try {
      routes = JSON.parse(text) as Record<string, RawRoute>;
      for (const d of Object.values(routes)) if (d && d.jupyterhub === true) hubRoutes++;
    } catch {
      return { state: 'down', reason: 'GET /api/routes did not return JSON' };
    }
    return { state: 'ok', hubRoutes, routes };
  } catch (err) {
    return {
      state: 'down',
      reason: `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.trim(),
    };
  }
}
