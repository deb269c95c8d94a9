import { request } from 'undici';
import { HubError } from '../../errors.js';

/**
 * Wait until `url` answers with any status < 500 (redirects are not followed), as JupyterHub does
 * after starting a server. Checks `exited()` between tries so that a process that died is reported
 * at once with its reason, not after the timeout. Returns the response's X-JupyterHub-Version.
 */
export async function waitForHttp(
  url: string,
  timeoutSeconds: number,
  exited: () => Promise<string | null>,
): Promise<string | null> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let delay = 50;
  let lastError = '';
  for (;;) {
    const why = await exited();
    if (why) throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, why);
    try {
      const res = await request(url, { method: 'GET', headersTimeout: 5000, bodyTimeout: 5000 });
      await res.body.dump();
      if (res.statusCode < 500) {
        const v = res.headers['x-jupyterhub-version'];
        return typeof v === 'string' ? v : null;
      }
      lastError = `HTTP ${res.statusCode}`;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      throw new HubError(
        'LABHUB_ERR_SPAWN_TIMEOUT',
        500,
        `The server started but did not answer at ${url} within ${timeoutSeconds} seconds (Spawner.http_timeout). Last error: ${lastError}.`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1000);
  }
}
