/**
 * `defineAuthenticator`: how an authenticator plugin is declared. Its options are parsed by its
 * own zod schema (the traits of its config classes; wrong values are LABHUB_ERR_CONFIG naming the
 * key) before `create(options, deps)` sees them; `deps` is what the hub provides (a logger, the
 * account table) — never smuggled through the options.
 */
import type { z } from 'zod';
import type { Authenticator, AuthenticatorDefinition, AuthenticatorDeps } from './types.js';
import { parsePluginOptions } from '../plugins/options.js';

/** Declares an authenticator plugin whose `create` gets the options its schema parsed. */
export function defineAuthenticator<S extends z.ZodType>(def: {
  id: string;
  aliases: string[];
  configClasses: string[];
  options: S;
  create(options: z.output<S>, deps: AuthenticatorDeps): Authenticator;
}): AuthenticatorDefinition<z.output<S>> {
  return def as AuthenticatorDefinition<z.output<S>>;
}

/**
 * Build an authenticator from raw options (the merged traits of its config classes): parse them
 * with the plugin's schema, then `create`. Throws LABHUB_ERR_CONFIG for a bad value.
 */
export function createAuthenticator(
  def: AuthenticatorDefinition<never> | AuthenticatorDefinition,
  raw: Record<string, unknown>,
  deps: AuthenticatorDeps,
): Authenticator {
  const d = def as AuthenticatorDefinition;
  const where = d.configClasses.at(-1) ?? 'Authenticator';
  const options = d.options ? parsePluginOptions(d.options, raw, where) : raw;
  return d.create(options, deps);
}
