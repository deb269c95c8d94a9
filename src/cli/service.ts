/**
 * `labhub install-service` / `labhub uninstall-service`: a systemd unit for the hub (see
 * service-unit.ts), an environment file in /etc/labhub, `systemctl enable --now`, and how to read
 * the logs. `--root DIR` writes under DIR instead of / and runs no systemctl (packaging, tests).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HubError } from '../errors.js';
import { writePrivateFile } from '../security/private-files.js';
import { DEFAULT_CONFIG_FILES } from '../config/index.js';
import { renderEnvFile, renderUnit } from './service-unit.js';

export interface ServiceFlags {
  config?: string;
  name?: string;
  root?: string;
  enable?: boolean;
}

const LABHUB_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function paths(f: ServiceFlags) {
  const name = f.name ?? 'labhub';
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(name))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      400,
      `--name ${JSON.stringify(name)}: a service name is lower-case letters, digits and '-', starting with a letter.`,
    );
  const root = resolve(f.root ?? '/');
  return {
    name,
    root,
    unit: join(root, 'etc/systemd/system', `${name}.service`),
    envFile: `/etc/${name}/${name}.env`,
    envPath: join(root, 'etc', name, `${name}.env`),
  };
}

function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

function systemctl(args: string[]): void {
  const r = spawnSync('systemctl', args, { stdio: 'inherit' });
  if (r.error || r.status !== 0)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `systemctl ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}); see its message above.`,
    );
}

export async function runInstallService(f: ServiceFlags): Promise<void> {
  const p = paths(f);
  const live = !f.root;
  if (live && process.getuid?.() !== 0)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      403,
      'labhub install-service writes /etc/systemd/system and /etc/labhub: run it as root (sudo labhub install-service).',
    );
  const config = f.config
    ? resolve(f.config)
    : DEFAULT_CONFIG_FILES.map((n) => resolve(n)).find((c) => existsSync(c));
  if (!config || !existsSync(config))
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      400,
      `No config file ${f.config ? `at ${f.config}` : 'in this directory'}: the service needs one (for example /etc/labhub/labhub.yaml). Give it with --config FILE.`,
    );
  const unit = renderUnit({
    node: process.execPath,
    labhubBin: join(LABHUB_ROOT, 'bin/labhub.js'),
    configFile: config,
    envFile: p.envFile,
    name: p.name,
    docs: pathToFileURL(join(LABHUB_ROOT, 'docs/operations.md')).href,
  });
  mkdirSync(dirname(p.unit), { recursive: true });
  writeFileSync(p.unit, unit, { mode: 0o644 });
  process.stdout.write(`Wrote ${p.unit}\n`);
  if (!existsSync(p.envPath)) {
    writePrivateFile(p.envPath, renderEnvFile());
    process.stdout.write(`Wrote ${p.envPath} (mode 600)\n`);
  } else process.stdout.write(`Kept ${p.envPath}\n`);
  if (!live) return;
  if (!systemdRunning()) {
    process.stdout.write(
      `systemd is not running on this machine (no /run/systemd/system), so the service was not enabled. Where systemd runs: systemctl daemon-reload && systemctl enable --now ${p.name}\n`,
    );
    return;
  }
  systemctl(['daemon-reload']);
  if (f.enable !== false) systemctl(['enable', '--now', p.name]);
  process.stdout.write(
    `${f.enable !== false ? 'Enabled and started' : 'Installed'} ${p.name}.service.\n` +
      `  Status: systemctl status ${p.name}\n  Logs:   journalctl -u ${p.name} -f\n` +
      `  The hub keeps its database and secrets in /var/lib/${p.name}; back them up with: labhub backup FILE\n`,
  );
}

export async function runUninstallService(f: ServiceFlags): Promise<void> {
  const p = paths(f);
  const live = !f.root;
  if (live && process.getuid?.() !== 0)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      403,
      'labhub uninstall-service changes /etc/systemd/system: run it as root.',
    );
  if (!existsSync(p.unit)) {
    process.stdout.write(`No ${p.unit}: nothing to uninstall.\n`);
    return;
  }
  if (live && systemdRunning()) systemctl(['disable', '--now', p.name]);
  rmSync(p.unit);
  if (live && systemdRunning()) systemctl(['daemon-reload']);
  process.stdout.write(
    `Removed ${p.unit}. Kept ${dirname(p.envPath)} and /var/lib/${p.name} (configuration, database, secrets); the proxy and user servers, if still running, stop with: labhub stop --all\n`,
  );
}
