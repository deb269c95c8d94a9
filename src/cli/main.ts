/**
 * The `labhub` command. With no subcommand it starts the hub; subcommands: migrate-config,
 * doctor, stop, token, status, upgrade-db, proxy. Errors are printed as one clear message, never a stack.
 */
import { Command, Option } from 'commander';
import { isHubError } from '../errors.js';
import { LABHUB_VERSION } from '../core/settings-from-config.js';
import { runStart } from './start.js';
import { runMigrateConfig } from './migrate-cmd.js';
import { runDoctor } from './doctor.js';
import { runToken } from './token.js';
import { runStop } from './stop.js';
import { runUpgradeDb } from './upgrade-db.js';
import { runStatus } from './status.js';

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
  .command('proxy')
  .description(
    'run labhub-proxy (the configurable-http-proxy drop-in); the same as the labhub-proxy command',
  )
  .allowUnknownOption(true)
  .helpOption(false)
  .action(async () => {
    const i = process.argv.indexOf('proxy');
    process.argv.splice(2, i - 1);
    await import('../proxy/server/cli.js');
  });

program.parseAsync(process.argv).catch(fail);
