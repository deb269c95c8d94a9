/**
 * Echo upstream for proxy tests, on 127.0.0.1 port 0:
 *   any path          → 200 JSON {method, url, headers, body, server}
 *   /big?n=N          → N bytes of 'x'
 *   /status/<code>    → that status (with a Location header for 3xx)
 *   /hang             → never answers (until the client leaves)
 *   /die              → writes headers + part of a body, then destroys the socket
 *   WebSocket (any path) → echoes every message; first message is {"url","headers"} of the upgrade
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

export interface Echo {
  url: string;
  port: number;
  server: http.Server;
  /** Requests seen (reset freely). */
  hits: number;
  close(): Promise<void>;
}

export async function startEcho(name = 'echo'): Promise<Echo> {
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true });
  const state = { hits: 0 };
  const server = http.createServer((req, res) => {
    state.hits++;
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname.endsWith('/hang')) {
      req.resume();
      return;
    }
    if (u.pathname.endsWith('/die')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    const big = u.pathname.endsWith('/big');
    const status = /\/status\/(\d{3})$/.exec(u.pathname);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (big) {
        const n = Number(u.searchParams.get('n') ?? 65536);
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': String(n),
        });
        res.end(Buffer.alloc(n, 120));
        return;
      }
      if (status) {
        const code = Number(status[1]);
        const headers: Record<string, string> = { 'content-type': 'text/plain' };
        if (code >= 300 && code < 400)
          headers.location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/redirected`;
        res.writeHead(code, headers);
        res.end(`status ${code}`);
        return;
      }
      const body = JSON.stringify({
        server: name,
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ server: name, url: req.url, headers: req.headers }));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('error', () => ws.terminate());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    get hits() {
      return state.hits;
    },
    set hits(v: number) {
      state.hits = v;
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port with nothing listening (bound then closed), for "connection refused" targets. */
export async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
