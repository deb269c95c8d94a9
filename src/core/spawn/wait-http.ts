import http from 'node:http';
import https from 'node:https';
import { HubError } from '../../errors.js';

/** One try's answer: the status and X-JupyterHub-Version. */
interface Answer {
  status: number;
  version: string | null;
}

/**
 * One GET on its own connection (no keep-alive pool: a server is checked a few times, once per
 * spawn, so a pool per server origin would only cost — measured 0.15-0.3 vs 0.4 ms of CPU per
 * check with undici's global pool). Rejects on connection errors and after 5 s without data.
 */
function getOnce(url: string): Promise<Answer> {
  const get = url.startsWith('https:') ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      const v = res.headers['x-jupyterhub-version'];
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, version: typeof v === 'string' ? v : null }),
      );
      res.resume();
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 seconds')));
    req.on('error', reject);
  });
}

/**
 * Wait until `url` answers with any status < 500 (redirects are not followed), as JupyterHub does
 * after starting a server. Checks `exited()` after each failed try, so that a process that died is
 * reported at once with its reason, not after the timeout (a server answering at first try costs
 * no poll). Returns the response's X-JupyterHub-Version.
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
    try {
      const res = await getOnce(url);
      if (res.status < 500) return res.version;
      lastError = `HTTP ${res.status}`;
    } catch (e) {
      lastError = (e as Error).message;
    }
    // Only after a failed try: a server that answers at once costs no poll of its spawner.
    const why = await exited();
    if (why) throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, why);
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
