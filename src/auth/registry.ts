/**
 * Authenticator plugins by id and alias (`JupyterHub.authenticator_class`). Built-ins: `pam`,
 * `dummy`, `native`, `ldap`, `generic-oauth`, `openid`, `github`, `gitlab`, `google`, `azuread`,
 * `multi`. The rules (aliases, case, did-you-mean, module and class paths) are the
 * plugin registry's, shared with the spawners (src/plugins/registry.ts).
 */
import type { AuthenticatorDefinition } from './types.js';
import { PluginRegistry } from '../plugins/registry.js';
import { dummyAuthenticatorDefinition } from './dummy.js';
import { ldapAuthenticatorDefinition } from './ldap/ldap.js';
import { nativeAuthenticatorDefinition } from './native.js';
import { pamAuthenticatorDefinition } from './pam.js';
import { genericOAuthenticatorDefinition, openIdAuthenticatorDefinition } from './oauth/generic.js';
import {
  azureAdAuthenticatorDefinition,
  gitHubAuthenticatorDefinition,
  gitLabAuthenticatorDefinition,
  googleAuthenticatorDefinition,
} from './oauth/presets.js';

import { z } from 'zod';
import { multiAuthenticatorTraits } from '../config/schema-oauth.js';
import { classForId } from '../config/inherit.js';
import { ancestry, traitsOf } from '../config/schema.js';
import { authenticatorTraits } from '../config/schema-auth.js';
import { suggestKey } from '../config/suggest.js';
import { HubError } from '../errors.js';
import { createAuthenticator, defineAuthenticator } from './define.js';
import { createMulti } from './multi.js';

const registry = new PluginRegistry<AuthenticatorDefinition>({
  noun: 'authenticator',
  trait: 'JupyterHub.authenticator_class',
  baseClass: 'Authenticator',
  isDefinition: (d) => typeof d.create === 'function',
});

/** Register a plugin. Throws LABHUB_ERR_CONFIG if its id or an alias is taken by another plugin. */
export function registerAuthenticator(def: AuthenticatorDefinition): void {
  registry.register(def);
}

for (const d of [
  pamAuthenticatorDefinition,
  dummyAuthenticatorDefinition,
  nativeAuthenticatorDefinition,
  ldapAuthenticatorDefinition,
  genericOAuthenticatorDefinition,
  openIdAuthenticatorDefinition,
  gitHubAuthenticatorDefinition,
  gitLabAuthenticatorDefinition,
  googleAuthenticatorDefinition,
  azureAdAuthenticatorDefinition,
])
  registerAuthenticator(d);

/** `multi`: several authenticators at once (auth/multi.ts), each built by its own plugin. */
const multiAuthenticatorDefinition = defineAuthenticator({
  id: 'multi',
  aliases: ['multi', 'MultiAuthenticator', 'multiauthenticator.MultiAuthenticator'],
  configClasses: ['Authenticator', 'MultiAuthenticator'],
  options: z.object({
    authenticators: multiAuthenticatorTraits.authenticators,
    enable_auth_state: authenticatorTraits.enable_auth_state,
    manage_groups: authenticatorTraits.manage_groups,
    refresh_pre_spawn: authenticatorTraits.refresh_pre_spawn,
  }),
  create({ authenticators, ...inherited }, deps) {
    // Authenticator.enable_auth_state & co. apply to every OAuth entry that does not set its own.
    const onKeys = Object.fromEntries(Object.entries(inherited).filter(([, v]) => v === true));
    return createMulti(
      authenticators,
      deps,
      (name) => registry.find(name),
      (def, raw) => {
        // An entry's config is checked like a config section: an unknown key is an error.
        const cls = classForId(def.id);
        if (cls) {
          const known = traitsOf(cls);
          for (const k of Object.keys(raw))
            if (!(k in known)) {
              const hint = suggestKey(cls, k);
              throw new HubError(
                'LABHUB_ERR_CONFIG_UNKNOWN_KEY',
                500,
                `MultiAuthenticator.authenticators: ${cls}.${k} (in the config of "${def.id}") is not a known setting${hint ? `. Did you mean ${hint}?` : '.'}`,
              );
            }
        }
        const tokens = !!cls && ancestry(cls).includes('OAuthenticator');
        return createAuthenticator(def, tokens ? { ...onKeys, ...raw } : raw, deps);
      },
    );
  },
});
registerAuthenticator(multiAuthenticatorDefinition);

/** All registered plugins. */
export function listAuthenticators(): AuthenticatorDefinition[] {
  return registry.list();
}

/**
 * Find a plugin by id or alias (case-insensitive), or import it from a module path (relative to
 * `opts.baseDir`, default the working directory) or a class path on LABHUB_PLUGIN_PATH. Unknown
 * names throw HubError LABHUB_ERR_CONFIG with the closest known name.
 */
export function resolveAuthenticator(
  nameOrAlias: string,
  opts: { baseDir?: string } = {},
): Promise<AuthenticatorDefinition> {
  return registry.resolve(nameOrAlias, opts);
}
