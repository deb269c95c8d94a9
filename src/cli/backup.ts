/**
 * `labhub backup FILE` and `labhub restore FILE`. A backup is a gzip'd tar archive (mode 0600: it
 * holds every secret of the hub) of:
 *   manifest.json   format, labhub version, time, database kind, the original paths
 *   database        SQLite online backup (`database.sqlite`) or `pg_dump -Fc` (`database.pgdump`)
 *   cookie_secret   JupyterHub.cookie_secret_file (sessions stay valid after a restore)
 *   config/<name>   the config file
 *   acme/           Labhub.letsencrypt's account key and certificate, when used
 * `restore` puts them where the config in use says (db_url, cookie_secret_file, state_dir; relative
 * paths from the working directory); without --config it first writes the archived config into the
 * working directory. It never overwrites: an existing database or a different cookie secret stop
 * it before anything is written.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { HubError } from '../errors.js';
import { DEFAULT_CONFIG_FILES, loadConfig } from '../config/index.js';
import { chooseAuthenticator } from '../auth/choice.js';
import { LABHUB_VERSION, settingsFromConfig } from '../core/settings-from-config.js';
import { parseDbUrl } from '../db/connection.js';
import { dumpDatabase, restoreDatabase } from '../db/dump.js';
import { acmeFiles } from '../security/acme-files.js';
import { createPrivateFile, makePrivateDirs, writePrivateFile } from '../security/private-files.js';

const FORMAT = 'labhub-backup/1';

export interface BackupFlags {
  config?: string;
  /** Directory relative paths are resolved from (default: the working directory). */
  cwd?: string;
  out?: (line: string) => void;
}

interface Manifest {
  format: string;
  labhubVersion: string;
  created: string;
  database: 'sqlite' | 'postgres';
  config: string | null;
  cookieSecretFile: string;
  acme: boolean;
}

function settingsFor(configFile: string | undefined, cwd: string) {
  const loaded = loadConfig({ file: configFile, cwd });
  return { settings: settingsFromConfig(loaded.config, chooseAuthenticator(loaded.config).id) };
}

function findConfig(f: BackupFlags, cwd: string): string | undefined {
  if (f.config) return resolve(cwd, f.config);
  return DEFAULT_CONFIG_FILES.map((n) => join(cwd, n)).find((p) => existsSync(p));
}

function tar(args: string[], what: string): void {
  const r = spawnSync('tar', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${what}: tar failed: ${r.error?.message ?? r.stderr.trim()}`,
    );
}

export async function runBackup(file: string, f: BackupFlags = {}): Promise<void> {
  const cwd = f.cwd ?? process.cwd();
  const out = f.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const configFile = findConfig(f, cwd);
  const { settings } = settingsFor(configFile, cwd);
  const dest = resolve(cwd, file);
  if (existsSync(dest))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      409,
      `${dest} already exists: give a new file name (a backup never overwrites).`,
    );
  const target = parseDbUrl(settings.dbUrl, cwd);
  const stage = mkdtempSync(join(tmpdir(), 'labhub-backup-')); // 0700
  try {
    const dbFile = join(stage, target.kind === 'sqlite' ? 'database.sqlite' : 'database.pgdump');
    await dumpDatabase(target, dbFile);
    const secret = resolve(cwd, settings.cookieSecretFile);
    if (!existsSync(secret))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `The cookie secret ${secret} (JupyterHub.cookie_secret_file) does not exist: run the backup where the hub runs, with its config.`,
      );
    writePrivateFile(join(stage, 'cookie_secret'), readFileSync(secret));
    if (configFile) {
      makePrivateDirs(join(stage, 'config'));
      writePrivateFile(join(stage, 'config', basename(configFile)), readFileSync(configFile));
    }
    const acme = settings.acme.domains.length
      ? acmeFiles(settings.acme.stateDir ? resolve(cwd, settings.acme.stateDir) : null, secret)
      : null;
    if (acme && existsSync(acme.dir)) cpSync(acme.dir, join(stage, 'acme'), { recursive: true });
    const manifest: Manifest = {
      format: FORMAT,
      labhubVersion: LABHUB_VERSION,
      created: new Date().toISOString(),
      database: target.kind,
      config: configFile ?? null,
      cookieSecretFile: secret,
      acme: !!acme && existsSync(acme.dir),
    };
    writePrivateFile(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    createPrivateFile(dest); // tar writes into it: 0600 from the start
    tar(['-czf', dest, '-C', stage, ...readdirSync(stage)], 'Writing the backup');
    out(
      `Backed up the ${target.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database, the cookie secret${configFile ? `, ${configFile}` : ''}${manifest.acme ? ' and the HTTPS account and certificate' : ''} to ${dest} (mode 600: it holds every secret of the hub; keep it somewhere only admins can read).`,
    );
  } catch (e) {
    if (existsSync(dest)) rmSync(dest, { force: true });
    throw e;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export async function runRestore(file: string, f: BackupFlags = {}): Promise<void> {
  const cwd = f.cwd ?? process.cwd();
  const out = f.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const src = resolve(cwd, file);
  const stage = mkdtempSync(join(tmpdir(), 'labhub-restore-'));
  try {
    tar(['-xzf', src, '-C', stage, '--no-same-owner'], `Reading ${src}`);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8')) as Manifest;
    } catch {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        400,
        `${src} is not a labhub backup (no manifest.json).`,
      );
    }
    if (manifest.format !== FORMAT)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        400,
        `${src} is a ${manifest.format} archive; this labhub reads ${FORMAT}.`,
      );
    // The config: the one given, else the archived one written here (never over another file).
    let configFile = findConfig(f, cwd);
    const archived = existsSync(join(stage, 'config'))
      ? readdirSync(join(stage, 'config'))[0]
      : undefined;
    let writeConfig: { from: string; to: string } | null = null;
    if (!f.config && archived) {
      const to = join(cwd, archived);
      const from = join(stage, 'config', archived);
      if (existsSync(to) && !readFileSync(to).equals(readFileSync(from)))
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          409,
          `${to} exists and differs from the backup's config: restore in an empty directory, or give the config to use with --config.`,
        );
      writeConfig = { from, to };
      configFile = to;
    }
    const loaded = loadConfig({ file: writeConfig ? writeConfig.from : configFile, cwd });
    const settings = settingsFromConfig(loaded.config, chooseAuthenticator(loaded.config).id);
    const target = parseDbUrl(settings.dbUrl, cwd);
    const secret = resolve(cwd, settings.cookieSecretFile);
    const backupSecret = readFileSync(join(stage, 'cookie_secret'));
    if (existsSync(secret) && !readFileSync(secret).equals(backupSecret))
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        409,
        `${secret} exists with another secret: restore never replaces one (every session would end). Move it away and run labhub restore again.`,
      );
    // Checks done; now write. The database first: it refuses an existing one.
    const dbFile = join(
      stage,
      manifest.database === 'sqlite' ? 'database.sqlite' : 'database.pgdump',
    );
    restoreDatabase(target, manifest.database, dbFile);
    if (writeConfig) {
      mkdirSync(cwd, { recursive: true });
      writePrivateFile(writeConfig.to, readFileSync(writeConfig.from));
    }
    if (!existsSync(secret)) writePrivateFile(secret, backupSecret);
    let acmeNote = '';
    if (manifest.acme && settings.acme.domains.length) {
      const acme = acmeFiles(
        settings.acme.stateDir ? resolve(cwd, settings.acme.stateDir) : null,
        secret,
      );
      if (!existsSync(acme.dir)) {
        makePrivateDirs(acme.dir);
        for (const n of readdirSync(join(stage, 'acme')))
          writePrivateFile(join(acme.dir, n), readFileSync(join(stage, 'acme', n)));
        acmeNote = `, the HTTPS account and certificate to ${acme.dir}`;
      }
    }
    out(
      `Restored the ${manifest.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database (backup of ${manifest.created}, labhub ${manifest.labhubVersion}) to ${target.kind === 'sqlite' ? target.location : 'JupyterHub.db_url'}, the cookie secret to ${secret}${writeConfig ? `, the config to ${writeConfig.to}` : ''}${acmeNote}. Start labhub here to use it.`,
    );
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
