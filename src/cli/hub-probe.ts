/** Is a labhub hub running for this config? Asked over HTTP, as any client would. */
import { loopbackFor } from '../core/settings-from-config.js';
import type { Settings } from '../core/settings.js';

/** The hub's REST API as seen from this machine. */
export function hubApi(s: Settings): { host: string; url: string } {
  const host = loopbackFor(s.hubIp);
  const h = host.includes(':') ? `[${host}]` : host;
  return { host, url: `http://${h}:${s.hubPort}${s.hubPrefix}api` };
}

/** The JupyterHub version a hub API at `api` reports (GET <api>/), or null when none answers. */
export async function hubVersionAt(api: string): Promise<string | null> {
  try {
    const r = await fetch(`${api}/`, { signal: AbortSignal.timeout(3000) });
    const body = (await r.json()) as { version?: unknown };
    return r.ok && typeof body.version === 'string' ? body.version : null;
  } catch {
    return null;
  }
}
