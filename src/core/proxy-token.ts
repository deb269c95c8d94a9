/**
 * The proxy REST API token. ConfigurableHTTPProxy.auth_token or CONFIGPROXY_AUTH_TOKEN when set
 * (the operator's); otherwise a random token kept in the database, so a restarted hub can adopt
 * the proxy it left running. Whoever holds the token can rewrite every route, so when the database
 * was found readable by other accounts the stored token is treated as leaked: it is replaced the
 * next time the hub starts a proxy process, and until then each start says so.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../db/index.js';

const TOKEN_KEY = 'proxy_auth_token';
/** '1' while the stored token may have been read by another account and is not replaced yet. */
const EXPOSED_KEY = 'proxy_auth_token_exposed';

/** What the hub gives the proxy manager. */
export interface ProxyTokenPlan {
  token: string;
  /** A new token to use when a proxy process is started (the stored one may have leaked). */
  replacementToken?: string;
  /** Store the replacement once the new proxy uses it. */
  onTokenReplaced?: (token: string) => Promise<void>;
}

/**
 * Decide the token. `databaseExposed`: the database file was readable by other accounts until
 * this start made it private.
 */
export async function planProxyToken(
  store: Store,
  opts: { configured: string; env: string | undefined; databaseExposed: boolean },
): Promise<ProxyTokenPlan> {
  if (opts.configured) return { token: opts.configured };
  if (opts.env) return { token: opts.env };
  const existing = await store.kv.get(TOKEN_KEY);
  if (!existing) {
    const token = randomBytes(32).toString('hex');
    await store.kv.set(TOKEN_KEY, token);
    await store.kv.set(EXPOSED_KEY, '');
    return { token };
  }
  if (opts.databaseExposed) await store.kv.set(EXPOSED_KEY, '1');
  if ((await store.kv.get(EXPOSED_KEY)) !== '1') return { token: existing };
  return {
    token: existing,
    replacementToken: randomBytes(32).toString('hex'),
    onTokenReplaced: async (token) => {
      await store.kv.set(TOKEN_KEY, token);
      await store.kv.set(EXPOSED_KEY, '');
    },
  };
}

/** The warning while an adopted proxy still accepts a token that may have leaked. */
export function exposedTokenWarning(dbFile: string, pidFile: string): string {
  return (
    `The proxy API token stored in ${dbFile} may have been read while that file was readable by other accounts, and the running proxy still accepts it (whoever has it can rewrite every route). ` +
    `Restart the proxy when convenient: kill $(cat ${pidFile}). The hub then starts a new one with a new token and restores every route within a few seconds.`
  );
}
