import { backupSqlite, parseDbUrl, pendingMigrations } from '../db/index.js';
import { migrateToLatest, openDb } from '../db/connection.js';
import { chooseAuthenticator } from '../auth/choice.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { cliDbOptions, loadWithFlags, type StartFlags } from './common.js';

/** `labhub upgrade-db`: back up (SQLite) and migrate the schema. */
export async function runUpgradeDb(opts: StartFlags): Promise<void> {
  const config = loadWithFlags(opts).config;
  const settings = settingsFromConfig(config, chooseAuthenticator(config).id);
  const target = parseDbUrl(settings.dbUrl);
  const db = await openDb(target, cliDbOptions);
  try {
    const pending = await pendingMigrations(db);
    if (!pending.length) {
      process.stdout.write('The database schema is up to date.\n');
      return;
    }
    const backup = await backupSqlite(target, db);
    if (backup)
      process.stdout.write(
        `Backed up ${target.location} to ${backup} (mode 600: it holds the same secrets)\n`,
      );
    const applied = await migrateToLatest(db);
    process.stdout.write(`Applied migrations: ${applied.join(', ')}\n`);
  } finally {
    await db.destroy();
  }
}
