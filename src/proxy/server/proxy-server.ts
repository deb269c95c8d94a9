/**
 * labhub-proxy as a library: the public (proxy) listener, the REST API listener, and the
 * optional metrics listener around one {@link Plane}. The CLI (cli.ts) only turns flags into
 * {@link ProxyServerOptions} and calls {@link ProxyServer.listen}.
 */
import { answerTlsAlpn } from './acme-alpn.js';
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { Plane } from './plane.js';
import { createApiHandler } from './api.js';
import { ProxyMetrics } from './metrics.js';
import type { ProxyServerOptions } from './options.js';

/** Where to listen: a port and an optional host ('' or undefined = all interfaces). */
export interface ListenTarget {
  port: number;
  host?: string;
  /** A UNIX socket path instead of port/host (--socket, --api-socket, --metrics-socket). */
  path?: string;
}

function normalizeHost(host: string | undefined): string | undefined {
  // '', '*' and undefined: every interface, without any name resolution.
  if (host === undefined || host === '' || host === '*') return undefined;
  return host;
}

function listenOn(server: http.Server, t: ListenTarget): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    const done = () => {
      server.removeListener('error', onError);
      const a = server.address();
      resolve(
        typeof a === 'string' || a === null ? { address: String(a), family: 'unix', port: 0 } : a,
      );
    };
    if (t.path) server.listen(t.path, done);
    else server.listen(t.port, normalizeHost(t.host), done);
  });
}

export class ProxyServer {
  readonly plane: Plane;
  readonly proxyServer: http.Server;
  readonly apiServer: http.Server;
  readonly metricsServer?: http.Server;
  private readonly sockets = new Set<Socket>();
  /** Called after a certificate reload (the --workers primary tells the workers to reload too). */
  onTlsReload?: () => void;
  /**
   * Where a reloaded certificate goes when another engine terminates TLS (HAProxy): set by the
   * CLI, used by {@link reloadTls} instead of this server's own listener.
   */
  certificateSink?: (o: { cert?: unknown; key?: unknown }) => Promise<void>;

  constructor(readonly opts: ProxyServerOptions) {
    this.plane = new Plane(opts);
    const log = opts.log;
    if (opts.enableMetrics) {
      this.plane.metrics = new ProxyMetrics({
        routes: () => this.plane.table.size,
        openWebSockets: () => this.plane.openWs,
        inFlight: () => this.plane.inFlight,
        pools: () => this.plane.upstreams.size,
      });
    }
    const serverOpts: http.ServerOptions = {
      keepAlive: true,
      keepAliveTimeout: opts.keepAliveTimeout ?? 5000,
      // Long uploads/downloads are the target's business; --timeout is the idle limit.
      requestTimeout: 0,
    };
    this.proxyServer = opts.ssl
      ? https.createServer({ ...opts.ssl, ...serverOpts }, this.plane.handleWeb)
      : http.createServer(serverOpts, this.plane.handleWeb);
    // ACME TLS-ALPN-01 is answered on the public HTTPS listener, before its TLS (acme-alpn.ts).
    if (opts.ssl) answerTlsAlpn(this.proxyServer, this.plane.acme);
    this.proxyServer.on('upgrade', this.plane.handleUpgrade);
    this.proxyServer.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
    const api = createApiHandler(this.plane, opts.authToken, this);
    const apiCb = (req: http.IncomingMessage, res: http.ServerResponse) => void api(req, res);
    this.apiServer = opts.apiSsl
      ? https.createServer(opts.apiSsl, apiCb)
      : http.createServer(apiCb);
    if (this.plane.metrics) {
      const metrics = this.plane.metrics;
      this.metricsServer = http.createServer((req, res) => {
        if ((req.url ?? '').split('?', 1)[0] !== '/metrics') {
          res.writeHead(404);
          res.end('Not Found');
          return;
        }
        metrics.render().then(
          ({ contentType, body }) => {
            res.writeHead(200, { 'content-type': contentType });
            res.end(body);
          },
          (err: Error) => {
            log.error('metrics: %s', err.message);
            res.writeHead(500);
            res.end();
          },
        );
      });
    }
    for (const s of [this.proxyServer, this.apiServer, this.metricsServer]) {
      s?.on('connection', (sock: Socket) => {
        this.sockets.add(sock);
        sock.once('close', () => this.sockets.delete(sock));
      });
    }
  }

  /**
   * Re-read the public certificate and key (the --ssl-* files) for new connections. Connections
   * already open keep theirs: nothing is dropped. Null when the public listener is plain HTTP.
   * @throws Error when the files cannot be read or the key does not match the certificate.
   */
  async reloadTls(): Promise<{ notAfter: string } | null> {
    const sink = this.certificateSink;
    if (!this.opts.ssl && !sink) return null;
    const o = this.opts.loadSsl?.() ?? this.opts.ssl;
    if (!o?.cert || !o.key) return null;
    const x = new X509Certificate(o.cert as Buffer);
    // Throws on a key that does not match the certificate; the previous one then stays.
    if (sink) {
      createSecureContext(o);
      await sink(o);
    } else (this.proxyServer as https.Server).setSecureContext(o);
    this.onTlsReload?.();
    return { notAfter: new Date(x.validTo).toISOString() };
  }

  /** Start listening; resolves with the bound addresses (useful with port 0). */
  async listen(t: { proxy?: ListenTarget; api?: ListenTarget; metrics?: ListenTarget }): Promise<{
    proxy?: AddressInfo;
    api?: AddressInfo;
    metrics?: AddressInfo;
  }> {
    // Either listener may be left out: with --workers the primary serves the API, workers the proxy.
    const proxy = t.proxy ? await listenOn(this.proxyServer, t.proxy) : undefined;
    const api = t.api ? await listenOn(this.apiServer, t.api) : undefined;
    const metrics =
      this.metricsServer && t.metrics ? await listenOn(this.metricsServer, t.metrics) : undefined;
    return { proxy, api, metrics };
  }

  /** Stop listening, drop client connections, close upstream pools. */
  async close(): Promise<void> {
    const servers = [this.proxyServer, this.apiServer, this.metricsServer].filter(
      (s): s is http.Server => !!s,
    );
    const closed = servers.map(
      (s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r())),
    );
    for (const sock of this.sockets) sock.destroy();
    await Promise.all(closed);
    await this.plane.close();
  }
}
