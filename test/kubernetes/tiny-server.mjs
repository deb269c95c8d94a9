// A stand-in single-user server for the kubernetes spawner tests: listens where
// JUPYTERHUB_SERVICE_URL says (the node agent puts the pod IP in place of 0.0.0.0) and answers
// 200 to any path. Ends on SIGTERM like a server asked to stop.
import { createServer } from 'node:http';

const url = new URL(process.env.JUPYTERHUB_SERVICE_URL ?? 'http://127.0.0.1:8888/');
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ path: req.url, user: process.env.JUPYTERHUB_USER ?? null }));
});
server.listen(Number(url.port), url.hostname);
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections(); // keep-alive clients (fetch) would hold close() for seconds
});
