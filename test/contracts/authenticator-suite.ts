/**
 * The shared Authenticator contract test suite (src/auth/types.ts). Each authenticator's test file
 * calls {@link authenticatorContractSuite} with a way to build it and one account it accepts;
 * the suite checks what the hub relies on, whatever the implementation:
 *
 * - the right password gives `{ name }` with the normalized name; the typed name is normalized
 *   by `normalizeUsername` (idempotent, lower-case, trimmed) first, as the hub does;
 * - a wrong password, an unknown user or an invalid name gives null and never throws;
 * - a backend that cannot check throws a HubError with a LABHUB_ERR_* code (status >= 500), not a
 *   plain Error and not null;
 * - the optional capabilities are consistent (each one there is usable as the hub uses it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHubError } from '../../src/errors.js';
import { normalizeBasic } from '../../src/auth/policy.js';
import type { Authenticator } from '../../src/auth/types.js';

/** One authenticator built for one test, with an account it accepts. */
export interface ContractSubject {
  authenticator: Authenticator;
  /** An account with its right password; the name is lower-case (already normalized). */
  account: { name: string; password: string };
  /** A second account the authenticator accepts (for rename: a free name), if it can make one. */
  freeName?: string;
}

export interface AuthenticatorSuiteOptions {
  /** Prefix for test names, e.g. the id. */
  label: string;
  /** A fresh authenticator and account (called once per test). */
  make(): ContractSubject | Promise<ContractSubject>;
  /**
   * The same authenticator with a backend that cannot check (PAM: a missing service file;
   * native: an account table that fails). Omit when there is no backend (dummy).
   */
  makeBroken?(): Authenticator | Promise<Authenticator>;
  /** Skip reason (e.g. PAM without root), or false. */
  skip?: string | false;
}

const never = async <T>(p: Promise<T>, what: string): Promise<T> => {
  try {
    return await p;
  } catch (e) {
    assert.fail(`${what} threw instead of returning: ${(e as Error).message}`);
  }
};

/** Registers the contract tests for one authenticator with node:test. */
export function authenticatorContractSuite(opts: AuthenticatorSuiteOptions): void {
  const { label, skip = false } = opts;
  const normalize = (a: Authenticator, n: string) => (a.normalizeUsername ?? normalizeBasic)(n);

  test(
    `${label} contract: the right password gives the normalized name; the typed name is normalized first`,
    { skip },
    async () => {
      const { authenticator: a, account } = await opts.make();
      const typed = `  ${account.name.toUpperCase()} `;
      const n = normalize(a, typed);
      assert.equal(n, account.name, 'normalizeUsername trims and lower-cases');
      assert.equal(normalize(a, n), n, 'normalizeUsername is idempotent');
      const r = await a.authenticate({ username: n, password: account.password });
      assert.ok(r, 'the right password is accepted');
      assert.equal(r.name, account.name);
      if (r.groups !== undefined) assert.ok(Array.isArray(r.groups));
    },
  );

  test(`${label} contract: a wrong password is null, never an exception`, { skip }, async () => {
    const { authenticator: a, account } = await opts.make();
    for (const wrong of [
      '',
      'wrong-password',
      `${account.password} `,
      account.password.toUpperCase() === account.password ? 'x' : account.password.toUpperCase(),
      `${account.password}\u0000`,
      'p'.repeat(10_000),
    ]) {
      const r = await never(
        a.authenticate({ username: account.name, password: wrong }),
        `authenticate with a wrong password (${JSON.stringify(wrong.slice(0, 20))})`,
      );
      assert.equal(r, null, JSON.stringify(wrong.slice(0, 20)));
    }
  });

  test(
    `${label} contract: unknown users and invalid names are null, never an exception`,
    { skip },
    async () => {
      const { authenticator: a, account } = await opts.make();
      const unknown = await never(
        a.authenticate({ username: 'nobody-here-zz9', password: account.password }),
        'authenticate as an unknown user',
      );
      // Only an authenticator that accepts any name (dummy) may say yes, and then with that name.
      assert.ok(unknown === null || unknown.name === 'nobody-here-zz9');
      for (const name of ['', 'a/b', '../etc', 'x'.repeat(300), 'bad\u0000name', 'tab\tname']) {
        const r = await never(
          a.authenticate({ username: name, password: account.password }),
          `authenticate as ${JSON.stringify(name.slice(0, 20))}`,
        );
        assert.equal(r, null, JSON.stringify(name.slice(0, 20)));
      }
    },
  );

  test(
    `${label} contract: a backend that cannot check throws a LABHUB_ERR_* HubError`,
    { skip: skip || (!opts.makeBroken && 'no backend') },
    async () => {
      const broken = await opts.makeBroken!();
      const { account } = await opts.make();
      await assert.rejects(
        broken.authenticate({ username: account.name, password: account.password }),
        (e) => isHubError(e) && /^LABHUB_ERR_[A-Z_]+$/.test(e.code) && e.status >= 500,
      );
    },
  );

  test(`${label} contract: the capabilities it has are consistent`, { skip }, async () => {
    const { authenticator: a, account, freeName } = await opts.make();
    if (a.description !== undefined) assert.equal(typeof a.description, 'string');
    if (a.setRequiredPassword)
      assert.ok((a.minimumPasswordLength ?? 8) >= 1, 'a usable minimum password length');
    if (a.groupsOf) {
      assert.ok(Array.isArray(await a.groupsOf(account.name)));
      assert.deepEqual(await a.groupsOf('nobody-here-zz9'), [], 'an unknown user has no groups');
    }
    if (a.startupNotices) {
      const ns = await never(a.startupNotices(), 'startupNotices');
      for (const n of ns) assert.ok(['warn', 'info'].includes(n.level) && n.message.length > 0);
    }
    const s = a.selfService;
    if (s) {
      assert.ok(s.minimumPasswordLength >= 1);
      for (const k of ['signupEnabled', 'openSignup', 'askEmail'] as const)
        assert.equal(typeof s[k], 'boolean', k);
      assert.equal(await s.hasAccount(account.name), true, 'its own account is listed');
      assert.equal(await s.hasAccount('nobody-here-zz9'), false);
      assert.equal(typeof (await s.countPending()), 'number');
      assert.equal(
        await s.changePassword(account.name, 'not-the-password', 'another-pass-1'),
        false,
        'a change with the wrong old password is refused',
      );
    }
    if (a.renameUser && freeName) {
      await a.renameUser(account.name, freeName);
      assert.ok(await a.authenticate({ username: freeName, password: account.password }));
      assert.equal(
        await a.authenticate({ username: account.name, password: account.password }),
        null,
      );
      if (a.deleteUser) {
        await a.deleteUser(freeName);
        assert.equal(
          await a.authenticate({ username: freeName, password: account.password }),
          null,
          'a deleted user no longer signs in',
        );
      }
    }
  });
}
