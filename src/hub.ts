/**
 * The hub: wiring only. config → cookie secret → database → roles/users/services → authenticator
 * → spawner → proxy → HTTP → reattach running servers → background tasks.
 */
import type { FastifyInstance } from 'fastify';
import { loadConfig, type LoadedConfig } from './config/index.js';
import { createLogger, type Logger } from './log.js';
import { Store, dbTightenedMessage, parseDbUrl } from './db/index.js';
import type { Tightened } from './security/private-files.js';
import { exposedTokenWarning, planProxyToken } from './core/proxy-token.js';
import { loadCookieSecret } from './security/cookie-secret.js';
import { Permissions } from './core/rbac/permissions.js';
import { ServiceRegistry } from './core/services.js';
import { SpawnManager } from './core/spawn/spawn-manager.js';
import { createAppServices } from './core/app-services.js';
import {
  settingsFromConfig,
  isWildcardIp,
  loopbackFor,
  serversInContainers,
} from './core/settings-from-config.js';
import { setUpLogin } from './hub/identity.js';
import { createHubProxy } from './hub/proxy-setup.js';
import { hubListenHost, listenFailure } from './hub/listen.js';
import type { Settings } from './core/settings.js';
import { explainProxyFailure } from './core/proxy-failure.js';
import type { RuntimeInfo } from './core/runtime-info.js';
import type { HubContext } from './core/context.js';
import { CookieSigner } from './security/cookie-signer.js';
import { createApp } from './http/app.js';
import { loadTemplateOverrides } from './http/pages/render/index.js';
import { HubMetrics } from './metrics/hub-metrics.js';
import { StatsdReporter } from './metrics/statsd.js';
import { prepareHttps } from './core/https-setup.js';
import type { AcmeManager } from './core/acme.js';
import { configuredSpawnerOptions } from './core/spawn/spawner-options.js';
import { resolveAuthenticator } from './auth/registry.js';
import { chooseAuthenticator, requirePam } from './auth/choice.js';
import { checkSpawnerOptions, resolveSpawner } from './spawner/registry.js';
import { describeLimitSupport } from './spawner/limits.js';
import { warmUserEnv } from './spawner/user-env-warmup.js';
import { defaultServerLogDir } from './spawner/server-log.js';
import type { ManagedProxy } from './proxy/managed.js';
import type { Proxy } from './proxy/types.js';
import { UsageAccounting, type SampledServer } from './core/usage/accounting.js';
import { systemClock, type Clock } from './core/usage/clock.js';
import { proxySetFor } from './proxy/proxy-set.js';
import type { ChpClient } from './proxy/chp-client.js';
import { ReplicaCoordinator } from './core/replicas.js';
import { leaderJobs } from './core/leader-jobs.js';

export interface HubOptions {
  configFile?: string;
  overrides?: Record<string, Record<string, unknown>>;
  log?: Logger;
  cwd?: string;
  /** Preloaded config (tests). */
  loaded?: LoadedConfig;
  /** The clock of the usage accounting and of auth_refresh_age (tests move it; default: the system clock). */
  clock?: Clock;
}

/** A running hub. `Hub.start()` returns once it serves requests and routes are in place. */
export class Hub {
  app!: FastifyInstance;
  ctx!: HubContext;
  settings!: Settings;
  /** What the start found out (bound hub port, HTTPS files), apart from the frozen settings. */
  runtime!: RuntimeInfo;
  private proxy!: Proxy & {
    start?(): Promise<void>;
    stop?(o?: { killProcess?: boolean }): Promise<void>;
  };
  /** Automatic HTTPS (Labhub.letsencrypt), null when off. */
  acme: AcmeManager | null = null;
  private timers: Array<() => void> = [];
  /** Releases what the spawner plugin shares between servers (e.g. the Kubernetes pod watch). */
  private closeSpawner: (() => Promise<void>) | null = null;
  private replica: ReplicaCoordinator | null = null;
  private extraProxies: ChpClient[] = [];
  private statsd: StatsdReporter | null = null;
  readonly log: Logger;

  constructor(private readonly opts: HubOptions = {}) {
    this.log = opts.log ?? createLogger();
  }

  async start(): Promise<void> {
    try {
      await this.startAll();
    } catch (e) {
      // A start that failed after registering this replica takes its row back out (a retry in
      // the same process must not find itself as "another hub" on SQLite).
      await this.replica?.leave().catch(() => undefined);
      throw e;
    }
  }

  private async startAll(): Promise<void> {
    const t0 = Date.now();
    const log = this.log;
    const loaded =
      this.opts.loaded ??
      loadConfig({
        file: this.opts.configFile,
        overrides: this.opts.overrides,
        cwd: this.opts.cwd,
      });
    log.info(
      loaded.source
        ? `Loaded config file ${loaded.source}`
        : 'No config file found: using the embedded defaults',
    );
    for (const w of loaded.warnings)
      log.warn({ code: w.code, key: w.key, file: w.file, line: w.line }, `config: ${w.message}`);
    // PAM never silently becomes another login system: refuse to start when it cannot run.
    const choice = chooseAuthenticator(loaded.config);
    const pam = await requirePam(choice, loaded.config);
    const authDef = await resolveAuthenticator(choice.id, { baseDir: this.opts.cwd });
    const settings = (this.settings = settingsFromConfig(loaded.config, authDef.id));
    log.info(`Authenticator: ${authDef.id} (${choice.why})`);
    for (const w of pam?.warnings ?? []) log.warn(`PAM: ${w.text}. ${w.fix}`);

    const { secret, created, source, warning } = loadCookieSecret(settings.cookieSecretFile);
    if (created) log.info(`Wrote a new cookie secret to ${source} (mode 600)`);
    if (warning) log.warn(warning);
    const target = parseDbUrl(settings.dbUrl, this.opts.cwd);
    const exposedDb: Tightened[] = [];
    const store = await Store.open(target, {
      onTightened: (t) => {
        exposedDb.push(t);
        log.warn(dbTightenedMessage(t));
      },
      onExposed: (m) => log.warn(m),
    });
    log.info(
      `Database: ${target.kind === 'sqlite' ? target.location : target.location.replace(/:[^:@/]*@/, ':***@')}`,
    );
    const hubTarget = `http://${hostForUrl(loopbackFor(settings.hubIp))}:${settings.hubPort}`;
    // This process is one hub replica: on SQLite a second live one is refused here, before any
    // proxy or port is touched (docs/high-availability.md).
    const replica = new ReplicaCoordinator({
      store,
      log,
      heartbeatMs: Math.round(settings.highAvailability.heartbeatInterval * 1000),
      timeoutMs: Math.round(settings.highAvailability.replicaTimeout * 1000),
      hubUrl: hubTarget,
      version: settings.labhubVersion,
      sqlite: target.kind === 'sqlite' && target.location !== ':memory:',
    });
    try {
      await replica.register();
    } catch (e) {
      await store.close();
      throw e;
    }
    this.replica = replica;

    const metrics = new HubMetrics();
    const permissions = new Permissions(store, log, {
      loadRoles: settings.loadRoles,
      extraUserScopes: settings.extraUserScopes,
      customScopes: settings.customScopes,
      adminServices: [],
    });
    await permissions.init();
    const services = new ServiceRegistry(
      settings.services,
      settings.services.filter((x) => x.admin).map((x) => x.name),
    );
    await services.loadRuntime(store.apiServices);

    // On PostgreSQL (where several replicas may serve) failed logins are counted in the database.
    const login = await setUpLogin(authDef, settings, store, log, metrics, {
      sharedLimits: target.kind === 'postgres',
      now: () => (this.opts.clock ?? systemClock).now().getTime(),
    });

    const spawnerDef = await resolveSpawner(settings.spawnerClass, { baseDir: this.opts.cwd });
    checkSpawnerOptions(spawnerDef, settings.spawner.extra);
    this.closeSpawner = spawnerDef.close?.bind(spawnerDef) ?? null;
    for (const n of spawnerDef.startupNotices?.(configuredSpawnerOptions(settings.spawner)) ?? [])
      log[n.level](`${n.message}${n.fix ? ` ${n.fix}` : ''}`);
    const limits = describeLimitSupport();
    if (settings.spawner.memLimit || settings.spawner.cpuLimit)
      log.info(`Resource limits: memory: ${limits.memory}; cpu: ${limits.cpu}`);

    const tokenPlan = await planProxyToken(store, {
      configured: settings.proxy.authToken,
      env: process.env.CONFIGPROXY_AUTH_TOKEN,
      databaseExposed: exposedDb.length > 0,
    });
    // HTTPS is terminated by the proxy: configured files, a self-signed pair
    // (Labhub.generate_self_signed_cert), or a certificate from an ACME CA (Labhub.letsencrypt).
    let proxyRef: ManagedProxy | undefined;
    const https = await prepareHttps(settings, () => proxyRef?.apiToken ?? tokenPlan.token, log);
    const tls = https.tls;
    this.acme = https.acme;
    this.runtime = { hubPort: settings.hubPort, tls };
    const redirectPort = https.redirectPort;
    if (redirectPort && !tls)
      log.warn(
        `Labhub.http_redirect_port = ${redirectPort} is ignored: it redirects to HTTPS, which needs JupyterHub.ssl_cert/ssl_key or Labhub.generate_self_signed_cert.`,
      );
    const proxy = createHubProxy({ settings, tokenPlan, tls, redirectPort, hubTarget, log });
    this.proxy = proxy;
    proxyRef = proxy;
    const clock = this.opts.clock ?? systemClock;
    const usage: UsageAccounting = new UsageAccounting({
      ...{ store, log, clock, settings: settings.usage, spawnerId: spawnerDef.id },
      running: (): SampledServer[] => spawns.runningServers(),
    });
    // Further proxies (Labhub.high_availability.proxy_api_urls) get every route too.
    const {
      members: proxyMembers,
      routesProxy,
      extra,
    } = proxySetFor(
      { apiUrl: settings.proxy.apiUrl, proxy },
      settings.highAvailability.proxyApiUrls,
      tokenPlan.token,
      (m) => log.warn({ component: 'proxy' }, m),
    );
    this.extraProxies = extra;
    const spawns = new SpawnManager({
      settings: {
        ...settings,
        spawner: {
          ...settings.spawner,
          extra: {
            ...settings.spawner.extra,
            userEnvDir: settings.userEnvDir ?? undefined,
            userEnvRequirements: settings.userEnvRequirements ?? undefined,
            serverLogDir: settings.serverLogDir ?? defaultServerLogDir(),
            sharedEnvDir: settings.sharedEnvDir ?? undefined,
          },
        },
      },
      store,
      log,
      permissions,
      proxy: routesProxy,
      metrics,
      spawner: spawnerDef,
      lifecycle: usage,
      replicaId: replica.id,
      beforeSpawn: (u) => login.refreshBeforeSpawn(u),
      authStateEnv: (u) => login.spawnEnvFor(u),
    });

    const ctx: HubContext = (this.ctx = {
      settings,
      store,
      log,
      permissions,
      signer: new CookieSigner(secret),
      login,
      ...createAppServices({ store, permissions, settings, log, login, spawns, services, proxy }),
      spawns,
      proxy: routesProxy,
      services,
      metrics,
      usage,
      clock,
      replica,
      shutdown: (o) => this.stop(o).then(() => process.exit(0)),
    });
    this.app = await createApp(ctx, {
      templates: await loadTemplateOverrides(settings.templatePaths),
    });

    // Start (or adopt) the proxy while the hub starts listening: neither needs the other yet, and
    // doing both at once shortens start-up. The hub route is added once both are up.
    proxy.onRestart(async () => {
      log.warn('The proxy lost its routes (it restarted): adding them all back');
      const n = await spawns.restoreRoutes();
      log.info(`Restored ${n} server routes`);
      // The hub's route last: a proxy answering /hub/health has caught up (high-availability.md).
      if (replica.isLeader) await proxy.addRoute(settings.baseUrl, hubTarget, { hub: true });
    });
    const proxyStarted = proxy.start().then(
      () => null,
      (e: unknown) => e,
    );
    const hubHost = hubListenHost(settings);
    try {
      await this.app.listen({ host: hubHost, port: settings.hubPort });
    } catch (e) {
      // Never leave a process behind: a proxy this start launched goes too (an adopted one stays).
      await proxyStarted;
      await proxy.stop({ killProcess: true }).catch(() => undefined);
      await replica.leave();
      await store.close();
      throw listenFailure(e, hubHost, settings);
    }
    if (!settings.hubPort)
      this.runtime.hubPort = (this.app.server.address() as { port: number }).port;
    log.info(
      `Hub API listening at ${hubTarget}${settings.hubPrefix}api (servers reach it at ${settings.hubApiUrl})`,
    );

    try {
      const proxyError = await proxyStarted;
      if (proxyError) throw proxyError;
      // The hub route points at the leader; a replica alone (the usual single hub) is the
      // leader-to-be and routes itself now, so the hub is reachable when start() returns.
      const replicas = await store.replicas.list();
      if (replicas.length === 1) await proxy.addRoute(settings.baseUrl, hubTarget, { hub: true });
      if (proxy.tokenReplacementPending)
        log.warn(exposedTokenWarning(target.location, settings.proxy.pidFile));
      // Servers of no live replica (a single hub: all of them, from its previous run).
      const { running, cleaned } = await spawns.reattachAll(replicas.map((r) => r.id));
      if (running || cleaned)
        log.info(
          `Reattached ${running} running servers${cleaned ? `; cleaned up ${cleaned} that had stopped` : ''}`,
        );
    } catch (e) {
      // Never leave a process behind: a proxy this start launched goes too (an adopted one stays).
      await proxy.stop({ killProcess: true }).catch(() => undefined);
      await this.app.close();
      await replica.leave();
      await store.close();
      throw explainProxyFailure(e, settings, redirectPort, log);
    }
    spawns.startPolling();
    this.timers.push(metrics.startEventLoopSampler(), usage.start());

    // Cluster-wide jobs run on the leader replica only, and move with it.
    const jobs = leaderJobs({
      ctx,
      keepHubRoute: (on) =>
        on
          ? proxy.keepHubRoute(settings.baseUrl, hubTarget, { hub: true })
          : proxy.releaseHubRoute(),
      proxies: proxyMembers,
      hubTarget,
    });
    replica.onLeaderTick = async (live) => {
      const { running, cleaned } = await spawns.adoptOrphans(live);
      if (running || cleaned)
        log.warn(`Adopted ${running} running servers of dead replicas; cleaned up ${cleaned}`);
    };
    // Certificates are ordered and renewed by one replica (they serve the shared proxy).
    const acme = this.acme;
    if (acme) jobs.push({ name: 'https certificates', start: () => acme.start() });
    await replica.run(jobs);
    if (settings.statsd.host) {
      this.statsd = new StatsdReporter(settings.statsd, ctx, log);
      this.timers.push(this.statsd.start());
      log.info(
        `Sending statsd metrics to ${settings.statsd.host}:${settings.statsd.port} with prefix '${settings.statsd.prefix}'`,
      );
    }
    // Warm the Python environment in the background so the first spawn does not wait for pip
    // (not with containers: their image brings the servers' Python).
    if (!serversInContainers(settings.spawnerClass))
      warmUserEnv({
        cmd: settings.spawner.cmd,
        userEnv: settings.spawner.extra.user_env,
        venvDir: settings.userEnvDir,
        requirementsFile: settings.userEnvRequirements,
        log,
      });
    const pub = isWildcardIp(settings.ip)
      ? `all interfaces, port ${settings.port}`
      : `${settings.ip}:${settings.port}`;
    metrics.startupDuration.observe((Date.now() - t0) / 1000);
    log.info(
      `labhub ${settings.labhubVersion} is running: users connect on ${pub} (e.g. ${tls ? 'https' : 'http'}://127.0.0.1:${settings.port}${settings.baseUrl}${tls && redirectPort ? `; http on port ${redirectPort} redirects there` : ''}); started in ${Date.now() - t0} ms`,
    );
  }

  /**
   * Stop the hub. `servers` and `proxy` default to JupyterHub.cleanup_servers and cleanup_proxy
   * (labhub: both false, so users are not disconnected and the next hub start adopts them).
   * `proxy` stops the proxy this hub started or a labhub-started proxy it adopted, never an
   * external one.
   */
  async stop(opts: { proxy?: boolean; servers?: boolean } = {}): Promise<void> {
    const servers = opts.servers ?? this.settings?.cleanupServers ?? false;
    const proxy = opts.proxy ?? this.settings?.cleanupProxy ?? false;
    // With other replicas: keep serving 2 s after /hub/health says 503 (labhub-proxy checks each second).
    await this.replica?.leave(2000);
    for (const t of this.timers) t();
    this.timers = [];
    this.ctx?.spawns.close();
    if (servers && this.ctx) await this.ctx.spawns.stopAll();
    await this.closeSpawner?.().catch(() => undefined);
    await this.app?.close();
    await this.proxy?.stop?.({ killProcess: proxy, killAdopted: proxy });
    for (const p of this.extraProxies) await p.close().catch(() => undefined);
    await this.ctx?.store.close();
  }
}

function hostForUrl(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}
