/**
 * Several authenticators at once (MultiAuthenticator.authenticators): any number of providers
 * with a redirect login (OAuth 2 / OpenID Connect, presets) and at most one password
 * authenticator (native, pam, dummy, LDAP, …). Each provider gets its own URLs under
 * /hub/<url_prefix>/ and may prefix its user names; the allow/admin policy is the hub's one
 * policy (Authenticator traits), applied to every entry.
 */
import { HubError } from '../errors.js';
import type { Authenticator, AuthenticatorDefinition, AuthenticatorDeps } from './types.js';

/** One configured entry (MultiAuthenticator.authenticators[i]). */
export interface MultiEntry {
  authenticator_class: string;
  url_prefix: string;
  username_prefix: string;
  config: Record<string, unknown>;
}

/** Traits of the one policy: in an entry's config they would apply to every entry, so they are refused there. */
const POLICY_KEYS = [
  'allowed_users',
  'blocked_users',
  'admin_users',
  'allowed_groups',
  'admin_groups',
  'allow_all',
  'allow_existing_users',
  'username_pattern',
  'username_map',
];

/** Hub pages a url_prefix would shadow. */
const RESERVED = new Set([
  'api',
  'static',
  'login',
  'logout',
  'spawn',
  'spawn-pending',
  'home',
  'token',
  'admin',
  'user',
  'users',
  'signup',
  'signups',
  'oauth_login',
  'oauth_callback',
  'new-password',
  'change-password',
  'accept-share',
]);

const bad = (i: number, msg: string) =>
  new HubError('LABHUB_ERR_CONFIG', 500, `MultiAuthenticator.authenticators[${i}]: ${msg}`);

/**
 * The composite authenticator. `find` looks up a registered plugin by id or alias (sync: the
 * built-ins and plugins registered before); `create` builds one from raw options.
 */
export function createMulti(
  entries: readonly MultiEntry[],
  deps: AuthenticatorDeps,
  find: (name: string) => AuthenticatorDefinition | null,
  create: (def: AuthenticatorDefinition, raw: Record<string, unknown>) => Authenticator,
): Authenticator {
  if (!entries.length)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      'MultiAuthenticator.authenticators is empty: list the logins to offer, e.g. [{authenticator_class: "openid", url_prefix: "sso", config: {...}}, {authenticator_class: "native"}] (see docs/authentication.md).',
    );
  const built = entries.map((e, i) => {
    const def = find(e.authenticator_class);
    if (!def)
      throw bad(
        i,
        `authenticator_class ${JSON.stringify(e.authenticator_class)} is not a built-in or registered authenticator.`,
      );
    if (def.id === 'multi') throw bad(i, 'a MultiAuthenticator cannot contain another one.');
    const policy = Object.keys(e.config).filter((k) => POLICY_KEYS.includes(k));
    if (policy.length)
      throw bad(
        i,
        `${policy.join(', ')} in an entry's config would not apply to it alone: set ${policy.length > 1 ? 'them' : 'it'} on Authenticator (one policy for every login; a username_prefix keeps the providers' users apart).`,
      );
    const auth = create(def, e.config);
    if (auth.redirectLogin && !/^[a-z0-9][a-z0-9_-]*$/.test(e.url_prefix))
      throw bad(
        i,
        `url_prefix must be a short name of lower-case letters, digits, - or _ (the login pages are /hub/<url_prefix>/oauth_login), got ${JSON.stringify(e.url_prefix)}.`,
      );
    if (RESERVED.has(e.url_prefix))
      throw bad(i, `url_prefix ${JSON.stringify(e.url_prefix)} is a hub page; choose another.`);
    if (auth.refreshPreSpawn)
      throw bad(
        i,
        'refresh_pre_spawn is not available with several authenticators yet; remove it.',
      );
    return { e, auth };
  });
  const prefixes = built.filter((b) => b.auth.redirectLogin).map((b) => b.e.url_prefix);
  const dup = prefixes.find((p, i) => prefixes.indexOf(p) !== i);
  if (dup) throw bad(prefixes.lastIndexOf(dup), `url_prefix ${JSON.stringify(dup)} is used twice.`);
  const passwords = built.filter((b) => !b.auth.redirectLogin);
  if (passwords.length > 1)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `MultiAuthenticator.authenticators has ${passwords.length} password logins (${passwords.map((p) => p.e.authenticator_class).join(', ')}); the login page has one password form, so keep one.`,
    );
  const pw = passwords[0];
  const pwPrefix = pw?.e.username_prefix ?? '';
  const pwAuth = pw?.auth;
  deps.log.info(
    `Logins offered: ${built.map((b) => (b.auth.redirectLogin ? `${b.auth.redirectLogin.label} (/hub/${b.e.url_prefix}/oauth_login)` : `${b.e.authenticator_class} (password)`)).join(', ')}`,
  );
  return {
    description: built.map((b) => b.auth.description ?? b.e.authenticator_class).join(' + '),
    enableAuthState: built.some((b) => b.auth.enableAuthState),
    passwordLogin: !!pwAuth,
    async startupNotices() {
      const all = await Promise.all(
        built.map((b) => b.auth.startupNotices?.() ?? Promise.resolve([])),
      );
      return all.flat();
    },
    spawnEnv: (state) =>
      Object.assign({}, ...built.map((b) => b.auth.spawnEnv?.(state) ?? {})) as Record<
        string,
        string
      >,
    async authenticate(input) {
      if (!pwAuth) return null;
      const r = await pwAuth.authenticate(input);
      return r ? { ...r, name: pwPrefix + r.name } : null;
    },
    redirectLogins: built
      .filter((b) => b.auth.redirectLogin)
      .map(({ e, auth }) => {
        const rl = auth.redirectLogin!;
        return {
          key: e.url_prefix,
          label: rl.label,
          begin: (cb: string) => rl.begin(cb),
          async complete(input: Parameters<typeof rl.complete>[0]) {
            const r = await rl.complete(input);
            return { ...r, name: e.username_prefix + r.name, manageGroups: !!auth.manageGroups };
          },
        };
      }),
    ...(pwAuth
      ? {
          normalizeUsername: pwAuth.normalizeUsername?.bind(pwAuth),
          addUser: pwAuth.addUser?.bind(pwAuth),
          renameUser: pwAuth.renameUser?.bind(pwAuth),
          deleteUser: pwAuth.deleteUser?.bind(pwAuth),
          setRequiredPassword: pwAuth.setRequiredPassword?.bind(pwAuth),
          minimumPasswordLength: pwAuth.minimumPasswordLength,
          groupsOf: pwAuth.groupsOf?.bind(pwAuth),
          adminBootstrap: pwAuth.adminBootstrap?.bind(pwAuth),
          selfService: pwPrefix ? undefined : pwAuth.selfService,
        }
      : {}),
  };
}
