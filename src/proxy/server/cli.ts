/**
 * `labhub-proxy` command line: accepts configurable-http-proxy's flags, so a script or
 * JupyterHub's `ConfigurableHTTPProxy.command` can run it in place of CHP unchanged.
 * The API token comes from CONFIGPROXY_AUTH_TOKEN (never from argv).
 */
import type { AcmeResponder } from './acme-responder.js';
import fs from 'node:fs';
import http from 'node:http';
import { createProxyLogger, parseLogLevel, type ProxyLogger } from './log.js';
import { ProxyServer, type ListenTarget } from './proxy-server.js';
import type { ProxyServerOptions } from './options.js';
import { buildTls, clientTlsFrom } from './tls-options.js';
import { isProxyWorker, runPrimary, runWorker } from './workers.js';
import { freePort, selectEngine, type EngineChoice } from './haproxy/select.js';
import { buildCommand } from './cli-flags.js';
import { HaproxyEngine } from './haproxy/engine.js';

function die(log: ProxyLogger, msg: string): never {
  log.error('%s', msg);
  process.exit(1);
}

export async function main(argv: string[]): Promise<void> {
  const cmd = buildCommand();
  try {
    cmd.parse(argv);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode ?? 1;
    process.exit(code);
  }
  const a = cmd.opts();
  let level;
  try {
    level = parseLogLevel(String(a.logLevel));
  } catch (e) {
    process.stderr.write(`labhub-proxy: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const log = createProxyLogger(level);
  if (a.storageBackend)
    die(
      log,
      `--storage-backend is not supported by labhub-proxy (got '${a.storageBackend}'); remove it: the hub re-pushes routes when the proxy restarts.`,
    );
  if (a.errorTarget && a.errorPath)
    die(log, 'Cannot specify both --error-target and --error-path. Pick one.');

  let ssl, apiSsl, clientTls;
  try {
    ssl = buildTls(a, '');
    apiSsl = buildTls(a, 'api');
    clientTls = clientTlsFrom(a);
  } catch (e) {
    die(log, (e as Error).message);
  }
  if (a.redirectPort !== undefined && !ssl)
    die(log, 'HTTPS redirection (--redirect-port) needs --ssl-key and --ssl-cert.');
  for (const [flag, v] of [
    ['--default-target', a.defaultTarget],
    ['--error-target', a.errorTarget],
  ] as const) {
    if (v === undefined) continue;
    try {
      new URL(v);
    } catch {
      die(log, `${flag} expects an absolute URL like http://127.0.0.1:8081, got '${v}'`);
    }
  }
  const worker = isProxyWorker();
  const nWorkers: number = a.workers ?? 1;
  const authToken = process.env.CONFIGPROXY_AUTH_TOKEN || undefined;
  if (!authToken && !worker)
    log.warn('REST API is not authenticated (CONFIGPROXY_AUTH_TOKEN is not set).');

  const opts: ProxyServerOptions = {
    authToken,
    defaultTarget: a.defaultTarget,
    errorTarget: a.errorTarget,
    errorPath: a.errorPath,
    hostRouting: !!a.hostRouting,
    prependPath: a.prependPath !== false,
    includePrefix: a.includePrefix !== false,
    xForward: a.xForward !== false,
    customHeaders: lowerKeys(a.customHeader),
    insecure: !!a.insecure,
    clientTls,
    timeout: a.timeout,
    proxyTimeout: a.proxyTimeout,
    keepAliveTimeout: a.keepAliveTimeout,
    autoRewrite: !!a.autoRewrite,
    protocolRewrite: a.protocolRewrite,
    changeOrigin: !!a.changeOrigin,
    ssl,
    apiSsl,
    loadSsl: () => buildTls(a, ''),
    enableMetrics: a.metricsPort !== undefined || a.metricsSocket !== undefined,
    log,
  };
  if (a.ip === '*' && !worker)
    log.warn("Interpreting ip='*' as all interfaces. Preferred: '' or 0.0.0.0.");
  const port: number = a.port ?? 8000;
  const proxyT: ListenTarget = a.socket ? { port: 0, path: a.socket } : { port, host: a.ip };
  const apiT: ListenTarget = a.apiSocket
    ? { port: 0, path: a.apiSocket }
    : { port: a.apiPort ?? (a.socket ? 8001 : port + 1), host: a.apiIp };
  const metricsT: ListenTarget | undefined = a.metricsSocket
    ? { port: 0, path: a.metricsSocket }
    : a.metricsPort !== undefined
      ? { port: a.metricsPort, host: a.metricsIp }
      : undefined;

  const choice = a.engine as EngineChoice;
  const sel = worker
    ? undefined
    : selectEngine(choice, opts, { sslProtocol: a.sslProtocol as string | undefined });
  if (sel?.engine === 'node' && choice === 'haproxy') die(log, `--engine haproxy: ${sel.reason}`);
  // Which data plane runs, whatever was asked (the hub repeats this line in its own log).
  if (sel)
    log.info(
      'Engine: %s (--engine %s%s)',
      sel.engine === 'haproxy' ? `HAProxy ${sel.version}` : 'node',
      choice,
      sel.engine === 'node' && choice === 'auto' ? `: ${sel.reason}` : '',
    );
  const haproxy = sel?.engine === 'haproxy' ? sel : undefined;
  const primaryMode = !worker && nWorkers > 1 && !haproxy;
  // Behind HAProxy the Node plane only sees what HAProxy hands it, X-Forwarded-* already set.
  const server = new ProxyServer(
    worker
      ? { ...opts, enableMetrics: false }
      : haproxy
        ? { ...opts, xForward: false, ssl: undefined, behindHaproxy: true }
        : opts,
  );
  let engine: HaproxyEngine | undefined;
  let primary: ReturnType<typeof runPrimary> | undefined;
  // Signal handlers exist before anything listens: a SIGTERM right after start still exits cleanly.
  let redirect: http.Server | undefined;
  let pidFile: string | undefined;
  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.warn('%s received, shutting down', sig);
    if (pidFile) {
      try {
        if (fs.readFileSync(pidFile, 'utf8').trim() === String(process.pid)) fs.unlinkSync(pidFile);
      } catch {
        /* already gone */
      }
    }
    redirect?.close();
    const force = setTimeout(() => process.exit(0), 4000);
    force.unref();
    void Promise.all([primary?.stop(), engine?.stop()]).finally(() =>
      server.close().finally(() => process.exit(0)),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (worker) {
    runWorker(server, proxyT, log);
    return;
  }
  let bound;
  try {
    if (haproxy) {
      const pubPort = proxyT.path || proxyT.port !== 0 ? proxyT.port : await freePort(proxyT.host);
      engine = new HaproxyEngine(server.plane, {
        bin: haproxy.bin,
        bind: { ...proxyT, port: pubPort },
        publicOpts: opts,
        threads: a.workers as number | undefined,
        sslProtocol: a.sslProtocol as string | undefined,
        sslCiphers: a.sslCiphers as string | undefined,
      });
      const eng = engine;
      server.certificateSink = (c) => eng.setCertificate(c);
      await server.listen({ proxy: { port: 0, path: engine.files.node } });
      // HAProxy holds the public port before the API answers: whoever waits for the API (the
      // hub) never takes a proxy that cannot serve for started.
      await engine.start();
      server.plane.metrics?.countFrom(() => eng.counts());
      bound = await server.listen({ api: apiT, metrics: metricsT });
      bound.proxy = { address: proxyT.host ?? '', family: '', port: pubPort };
    } else
      bound = await server.listen({
        proxy: primaryMode ? undefined : proxyT,
        api: apiT,
        metrics: metricsT,
      });
    if (primaryMode) {
      primary = runPrimary(server, nWorkers, log);
      bound.proxy = { address: proxyT.host ?? '', family: '', port: await primary.listening };
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const hint =
      err.code === 'EADDRINUSE'
        ? ' (another process uses this port: stop it or choose another port)'
        : '';
    await engine?.stop().catch(() => {});
    await server.close().catch(() => {});
    die(log, `could not listen: ${err.message}${hint}`);
  }
  // The pid file exists before we announce the listeners, so whoever waits for them can read it.
  pidFile = a.pidFile;
  if (pidFile) {
    log.info('Writing pid %s to %s', process.pid, pidFile);
    fs.writeFileSync(pidFile, String(process.pid));
  }
  const fmt = (t: ListenTarget, b: { address: string; port: number }) =>
    t.path ?? `${t.host || '*'}:${b.port}`;
  log.info(
    'Proxying %s://%s to %s%s',
    ssl ? 'https' : 'http',
    fmt(proxyT, bound.proxy!),
    opts.defaultTarget ?? '(no default)',
    primaryMode
      ? ` with ${nWorkers} workers`
      : engine
        ? ` with HAProxy ${haproxy!.version} (pid ${engine.pid}, ${engine.dir})`
        : '',
  );
  log.info('Proxy API at %s://%s/api/routes', apiSsl ? 'https' : 'http', fmt(apiT, bound.api!));
  if (bound.metrics && metricsT)
    log.info('Serve metrics at http://%s/metrics', fmt(metricsT, bound.metrics));

  if (a.redirectPort !== undefined)
    redirect = startRedirect(log, a.redirectPort, a.redirectTo ?? port, server.plane.acme);

  process.on('uncaughtException', (e) => log.error('Uncaught exception: %s', e.stack ?? e.message));
  process.on('unhandledRejection', (e) =>
    log.error('Unhandled rejection: %s', (e as Error)?.stack ?? String(e)),
  );
}

function lowerKeys(h: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!h || Object.keys(h).length === 0) return undefined;
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function startRedirect(
  log: ProxyLogger,
  fromPort: number,
  toPort: number,
  acme: AcmeResponder,
): http.Server {
  const s = http.createServer((req, res) => {
    // ACME HTTP-01 is validated on port 80 over plain HTTP: answered here, not redirected.
    if (acme.handle(req, res)) return;
    if (!req.headers.host) {
      res.writeHead(400);
      res.end(`This server is HTTPS-only on port ${toPort}, but the request had no Host header.`);
      return;
    }
    let host = req.headers.host.replace(/:\d+$/, '');
    if (toPort !== 443) host = `${host}:${toPort}`;
    res.writeHead(301, { location: `https://${host}${req.url ?? '/'}` });
    res.end();
  });
  s.listen(fromPort, () =>
    log.info('Added HTTP to HTTPS redirection from %s to %s', fromPort, toPort),
  );
  s.on('error', (e) => log.error('redirect server on port %s: %s', fromPort, e.message));
  return s;
}

await main(process.argv);
