/**
 * The config schema: every class labhub knows, its parent (traitlets inheritance), and its
 * traits. One source for types, validation, defaults and the help in docs/config.md.
 */
import type { z } from 'zod';
import { jupyterHubHelp, jupyterHubTraits } from './schema-hub.js';
import {
  classHelp,
  labhubTraits,
  proxyTraits,
  simpleSpawnerTraits,
  spawnerTraits,
} from './schema-classes.js';
import {
  authenticatorTraits,
  dummyAuthenticatorTraits,
  localAuthenticatorTraits,
  nativeAuthenticatorTraits,
  pamAuthenticatorTraits,
} from './schema-auth.js';
import { ldapAuthenticatorHelp, ldapAuthenticatorTraits } from './schema-ldap.js';
import { kubeSpawnerHelp, kubeSpawnerTraits } from './schema-kubespawner.js';
import {
  azureAdOAuthenticatorTraits,
  genericOAuthenticatorTraits,
  gitHubOAuthenticatorTraits,
  gitLabOAuthenticatorTraits,
  googleOAuthenticatorTraits,
  multiAuthenticatorTraits,
  oauthClassHelp,
  presetClassHelp,
  oauthenticatorTraits,
  openIdOAuthenticatorTraits,
} from './schema-oauth.js';
import { dockerSpawnerHelp, dockerSpawnerTraits } from './schema-docker.js';

type Shape = Record<string, z.ZodType>;
type Out<S extends Shape> = { [K in keyof S]: z.output<S[K]> };

interface ClassDef {
  parent: ClassName | null;
  /** Traits declared on this class (not inherited ones). */
  own: Shape;
  help: string;
  /** Root classes appear in HubConfig with every default filled in. */
  root: boolean;
}

export type ClassName =
  | 'JupyterHub'
  | 'Authenticator'
  | 'LocalAuthenticator'
  | 'PAMAuthenticator'
  | 'DummyAuthenticator'
  | 'NativeAuthenticator'
  | 'LDAPAuthenticator'
  | 'OAuthenticator'
  | 'GenericOAuthenticator'
  | 'OpenIDOAuthenticator'
  | 'GitHubOAuthenticator'
  | 'GitLabOAuthenticator'
  | 'GoogleOAuthenticator'
  | 'AzureAdOAuthenticator'
  | 'MultiAuthenticator'
  | 'Spawner'
  | 'LocalProcessSpawner'
  | 'SimpleLocalProcessSpawner'
  | 'KubeSpawner'
  | 'DockerSpawner'
  | 'ConfigurableHTTPProxy'
  | 'Labhub';

/** Every class labhub configures, in docs order. */
export const CLASSES: Record<ClassName, ClassDef> = {
  JupyterHub: { parent: null, own: jupyterHubTraits, help: jupyterHubHelp, root: true },
  Authenticator: {
    parent: null,
    own: authenticatorTraits,
    help: classHelp.Authenticator!,
    root: true,
  },
  LocalAuthenticator: {
    parent: 'Authenticator',
    own: localAuthenticatorTraits,
    help: classHelp.LocalAuthenticator!,
    root: false,
  },
  PAMAuthenticator: {
    parent: 'LocalAuthenticator',
    own: pamAuthenticatorTraits,
    help: classHelp.PAMAuthenticator!,
    root: false,
  },
  DummyAuthenticator: {
    parent: 'Authenticator',
    own: dummyAuthenticatorTraits,
    help: classHelp.DummyAuthenticator!,
    root: false,
  },
  NativeAuthenticator: {
    parent: 'Authenticator',
    own: nativeAuthenticatorTraits,
    help: classHelp.NativeAuthenticator!,
    root: false,
  },
  LDAPAuthenticator: {
    parent: 'Authenticator',
    own: ldapAuthenticatorTraits,
    help: ldapAuthenticatorHelp,
    root: false,
  },
  OAuthenticator: {
    parent: 'Authenticator',
    own: oauthenticatorTraits,
    help: oauthClassHelp.OAuthenticator!,
    root: false,
  },
  GenericOAuthenticator: {
    parent: 'OAuthenticator',
    own: genericOAuthenticatorTraits,
    help: oauthClassHelp.GenericOAuthenticator!,
    root: false,
  },
  OpenIDOAuthenticator: {
    parent: 'GenericOAuthenticator',
    own: openIdOAuthenticatorTraits,
    help: oauthClassHelp.OpenIDOAuthenticator!,
    root: false,
  },
  GitHubOAuthenticator: {
    parent: 'OAuthenticator',
    own: gitHubOAuthenticatorTraits,
    help: presetClassHelp.GitHubOAuthenticator!,
    root: false,
  },
  GitLabOAuthenticator: {
    parent: 'OAuthenticator',
    own: gitLabOAuthenticatorTraits,
    help: presetClassHelp.GitLabOAuthenticator!,
    root: false,
  },
  GoogleOAuthenticator: {
    parent: 'OAuthenticator',
    own: googleOAuthenticatorTraits,
    help: presetClassHelp.GoogleOAuthenticator!,
    root: false,
  },
  AzureAdOAuthenticator: {
    parent: 'OAuthenticator',
    own: azureAdOAuthenticatorTraits,
    help: presetClassHelp.AzureAdOAuthenticator!,
    root: false,
  },
  MultiAuthenticator: {
    parent: 'Authenticator',
    own: multiAuthenticatorTraits,
    help: oauthClassHelp.MultiAuthenticator!,
    root: false,
  },
  Spawner: { parent: null, own: spawnerTraits, help: classHelp.Spawner!, root: true },
  LocalProcessSpawner: {
    parent: 'Spawner',
    own: {},
    help: classHelp.LocalProcessSpawner!,
    root: false,
  },
  SimpleLocalProcessSpawner: {
    parent: 'LocalProcessSpawner',
    own: simpleSpawnerTraits,
    help: classHelp.SimpleLocalProcessSpawner!,
    root: false,
  },
  KubeSpawner: { parent: 'Spawner', own: kubeSpawnerTraits, help: kubeSpawnerHelp, root: false },
  DockerSpawner: {
    parent: 'Spawner',
    own: dockerSpawnerTraits,
    help: dockerSpawnerHelp,
    root: false,
  },
  ConfigurableHTTPProxy: {
    parent: null,
    own: proxyTraits,
    help: classHelp.ConfigurableHTTPProxy!,
    root: true,
  },
  Labhub: { parent: null, own: labhubTraits, help: classHelp.Labhub!, root: true },
};

export const CLASS_NAMES = Object.keys(CLASSES) as ClassName[];

export function isClassName(s: string): s is ClassName {
  return Object.prototype.hasOwnProperty.call(CLASSES, s);
}

/** The class and its ancestors, most general first (e.g. Authenticator, LocalAuthenticator, PAMAuthenticator). */
export function ancestry(cls: ClassName): ClassName[] {
  const out: ClassName[] = [];
  for (let c: ClassName | null = cls; c; c = CLASSES[c].parent) out.unshift(c);
  return out;
}

/** All traits of a class including inherited ones. */
export function traitsOf(cls: ClassName): Shape {
  return Object.assign({}, ...ancestry(cls).map((c) => CLASSES[c].own)) as Shape;
}

export type JupyterHubTraits = Out<typeof jupyterHubTraits>;
export type AuthenticatorTraits = Out<typeof authenticatorTraits>;
export type LocalAuthenticatorTraits = AuthenticatorTraits & Out<typeof localAuthenticatorTraits>;
export type PAMAuthenticatorTraits = LocalAuthenticatorTraits & Out<typeof pamAuthenticatorTraits>;
export type DummyAuthenticatorTraits = AuthenticatorTraits & Out<typeof dummyAuthenticatorTraits>;
export type NativeAuthenticatorTraits = AuthenticatorTraits & Out<typeof nativeAuthenticatorTraits>;
export type LDAPAuthenticatorTraits = AuthenticatorTraits & Out<typeof ldapAuthenticatorTraits>;
export type OAuthenticatorTraits = AuthenticatorTraits & Out<typeof oauthenticatorTraits>;
export type OpenIDOAuthenticatorTraits = OAuthenticatorTraits &
  Out<typeof openIdOAuthenticatorTraits>;
export type SpawnerTraits = Out<typeof spawnerTraits>;
export type SimpleSpawnerTraits = SpawnerTraits & Out<typeof simpleSpawnerTraits>;
export type KubeSpawnerTraits = SpawnerTraits & Out<typeof kubeSpawnerTraits>;
export type DockerSpawnerTraits = SpawnerTraits & Out<typeof dockerSpawnerTraits>;
export type ConfigurableHTTPProxyTraits = Out<typeof proxyTraits>;
export type LabhubTraits = Out<typeof labhubTraits>;

/** A value whose objects and arrays may not be changed (what {@link deepFreeze} makes at runtime). */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * The validated, frozen configuration. Root classes (JupyterHub, Authenticator, Spawner,
 * ConfigurableHTTPProxy, Labhub) have every trait with defaults filled in; subclasses hold
 * only what the config set on them — use {@link traitsFor} to get the merged view for the
 * class actually in use. Trait names stay JupyterHub's snake_case.
 */
export type HubConfig = DeepReadonly<{
  JupyterHub: JupyterHubTraits & { bind_url: string; oauth_token_expires_in: number };
  Authenticator: AuthenticatorTraits & { allow_existing_users: boolean };
  LocalAuthenticator: Partial<LocalAuthenticatorTraits>;
  PAMAuthenticator: Partial<PAMAuthenticatorTraits>;
  DummyAuthenticator: Partial<DummyAuthenticatorTraits>;
  NativeAuthenticator: Partial<NativeAuthenticatorTraits>;
  LDAPAuthenticator: Partial<LDAPAuthenticatorTraits>;
  OAuthenticator: Partial<OAuthenticatorTraits>;
  GenericOAuthenticator: Partial<OAuthenticatorTraits>;
  OpenIDOAuthenticator: Partial<OpenIDOAuthenticatorTraits>;
  GitHubOAuthenticator: Partial<OAuthenticatorTraits & Out<typeof gitHubOAuthenticatorTraits>>;
  GitLabOAuthenticator: Partial<OAuthenticatorTraits & Out<typeof gitLabOAuthenticatorTraits>>;
  GoogleOAuthenticator: Partial<OAuthenticatorTraits & Out<typeof googleOAuthenticatorTraits>>;
  AzureAdOAuthenticator: Partial<OAuthenticatorTraits & Out<typeof azureAdOAuthenticatorTraits>>;
  MultiAuthenticator: Partial<AuthenticatorTraits & Out<typeof multiAuthenticatorTraits>>;
  Spawner: SpawnerTraits;
  LocalProcessSpawner: Partial<SpawnerTraits>;
  SimpleLocalProcessSpawner: Partial<SimpleSpawnerTraits>;
  KubeSpawner: Partial<KubeSpawnerTraits>;
  DockerSpawner: Partial<DockerSpawnerTraits>;
  ConfigurableHTTPProxy: ConfigurableHTTPProxyTraits;
  Labhub: LabhubTraits;
}>;
