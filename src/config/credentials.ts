/**
 * Which values of a loaded config are credentials (tokens, secrets, passwords, a password inside
 * db_url). Used to warn when the config file that holds them is readable by every local account.
 */
import type { HubConfig } from './schema.js';

const CREDENTIAL_KEY = /(^|_)(token|secret|password)$/i;
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:[^/@]+@/i;

/**
 * Dotted names of the non-empty credentials in `config`, e.g. `ConfigurableHTTPProxy.auth_token`,
 * `JupyterHub.services[0].api_token`, `JupyterHub.db_url (password)`. Values are never returned.
 */
export function credentialKeys(config: HubConfig): string[] {
  const out: string[] = [];
  const walk = (v: unknown, path: string, key: string) => {
    if (typeof v === 'string') {
      if (v && CREDENTIAL_KEY.test(key)) out.push(path);
      else if (URL_PASSWORD.test(v)) out.push(`${path} (password)`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`, key));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, `${path}.${k}`, k);
  };
  for (const [cls, traits] of Object.entries(config)) walk(traits, cls, cls);
  return out;
}
