import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { SPAWNER_ENV_KEEP } from '../config/env-keep.js';
import type { HubContext } from './context.js';
import type { ServiceInfo } from './services.js';

/** What a managed service inherits from the hub: Spawner.env_keep's default, HOME, LD_LIBRARY_PATH. */
const ENV_KEEP = [
  ...SPAWNER_ENV_KEEP.filter((k) => k !== 'JUPYTERHUB_SINGLEUSER_APP'),
  'LD_LIBRARY_PATH',
  'HOME',
];

/**
 * Managed services (`JupyterHub.services` entries with `command`, hub-protocol.md §1.5): started
 * with the service environment, restarted when they exit; `url` services get a proxy route.
 */
export class ServiceRunner {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: HubContext) {}

  async start(): Promise<void> {
    for (const svc of this.ctx.services.all()) {
      if (svc.url) {
        const origin = new URL(svc.url).origin;
        await this.ctx.proxy.addRoute(
          this.ctx.services.routeSpec(svc.name, this.ctx.settings.baseUrl),
          origin,
          { service: svc.name },
        );
      }
      if (svc.command?.length) await this.launch(svc);
    }
    const every = Math.max(1, this.ctx.settings.spawner.pollInterval) * 1000;
    this.timer = setInterval(() => void this.check(), Math.min(every, 10_000));
    this.timer.unref();
  }

  private async env(svc: ServiceInfo): Promise<Record<string, string>> {
    const s = this.ctx.settings;
    let token = svc.apiToken;
    if (!token) {
      // No configured token: a fresh one for this hub run, with the service's roles.
      token = randomBytes(16).toString('hex');
      await this.ctx.store.tokens.create({
        serviceName: svc.name,
        scopes: ['inherit'],
        note: `Service ${svc.name} (generated at hub start)`,
        supplied: token,
      });
    }
    const env: Record<string, string> = {};
    for (const k of ENV_KEEP) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    const prefix = this.ctx.services.prefix(svc.name, s.baseUrl);
    Object.assign(env, {
      JUPYTERHUB_SERVICE_NAME: svc.name,
      JUPYTERHUB_API_TOKEN: token,
      JUPYTERHUB_API_URL: s.hubApiUrl,
      JUPYTERHUB_BASE_URL: s.baseUrl,
      JUPYTERHUB_CLIENT_ID: `service-${svc.name}`,
      JUPYTERHUB_HOST: '',
      JUPYTERHUB_OAUTH_CALLBACK_URL: svc.oauthRedirectUri ?? `${prefix}oauth_callback`,
      JUPYTERHUB_OAUTH_ACCESS_SCOPES: JSON.stringify([
        'access:services',
        `access:services!service=${svc.name}`,
      ]),
      JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED: '0',
    });
    if (svc.url) {
      env.JUPYTERHUB_SERVICE_URL = svc.url;
      env.JUPYTERHUB_SERVICE_PREFIX = prefix;
    }
    return { ...env, ...svc.environment };
  }

  private async launch(svc: ServiceInfo): Promise<void> {
    const env = await this.env(svc);
    const [cmd, ...args] = svc.command!;
    const child = spawn(cmd, args, {
      env,
      cwd: svc.cwd ?? undefined,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const log = this.ctx.log.child({ service: svc.name });
    child.stdout?.on('data', (d: Buffer) => log.info(d.toString().trimEnd()));
    child.stderr?.on('data', (d: Buffer) => log.info(d.toString().trimEnd()));
    child.on('error', (e) => log.error(`Service ${svc.name} could not start: ${e.message}`));
    child.on('exit', (code, signal) => {
      svc.pid = 0;
      if (!this.stopping)
        log.error(`Service ${svc.name} exited (${signal ?? code}); it will be restarted`);
    });
    svc.pid = child.pid ?? 0;
    this.children.set(svc.name, child);
    log.info(`Started service ${svc.name} (pid ${svc.pid}): ${svc.command!.join(' ')}`);
  }

  private async check(): Promise<void> {
    if (this.stopping) return;
    for (const svc of this.ctx.services.all()) {
      if (!svc.command?.length) continue;
      const child = this.children.get(svc.name);
      if (!child || child.exitCode !== null || child.signalCode !== null)
        await this.launch(svc).catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(
      [...this.children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null || !c.pid) return resolve();
            c.once('exit', () => resolve());
            try {
              process.kill(-c.pid, 'SIGTERM');
            } catch {
              resolve();
            }
            setTimeout(() => {
              try {
                process.kill(-c.pid!, 'SIGKILL');
              } catch {
                /* gone */
              }
              resolve();
            }, 5000).unref();
          }),
      ),
    );
  }
}
