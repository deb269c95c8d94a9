import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dummyAuthenticatorDefinition, DUMMY_WARNING } from './dummy.js';
import { recordingLogger } from '../../test/auth/recording-logger.js';
import { isHubError } from '../errors.js';
import { createAuthenticator } from './define.js';
import { MemoryAccounts } from '../../test/contracts/memory-accounts.js';
import { authenticatorContractSuite } from '../../test/contracts/authenticator-suite.js';

const make = (options: Record<string, unknown>, log = recordingLogger().log) =>
  createAuthenticator(dummyAuthenticatorDefinition, options, {
    log,
    accounts: new MemoryAccounts(),
  });

test('dummy: logs the loud warning at creation', () => {
  const { log, lines } = recordingLogger();
  make({}, log);
  assert.deepEqual(
    lines.filter((l) => l.level === 'warn').map((l) => l.msg),
    [DUMMY_WARNING],
  );
  assert.match(DUMMY_WARNING, /ANYONE/);
});

test('dummy: any username logs in without a configured password, normalized', async () => {
  const { log } = recordingLogger();
  const a = make({}, log);
  assert.deepEqual(await a.authenticate({ username: ' Alice ', password: '' }), { name: 'alice' });
  assert.deepEqual(await a.authenticate({ username: 'bob', password: 'whatever' }), {
    name: 'bob',
  });
  assert.equal(await a.authenticate({ username: '  ', password: 'x' }), null);
  assert.equal(await a.authenticate({ username: 'a/b', password: 'x' }), null);
});

test('dummy: with a password, it must match exactly', async () => {
  const { log } = recordingLogger();
  const a = make({ password: 's3cret' }, log);
  assert.deepEqual(await a.authenticate({ username: 'bob', password: 's3cret' }), { name: 'bob' });
  for (const wrong of ['', 's3cre', 's3cret ', 'S3CRET', 's3cret\u0000'])
    assert.equal(
      await a.authenticate({ username: 'bob', password: wrong }),
      null,
      JSON.stringify(wrong),
    );
});

test('dummy: aliases and config classes', () => {
  for (const n of [
    'dummy',
    'dummyauthenticator',
    'DummyAuthenticator',
    'jupyterhub.auth.DummyAuthenticator',
  ])
    assert.ok(dummyAuthenticatorDefinition.aliases.includes(n));
  assert.deepEqual(dummyAuthenticatorDefinition.configClasses, [
    'Authenticator',
    'DummyAuthenticator',
  ]);
  assert.throws(
    () => make({ password: 123 }),
    (e) =>
      isHubError(e) &&
      e.code === 'LABHUB_ERR_CONFIG' &&
      /DummyAuthenticator\.password/.test(e.userMessage),
  );
});

authenticatorContractSuite({
  label: 'dummy',
  make: () => ({
    authenticator: make({ password: 'shared-pass-1' }),
    account: { name: 'alice', password: 'shared-pass-1' },
  }),
});
