/**
 * traitlets-style class inheritance: `c.Authenticator.admin_users` applies to PAMAuthenticator,
 * `c.PAMAuthenticator.admin_users` overrides it. Also the defaults that JupyterHub computes
 * from other traits.
 */
import { deepFreeze } from './freeze.js';
import {
  CLASSES,
  ancestry,
  isClassName,
  traitsOf,
  type ClassName,
  type HubConfig,
} from './schema.js';

/** Explicitly configured (validated) values per class, kept beside each loaded config. */
const EXPLICIT = new WeakMap<object, Partial<Record<ClassName, Record<string, unknown>>>>();

/** @internal Records the explicit values of a loaded config (used by {@link traitsFor}). */
export function rememberExplicit(
  config: object,
  explicit: Partial<Record<ClassName, Record<string, unknown>>>,
): void {
  EXPLICIT.set(config, explicit);
}

/**
 * Every trait of `leaf` (own and inherited): its defaults, overlaid with `explicit`, then the
 * defaults JupyterHub computes from other traits (e.g. allow_existing_users).
 */
export function resolveClass(
  leaf: ClassName,
  explicit: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(traitsOf(leaf))) {
    out[name] = name in explicit ? structuredClone(explicit[name]) : schema.parse(undefined);
  }
  if ('allow_existing_users' in out && out.allow_existing_users === null) {
    // Set to None: JupyterHub 5's rule, True exactly when allowed_users is non-empty.
    out.allow_existing_users = Array.isArray(out.allowed_users) && out.allowed_users.length > 0;
  }
  return out;
}

/**
 * Merges the config of a class chain, most general first; later classes win (traitlets
 * semantics), and traits nobody set get the defaults of the last class in the chain.
 *
 * @example traitsFor(config, ['Authenticator', 'LocalAuthenticator', 'PAMAuthenticator']).allowed_groups
 * @param classChain class names, most general first (see {@link classChain}); unknown names are skipped.
 * @returns a deeply frozen object with every trait of the last known class.
 */
export function traitsFor<T = Record<string, unknown>>(
  config: HubConfig,
  classChain: readonly string[],
): Readonly<T> {
  const known = classChain.filter(isClassName);
  if (!known.length) throw new TypeError(`traitsFor: no known class in [${classChain.join(', ')}]`);
  const explicit = EXPLICIT.get(config);
  const only = known.length === 1 ? known[0]! : null;
  if (only && CLASSES[only].root) {
    // A root class alone: the loaded section already holds every default and derived value.
    return config[only] as Readonly<T>;
  }
  const merged: Record<string, unknown> = {};
  for (const c of known) {
    const section: object | undefined = explicit ? explicit[c] : config[c];
    Object.assign(merged, section ?? {});
  }
  return deepFreeze(resolveClass(known[known.length - 1]!, merged)) as T;
}

/** The chain for a class, most general first: `PAMAuthenticator` → Authenticator, LocalAuthenticator, PAMAuthenticator. */
export function classChain(cls: ClassName): ClassName[] {
  return ancestry(cls);
}

const CLASS_IDS: Record<string, ClassName> = {
  pam: 'PAMAuthenticator',
  'jupyterhub.auth.pamauthenticator': 'PAMAuthenticator',
  dummy: 'DummyAuthenticator',
  'jupyterhub.auth.dummyauthenticator': 'DummyAuthenticator',
  native: 'NativeAuthenticator',
  'nativeauthenticator.nativeauthenticator': 'NativeAuthenticator',
  'nativeauthenticator.nativeauthenticator.nativeauthenticator': 'NativeAuthenticator',
  ldap: 'LDAPAuthenticator',
  'ldapauthenticator.ldapauthenticator': 'LDAPAuthenticator',
  'ldapauthenticator.ldapauthenticator.ldapauthenticator': 'LDAPAuthenticator',
  'generic-oauth': 'GenericOAuthenticator',
  generic: 'GenericOAuthenticator',
  'oauthenticator.generic.genericoauthenticator': 'GenericOAuthenticator',
  'oauthenticator.genericoauthenticator': 'GenericOAuthenticator',
  openid: 'OpenIDOAuthenticator',
  oidc: 'OpenIDOAuthenticator',
  'labhub.openidoauthenticator': 'OpenIDOAuthenticator',
  github: 'GitHubOAuthenticator',
  'oauthenticator.github.githuboauthenticator': 'GitHubOAuthenticator',
  'oauthenticator.githuboauthenticator': 'GitHubOAuthenticator',
  gitlab: 'GitLabOAuthenticator',
  'oauthenticator.gitlab.gitlaboauthenticator': 'GitLabOAuthenticator',
  'oauthenticator.gitlaboauthenticator': 'GitLabOAuthenticator',
  google: 'GoogleOAuthenticator',
  'oauthenticator.google.googleoauthenticator': 'GoogleOAuthenticator',
  'oauthenticator.googleoauthenticator': 'GoogleOAuthenticator',
  azuread: 'AzureAdOAuthenticator',
  'oauthenticator.azuread.azureadoauthenticator': 'AzureAdOAuthenticator',
  'oauthenticator.azureadoauthenticator': 'AzureAdOAuthenticator',
  multi: 'MultiAuthenticator',
  'multiauthenticator.multiauthenticator': 'MultiAuthenticator',
  'multiauthenticator.multiauthenticator.multiauthenticator': 'MultiAuthenticator',
  localprocess: 'LocalProcessSpawner',
  'local-process': 'LocalProcessSpawner',
  'jupyterhub.spawner.localprocessspawner': 'LocalProcessSpawner',
  simple: 'SimpleLocalProcessSpawner',
  simplelocalprocess: 'SimpleLocalProcessSpawner',
  'simple-local-process': 'SimpleLocalProcessSpawner',
  'jupyterhub.spawner.simplelocalprocessspawner': 'SimpleLocalProcessSpawner',
  kubernetes: 'KubeSpawner',
  'kubespawner.kubespawner': 'KubeSpawner',
  docker: 'DockerSpawner',
  'dockerspawner.dockerspawner': 'DockerSpawner',
};

/**
 * The config class for an `authenticator_class`/`spawner_class` value (`pam`,
 * `jupyterhub.auth.PAMAuthenticator`, `PAMAuthenticator`, …), or null for plugins labhub does
 * not know (they read their own section).
 */
export function classForId(id: string): ClassName | null {
  if (isClassName(id)) return id;
  return CLASS_IDS[id.toLowerCase()] ?? null;
}

/** Root classes: HubConfig holds them with every default filled in. */
export const ROOT_CLASSES = (Object.keys(CLASSES) as ClassName[]).filter((c) => CLASSES[c].root);

/**
 * True when the loaded config set `cls.trait` itself (after renames), as opposed to the default.
 * Lets plugins apply JupyterHub's "default depends on other settings" rules
 * (e.g. DummyAuthenticator's allow_all).
 */
export function isExplicit(config: HubConfig, cls: string, trait: string): boolean {
  const explicit = EXPLICIT.get(config);
  return (
    !!explicit &&
    isClassName(cls) &&
    Object.prototype.hasOwnProperty.call(explicit[cls] ?? {}, trait)
  );
}
