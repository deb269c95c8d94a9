/**
 * The `dummy` authenticator (testing only): any username logs in; when `password` is configured
 * every user must type that one shared password. As in JupyterHub 5, policy's `allow_all`
 * defaults to true with this authenticator unless `allowed_users` is set.
 */
import { z } from 'zod';
import { dummyAuthenticatorTraits } from '../config/schema-auth.js';
import { defineAuthenticator } from './define.js';
import { constantTimeEqual, logName } from './options.js';
import { normalizeBasic, validateBasic } from './policy.js';

/** Logged (warn) every time a dummy authenticator is created. */
export const DUMMY_WARNING =
  'DummyAuthenticator is in use: ANYONE who can reach this hub can log in as ANY user' +
  ' (with DummyAuthenticator.password: anyone who knows that one shared password). ' +
  'Use it for testing only; set JupyterHub.authenticator_class to native or pam for real use.';

/** DummyAuthenticator's options: `password` (string, default none). */
const dummyOptionsSchema = z.object({ password: dummyAuthenticatorTraits.password });

/** The `dummy` plugin. */
export const dummyAuthenticatorDefinition = defineAuthenticator({
  id: 'dummy',
  aliases: [
    'dummy',
    'dummyauthenticator',
    'DummyAuthenticator',
    'jupyterhub.auth.DummyAuthenticator',
  ],
  configClasses: ['Authenticator', 'DummyAuthenticator'],
  options: dummyOptionsSchema,
  create({ password }, { log }) {
    log.warn(DUMMY_WARNING);
    return {
      allowAllByDefault: true,
      description: password
        ? 'Dummy (shared password; testing only)'
        : 'Dummy (no password; testing only)',
      normalizeUsername: normalizeBasic,
      async authenticate(input) {
        const name = normalizeBasic(input.username ?? '');
        if (!validateBasic(name).ok) return null;
        if (password && !constantTimeEqual(input.password ?? '', password)) {
          log.info(`dummy: wrong shared password for "${logName(name)}"`);
          return null;
        }
        return { name };
      },
    };
  },
});
