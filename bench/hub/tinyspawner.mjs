// labhub half of the benchmark's test spawner; tinyspawner.py is the JupyterHub half and does
// the same: start() asks the farm (bench/hub/farm.mjs, at $BENCH_FARM_URL) to open a tiny HTTP
// server and returns its URL at once; stop() closes it; poll() asks whether it is still open.
// The state persisted in the database is {"port": N}, so a restarted hub reattaches.
//
// The shared jupyterhub_config.py names it `tinyspawner.TinySpawner`: JupyterHub imports
// tinyspawner.py from PYTHONPATH; labhub finds this file through LABHUB_PLUGIN_PATH (the alias
// below must list that class path).
import { request } from 'undici';

const farm = () => {
  const u = process.env.BENCH_FARM_URL;
  if (!u)
    throw new Error(
      'BENCH_FARM_URL is not set: the tiny spawner needs the farm (bench/hub/farm.mjs)',
    );
  return u.replace(/\/$/, '');
};

// undici's request() rather than fetch(): the same HTTP call with less overhead (the Python
// half uses tornado's AsyncHTTPClient, its stack's plain client).
async function call(method, path) {
  const r = await request(`${farm()}${path}`, { method });
  if (r.statusCode !== 200) throw new Error(`farm ${method} ${path}: HTTP ${r.statusCode}`);
  return r.body.json();
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
