/**
 * The `labhub` command. With no subcommand it starts the hub; subcommands: migrate-config,
 * doctor, stop, status, token, report, upgrade-db, backup, restore, install-service,
 * uninstall-service, env, proxy. Errors are printed as one clear message, never a stack.
 */
import { Command, Option } from 'commander';
import { isHubError } from '../errors.js';
import { LABHUB_VERSION } from '../core/settings-from-config.js';
import { runStart } from './start.js';
import { runMigrateConfig } from './migrate-cmd.js';
import { runDoctor } from './doctor.js';
import { runToken } from './token.js';
import { runReport } from './report.js';
import { runStop } from './stop.js';
import { runUpgradeDb } from './upgrade-db.js';
import { runInstallService, runUninstallService } from './service.js';
import { runBackup, runRestore } from './backup.js';
import { runStatus } from './status.js';
import { runEnvInstall, runEnvList, runEnvRemove } from './env.js';

function fail(e: unknown): never {
  if (isHubError(e)) {
    process.stderr.write(`labhub: ${e.userMessage}\n  (${e.code}; see docs/errors.md)\n`);
  } else {
    process.stderr.write(`labhub: unexpected error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.LABHUB_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
  }
  process.exit(1);
}

const program = new Command();
program
  .name('labhub')
  .description('A multi-user JupyterLab hub, wire-compatible with JupyterHub.')
  .version(LABHUB_VERSION)
  .option(
    '-f, --config <file>',
    'config file: labhub.yaml/.json/.toml or jupyterhub_config.py (default: the first found in the current directory)',
  )
  .option('--ip <ip>', 'public IP to listen on (JupyterHub.ip); "" or * = all interfaces')
  .option('--port <port>', 'public port (JupyterHub.port)', (v) => parseInt(v, 10))
  .option('--hub-port <port>', 'internal hub API port (JupyterHub.hub_port)', (v) =>
    parseInt(v, 10),
  )
  .option(
    '--db <url>',
    'database URL (JupyterHub.db_url), e.g. sqlite:///labhub.sqlite or postgresql://…',
  )
  .addOption(
    new Option(
      '--authenticator <name>',
      'authenticator (JupyterHub.authenticator_class): native, pam, dummy, or a module path',
    ),
  )
  .option(
    '--admin <name>',
    'make NAME an admin; native: create the account with a one-time password; PAM as root: create the Linux account with a one-time password if it does not exist',
  )
  .option(
    '--log-level <level>',
    'debug, info, warn, error (default: LABHUB_LOG_LEVEL, else JupyterHub.log_level, else info)',
  )
  .action(async (opts) => {
    try {
      await runStart(opts);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('migrate-config <file>')
  .description(
    'translate a jupyterhub_config.py into labhub YAML, with a comment on every changed line',
  )
  .option('-o, --output <file>', 'write the YAML here instead of standard output')
  .action(async (file, opts) => runMigrateConfig(file, opts).catch(fail));

program
  .command('doctor')
  .description('check this machine and the configuration, and explain how to fix each problem')
  .option('-f, --config <file>', 'config file')
  .action(async (opts) => runDoctor({ ...program.opts(), ...opts }).catch(fail));

program
  .command('stop')
  .description(
    'stop the running hub (through its API); with --all also every user server and the proxy, whether or not the hub is running. Run it where you run labhub (same config and pid file).',
  )
  .option('-f, --config <file>', 'config file')
  .option('--all', 'also stop every user server and the proxy labhub started')
  .action(async (opts) => runStop({ ...program.opts(), ...opts }).catch(fail));

program
  .command('token <user>')
  .description('create an API token for a user (created if missing) and print it')
  .option('-f, --config <file>', 'config file')
  .option('--note <note>', 'note stored with the token', 'created by labhub token')
  .option('--scopes <scopes>', 'comma-separated scopes (default: everything the user may do)')
  .action(async (user, opts) => runToken(user, { ...program.opts(), ...opts }).catch(fail));

program
  .command('report')
  .description(
    'usage report (server-hours, CPU-hours, memory, active and idle hours) for a date range, from the database (docs/usage-reports.md)',
  )
  .option('-f, --config <file>', 'config file')
  .option(
    '--from <date>',
    'first day or hour (2026-11-01 or an ISO time; default: start of this month)',
  )
  .option('--to <date>', 'end, exclusive (default: now)')
  .option('--by <what>', 'user, group or profile', 'user')
  .option('--format <format>', 'table, csv or json', 'table')
  .option('--limit <n>', 'rows (default 100)')
  .option('--offset <n>', 'rows to skip')
  .action(async (opts) => runReport({ ...program.opts(), ...opts }).catch(fail));

program
  .command('status')
  .description(
    'show the hub replicas (leader, heartbeat), the active servers and each proxy with its route count and lag',
  )
  .option('-f, --config <file>', 'config file')
  .option('--json', 'print JSON')
  .action(async (opts) => runStatus({ ...program.opts(), ...opts }).catch(fail));

program
  .command('upgrade-db')
  .description('upgrade the database schema explicitly (an SQLite file is backed up first)')
  .option('-f, --config <file>', 'config file')
  .action(async (opts) => runUpgradeDb({ ...program.opts(), ...opts }).catch(fail));

program
  .command('backup <file>')
  .description(
    'write the database (SQLite online backup or pg_dump), the cookie secret, the config and the HTTPS account to FILE (a .tar.gz, mode 600), while the hub runs',
  )
  .option('-f, --config <file>', 'config file')
  .action(async (file, opts) => runBackup(file, { ...program.opts(), ...opts }).catch(fail));

program
  .command('restore <file>')
  .description(
    "put a backup back where the config says (without --config: the backup's config, written to this directory); never overwrites a database or a cookie secret",
  )
  .option('-f, --config <file>', 'config file to restore into (default: the one in the backup)')
  .action(async (file, opts) => runRestore(file, opts).catch(fail));

const envCmd = program
  .command('env')
  .description(
    'the shared environment admins manage (Labhub.shared_env_dir): Python packages for every user server, pinned',
  );
envCmd
  .command('install <packages...>')
  .description(
    'add packages (NAME or NAME==VERSION; a name alone is pinned to the version pip picks); a failure changes nothing',
  )
  .option('-f, --config <file>', 'config file')
  .option('--json', 'print JSON')
  .action(async (pkgs, opts) => runEnvInstall(pkgs, { ...program.opts(), ...opts }).catch(fail));
envCmd
  .command('list')
  .description('the packages admins added (pinned), and the dependencies they brought')
  .option('-f, --config <file>', 'config file')
  .option('--json', 'print JSON')
  .action(async (opts) => {
    try {
      runEnvList({ ...program.opts(), ...opts });
    } catch (e) {
      fail(e);
    }
  });
envCmd
  .command('remove <packages...>')
  .description('remove packages admins added (with the dependencies only they needed)')
  .option('-f, --config <file>', 'config file')
  .option('--json', 'print JSON')
  .action(async (pkgs, opts) => runEnvRemove(pkgs, { ...program.opts(), ...opts }).catch(fail));

program
  .command('install-service')
  .description(
    'install labhub as a hardened systemd service (unit, /etc/labhub/labhub.env), enable and start it, and say where its logs are',
  )
  .option(
    '-f, --config <file>',
    'the config file the service uses (default: the one in this directory)',
  )
  .option('--name <name>', 'service name', 'labhub')
  .option(
    '--no-enable',
    'write the files and reload systemd, but do not enable or start the service',
  )
  .option(
    '--root <dir>',
    'write under this directory instead of / and run no systemctl (packaging)',
  )
  .action(async (opts) => runInstallService({ ...program.opts(), ...opts }).catch(fail));

program
  .command('uninstall-service')
  .description(
    'stop, disable and remove the systemd service (configuration, database and secrets are kept)',
  )
  .option('--name <name>', 'service name', 'labhub')
  .option('--root <dir>', 'remove under this directory instead of /, without systemctl')
  .action(async (opts) => runUninstallService(opts).catch(fail));

program
  .command('proxy')
  .description(
    'run labhub-proxy (the configurable-http-proxy drop-in); the same as the labhub-proxy command',
  )
  // Every option and value after `proxy` is labhub-proxy's (`--port 8000` is two words).
  .allowUnknownOption(true)
  .allowExcessArguments(true)
  .helpOption(false)
  .action(async () => {
    const i = process.argv.indexOf('proxy');
    process.argv.splice(2, i - 1);
    await import('../proxy/server/cli.js');
  });

program.parseAsync(process.argv).catch(fail);
