// The Authenticator contract (test/contracts/authenticator-suite.ts) run by the PAM
// authenticator against real Linux users (root on Linux; CI runs as root).
import { after } from 'node:test';
import { createAuthenticator } from '../../src/auth/define.js';
import { pamAuthenticatorDefinition } from '../../src/auth/pam.js';
import { authenticatorContractSuite } from '../contracts/authenticator-suite.js';
import { MemoryAccounts } from '../contracts/memory-accounts.js';
import { LinuxAccounts, isRootLinux, needsRoot } from '../helpers/linux-users.js';
import { recordingLogger } from './recording-logger.js';

const acc = new LinuxAccounts('pamc');
let user: { name: string; password: string } | undefined;
after(() => {
  if (isRootLinux) acc.cleanup();
});

const pam = (options: Record<string, unknown>) =>
  createAuthenticator(pamAuthenticatorDefinition, options, {
    log: recordingLogger().log,
    accounts: new MemoryAccounts(),
  });

authenticatorContractSuite({
  label: 'pam',
  skip: needsRoot,
  make() {
    user ??= acc.user({ shell: '/usr/sbin/nologin', password: 'Pam-contract-pw-1' });
    return { authenticator: pam({}), account: { name: user.name, password: user.password } };
  },
  // A PAM service without its /etc/pam.d file: PAM cannot check at all.
  makeBroken: () => pam({ service: 'labhub-no-such-service' }),
});
