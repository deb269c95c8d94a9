// labhub half of the benchmark's test spawner; tinyspawner.py is the JupyterHub half and does
// the same: start() asks the farm (bench/hub/farm.mjs, at $BENCH_FARM_URL) to open a tiny HTTP
// server and returns its URL at once; stop() closes it; poll() asks whether it is still open.
// The state persisted in the database is {"port": N}, so a restarted hub reattaches.
//
// The shared jupyterhub_config.py names it `tinyspawner.TinySpawner`: JupyterHub imports
// tinyspawner.py from PYTHONPATH; labhub finds this file through LABHUB_PLUGIN_PATH (the alias
// below must list that class path).
import http from 'node:http';

const farm = () => {
  const u = process.env.BENCH_FARM_URL;
  if (!u)
    throw new Error(
      'BENCH_FARM_URL is not set: the tiny spawner needs the farm (bench/hub/farm.mjs)',
    );
  return new URL(u).origin;
};

// node:http, the HTTP stack the hub already has loaded (the Python half uses tornado's client,
// its stack's own; a plugin importing the undici package would load a second copy of it into the
// hub). At most 10 connections to the farm at once, the rest queued, as tornado's AsyncHTTPClient
// (max_clients=10): a client without a cap opened one per concurrent call (500 when a restarted
// hub polls 500 servers) and kept them open for the farm's 30 s keep-alive, sockets that the
// hub's memory figure would count although JupyterHub's side has none of them.
const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
function call(method, path) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${farm()}${path}`, { method, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200)
          reject(new Error(`farm ${method} ${path}: HTTP ${res.statusCode}`));
        else resolve(JSON.parse(body));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

class TinySpawner {
  port = null;
  async start() {
    const { port } = await call('POST', '/start');
    this.port = port;
    return { url: `http://127.0.0.1:${port}` };
  }
  async stop() {
    if (this.port !== null) await call('POST', `/stop?port=${this.port}`);
    this.port = null;
  }
  async poll() {
    if (this.port === null) return 0;
    const { running } = await call('GET', `/poll?port=${this.port}`);
    return running ? null : 0;
  }
  getState() {
    return this.port === null ? {} : { port: this.port };
  }
  loadState(s) {
    this.port = typeof s?.port === 'number' ? s.port : null;
  }
}

/** @type {import('../../src/spawner/types.js').SpawnerDefinition} */
export default {
  id: 'bench-tiny',
  aliases: ['tinyspawner.TinySpawner'],
  configClasses: ['Spawner'],
  create: () => new TinySpawner(),
};
