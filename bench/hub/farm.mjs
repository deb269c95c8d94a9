#!/usr/bin/env node
// The "tiny single-user servers" of the hub benchmark. One farm process per hub; its control API
// (127.0.0.1, port from argv or 0) opens an HTTP listener on a free loopback port at once for each
// server start, closes it on stop, and says whether it is still open on poll. The servers answer
// every request with 200 and X-JupyterHub-Version, like a single-user server's /api would.
// The farm outlives hub restarts, so "running servers" survive a hub restart as real ones would.
//
//   node bench/hub/farm.mjs [port]      prints {"port": N} on its first stdout line
//   POST /start           -> {"port": N}
//   POST /stop?port=N     -> {"stopped": true|false}
//   GET  /poll?port=N     -> {"running": true|false}
//   GET  /count           -> {"running": N}
import http from 'node:http';

const servers = new Map();

function tinyServer() {
  return new Promise((resolve, reject) => {
    const s = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'x-jupyterhub-version': '6.1.1' });
      res.end('{"version":"bench"}');
    });
    s.keepAliveTimeout = 1000;
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

function send(res, code, body) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const control = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  req.resume();
  try {
    if (req.method === 'POST' && url.pathname === '/start') {
      const s = await tinyServer();
      const port = s.address().port;
      servers.set(port, s);
      return send(res, 200, { port });
    }
    const port = Number(url.searchParams.get('port'));
    if (req.method === 'POST' && url.pathname === '/stop') {
      const s = servers.get(port);
      servers.delete(port);
      if (s) {
        s.close();
        s.closeAllConnections?.();
      }
      return send(res, 200, { stopped: !!s });
    }
    if (req.method === 'GET' && url.pathname === '/poll')
      return send(res, 200, { running: servers.has(port) });
    if (req.method === 'GET' && url.pathname === '/count')
      return send(res, 200, { running: servers.size });
    send(res, 404, { error: `no such farm endpoint: ${req.method} ${url.pathname}` });
  } catch (e) {
    send(res, 500, { error: String(e?.message ?? e) });
  }
});
control.keepAliveTimeout = 30_000;
control.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: control.address().port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
