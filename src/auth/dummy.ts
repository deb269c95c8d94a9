/**
 * The `dummy` authenticator (testing only): any username logs in; when `password` is configured
 * every user must type that one shared password. As in JupyterHub 5, policy's `allow_all`
 * defaults to true with this authenticator unless `allowed_users` is set.
 */
import type { AuthenticatorDefinition } from './types.js';
import { constantTimeEqual, logName, readString } from './options.js';
import { normalizeBasic, validateBasic } from './policy.js';

/** Logged (warn) every time a dummy authenticator is created. */
export const DUMMY_WARNING =
  'DummyAuthenticator is in use: ANYONE who can reach this hub can log in as ANY user' +
  ' (with DummyAuthenticator.password: anyone who knows that one shared password). ' +
  'Use it for testing only; set JupyterHub.authenticator_class to native or pam for real use.';

/** The `dummy` plugin. Options: `password` (string, default none). */
export const dummyAuthenticatorDefinition: AuthenticatorDefinition = {
  id: 'dummy',
  aliases: [
    'dummy',
    'dummyauthenticator',
    'DummyAuthenticator',
    'jupyterhub.auth.DummyAuthenticator',
  ],
  configClasses: ['Authenticator', 'DummyAuthenticator'],
  create(ctx) {
    const password = readString(ctx.options, 'password', '', 'DummyAuthenticator');
    ctx.log.warn(DUMMY_WARNING);
    return {
      description: password
        ? 'Dummy (shared password; testing only)'
        : 'Dummy (no password; testing only)',
      normalizeUsername: normalizeBasic,
      async authenticate(input) {
        const name = normalizeBasic(input.username ?? '');
        if (!validateBasic(name).ok) return null;
        if (password && !constantTimeEqual(input.password ?? '', password)) {
          ctx.log.info(`dummy: wrong shared password for "${logName(name)}"`);
          return null;
        }
        return { name };
      },
    };
  },
};
