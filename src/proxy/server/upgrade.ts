/**
 * WebSocket (and any HTTP Upgrade) forwarding: open a TCP/TLS connection to the target, write
 * the upgrade request, then pipe raw bytes both ways; the target's handshake response goes to
 * the client unchanged. Any error, end or close on either side destroys both sockets, so a
 * closed WebSocket never leaves a socket behind. Data in either direction bumps the route's
 * last activity.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Plane } from './plane.js';
import type { RouteEntry } from './routes.js';
import { forwardHeaders } from './headers.js';
import { unixSocketPath } from './upstreams.js';

function connect(plane: Plane, target: URL): net.Socket {
  const socketPath = unixSocketPath(target.href);
  if (socketPath) return net.connect({ path: socketPath });
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  if (target.protocol === 'https:') {
    return tls.connect({
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: !plane.opts.insecure,
      ...(plane.opts.clientTls ?? {}),
    });
  }
  if (target.protocol !== 'http:') {
    // Unsupported scheme: fail like a refused connection (→ 503), asynchronously like one.
    const s = new net.Socket();
    process.nextTick(() =>
      s.destroy(new Error(`unsupported target protocol '${target.protocol}'`)),
    );
    return s;
  }
  return net.connect({ host, port });
}

/** Proxy one upgrade request (`head` = bytes already read past the request headers). */
export function forwardUpgrade(
  plane: Plane,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  entry: RouteEntry,
  outPath: string,
): void {
  const headers = forwardHeaders(
    plane.opts,
    req,
    true,
    plane.opts.changeOrigin ? entry.target.host : undefined,
  );
  let lines = `${req.method} ${outPath} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) lines += `${headers[i]}: ${headers[i + 1]}\r\n`;
  lines += '\r\n';

  const upstream = connect(plane, entry.target);
  let responded = false; // the target sent at least one byte (handshake under way)
  let closed = false;
  plane.openWs++;
  let timer: NodeJS.Timeout | undefined;

  const cleanup = (err?: Error): void => {
    if (closed) return;
    closed = true;
    plane.openWs--;
    if (timer) clearTimeout(timer);
    if (!responded && err && !client.destroyed) {
      // Nothing reached the client yet: answer like CHP (status line, empty body), then close.
      plane.proxyError(503, req, null, err);
      client.end(
        `HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      setTimeout(() => client.destroy(), 1000).unref();
    } else {
      client.destroy();
    }
    upstream.destroy();
  };

  upstream.setNoDelay(true);
  (client as net.Socket).setNoDelay?.(true);
  // An idle WebSocket is normal: the per-request --timeout of HTTP does not apply here.
  (client as net.Socket).setTimeout?.(0);
  if (plane.opts.proxyTimeout) {
    timer = setTimeout(
      () =>
        cleanup(
          Object.assign(new Error('no handshake from target within --proxy-timeout'), {
            code: 'ETIMEDOUT',
          }),
        ),
      plane.opts.proxyTimeout,
    );
  }
  upstream.on('error', cleanup);
  upstream.on('close', () => cleanup());
  client.on('error', cleanup);
  client.on('close', () => cleanup());
  // Raw sockets are duplex: a half-close from one side is passed on, a full close tears down both.
  upstream.on('end', () => cleanup());
  client.on('end', () => cleanup());

  upstream.once(entry.target.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
    upstream.write(lines);
    if (head.length) upstream.write(head);
    upstream.on('data', (chunk: Buffer) => {
      if (!responded) {
        responded = true;
        if (timer) clearTimeout(timer);
      }
      entry.lastActivity = Date.now();
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
    client.on('data', (chunk: Buffer) => {
      entry.lastActivity = Date.now();
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
  });
}
