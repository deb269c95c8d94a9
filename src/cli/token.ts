import { Store, parseDbUrl } from '../db/index.js';
import { chooseAuthenticator } from '../auth/choice.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { isKnownScope, scopeError } from '../core/scopes.js';
import { HubError } from '../errors.js';
import { checkUserName } from '../core/names.js';
import { cliDbOptions, loadWithFlags, type StartFlags } from './common.js';

/** `labhub token USER`: print a new API token for USER. */
export async function runToken(
  user: string,
  opts: StartFlags & { note?: string; scopes?: string },
): Promise<void> {
  const loaded = loadWithFlags(opts);
  const settings = settingsFromConfig(loaded.config, chooseAuthenticator(loaded.config).id);
  const scopes = opts.scopes
    ? opts.scopes
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : ['inherit'];
  for (const s of scopes)
    if (s !== 'inherit' && !isKnownScope(s))
      throw new HubError('LABHUB_ERR_CONFIG', 400, scopeError(s) ?? `Unknown scope ${s}`);
  const store = await Store.open(parseDbUrl(settings.dbUrl), cliDbOptions);
  try {
    const name = user.trim().toLowerCase();
    const valid = checkUserName(name);
    if (!valid.ok)
      throw new HubError(
        'LABHUB_ERR_BAD_REQUEST',
        400,
        `User ${JSON.stringify(user)}: ${valid.reason}.`,
      );
    const u = await store.users.ensure(name);
    const { token } = await store.tokens.create({ userId: u.id, scopes, note: opts.note ?? '' });
    process.stdout.write(`${token}\n`);
  } finally {
    await store.close();
  }
}
