/**
 * `labhub env install|list|remove`: the shared environment admins manage (Labhub.shared_env_dir),
 * the packages every user server of the local spawners can import.
 */
import { chooseAuthenticator } from '../auth/choice.js';
import { settingsFromConfig } from '../core/settings-from-config.js';
import { sharedEnvOf } from '../core/shared-env.js';
import type { SharedEnvListing } from '../spawner/shared-env.js';
import { loadWithFlags, type StartFlags } from './common.js';

export interface EnvFlags extends StartFlags {
  json?: boolean;
}

function envOf(opts: EnvFlags) {
  const config = loadWithFlags(opts).config;
  return sharedEnvOf(settingsFromConfig(config, chooseAuthenticator(config).id));
}

function print(l: SharedEnvListing, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(JSON.stringify(l, null, 2) + '\n');
    return;
  }
  if (!l.packages.length) {
    process.stdout.write(
      'The shared environment has no packages (add some: labhub env install PKG).\n',
    );
    return;
  }
  for (const p of l.packages) process.stdout.write(`${p.name}==${p.version}\n`);
  if (l.dependencies.length)
    process.stdout.write(
      `# with: ${l.dependencies.map((d) => `${d.name}==${d.version}`).join(' ')}\n`,
    );
}

/** `labhub env list`. */
export function runEnvList(opts: EnvFlags): void {
  print(envOf(opts).list(), opts.json);
}

/** `labhub env install PKG[==VER] ...`: pip's output goes to stderr, the result to stdout. */
export async function runEnvInstall(specs: string[], opts: EnvFlags): Promise<void> {
  const env = envOf(opts);
  const l = await env.install(specs, (line) => process.stderr.write(`${line}\n`));
  process.stderr.write(
    `Installed. Servers started from now on import them; running servers see them after a kernel restart.\n`,
  );
  print(l, opts.json);
}

/** `labhub env remove PKG ...`. */
export async function runEnvRemove(names: string[], opts: EnvFlags): Promise<void> {
  const l = await envOf(opts).remove(names, (line) => process.stderr.write(`${line}\n`));
  print(l, opts.json);
}
