/**
 * Authenticator plugins by id and alias (`JupyterHub.authenticator_class`). Built-ins: `pam`,
 * `dummy`, `native`. A module path (`./my-auth.js`, `/opt/auth.mjs`, `file:…`) is imported; it
 * must export an AuthenticatorDefinition as `default` or `authenticator`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuthenticatorDefinition } from './types.js';
import { HubError } from '../errors.js';
import { levenshtein as distance } from '../core/edit-distance.js';
import { dummyAuthenticatorDefinition } from './dummy.js';
import { nativeAuthenticatorDefinition } from './native.js';
import { pamAuthenticatorDefinition } from './pam.js';

const byId = new Map<string, AuthenticatorDefinition>();
const byAlias = new Map<string, AuthenticatorDefinition>();

function isDefinition(d: unknown): d is AuthenticatorDefinition {
  const o = d as Record<string, unknown> | null;
  return (
    !!o &&
    typeof o.id === 'string' &&
    Array.isArray(o.aliases) &&
    Array.isArray(o.configClasses) &&
    typeof o.create === 'function'
  );
}

/** Register a plugin. Throws LABHUB_ERR_CONFIG if its id or an alias is taken by another plugin. */
export function registerAuthenticator(def: AuthenticatorDefinition): void {
  if (!/^[a-z][a-z0-9-]*$/.test(def.id))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `Authenticator id must be kebab-case (e.g. "my-auth"), but it is ${JSON.stringify(def.id)}.`,
    );
  const existing = byId.get(def.id);
  if (existing && existing !== def)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `An authenticator with id "${def.id}" is already registered.`,
    );
  for (const a of [def.id, ...def.aliases]) {
    const other = byAlias.get(a.toLowerCase());
    if (other && other !== def)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `The authenticator alias "${a}" is already used by "${other.id}".`,
      );
  }
  byId.set(def.id, def);
  for (const a of [def.id, ...def.aliases]) byAlias.set(a.toLowerCase(), def);
}

for (const d of [
  pamAuthenticatorDefinition,
  dummyAuthenticatorDefinition,
  nativeAuthenticatorDefinition,
])
  registerAuthenticator(d);

/** All registered plugins. */
export function listAuthenticators(): AuthenticatorDefinition[] {
  return [...byId.values()];
}

function looksLikePath(s: string): boolean {
  return (
    s.startsWith('file:') || s.startsWith('.') || isAbsolute(s) || /\.(m?js|cjs|ts|mts)$/.test(s)
  );
}

/**
 * Find a plugin by id or alias (case-insensitive), or import it from a module path (relative to
 * `opts.baseDir`, default the working directory). Unknown names throw HubError LABHUB_ERR_CONFIG
 * with the closest known name.
 */
export async function resolveAuthenticator(
  nameOrAlias: string,
  opts: { baseDir?: string } = {},
): Promise<AuthenticatorDefinition> {
  const name = nameOrAlias.trim();
  const hit = byAlias.get(name.toLowerCase());
  if (hit) return hit;
  if (looksLikePath(name)) {
    const url = name.startsWith('file:')
      ? name
      : pathToFileURL(resolve(opts.baseDir ?? process.cwd(), name)).href;
    if (!name.startsWith('file:') && !existsSync(new URL(url)))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `JupyterHub.authenticator_class: the module ${JSON.stringify(name)} does not exist (looked at ${new URL(url).pathname}).`,
      );
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `JupyterHub.authenticator_class: the module ${JSON.stringify(name)} could not be loaded: ${(e as Error).message}`,
      );
    }
    const def = [mod.default, mod.authenticator].find(isDefinition);
    if (!def)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `JupyterHub.authenticator_class: the module ${JSON.stringify(name)} must export an authenticator definition ` +
          '({ id, aliases, configClasses, create }) as default or as "authenticator".',
      );
    if (!byId.has(def.id)) registerAuthenticator(def);
    return def;
  }
  const candidates = [...byAlias.keys()];
  const lower = name.toLowerCase();
  const best = candidates.map((c) => ({ c, d: distance(lower, c) })).sort((x, y) => x.d - y.d)[0];
  const known = listAuthenticators()
    .map((d) => d.id)
    .join(', ');
  const hint =
    best && best.d <= Math.max(2, Math.floor(lower.length / 3))
      ? ` Did you mean "${byAlias.get(best.c)!.id}"?`
      : '';
  const pyHint = /^[\w.]+\.[A-Z]\w*$/.test(name)
    ? ' Python authenticator classes cannot run in labhub;'
    : '';
  throw new HubError(
    'LABHUB_ERR_CONFIG',
    500,
    `JupyterHub.authenticator_class: unknown authenticator ${JSON.stringify(name.slice(0, 80))}.${hint}${pyHint} Known: ${known}, or a path to a module.`,
  );
}
