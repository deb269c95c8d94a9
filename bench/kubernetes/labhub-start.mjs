#!/usr/bin/env node
// Starts labhub (dist/, `npm run build` first) like bench/hub/labhub-start.mjs, plus
// KubeSpawner.namespace from the command line (JupyterHub gets --KubeSpawner.namespace=…).
//
//   node bench/kubernetes/labhub-start.mjs --config F --port P --hub-port H --proxy-api-url URL --namespace NS
import { parseArgs } from 'node:util';
import { loadConfig } from '../../dist/config/index.js';
import { Hub } from '../../dist/hub.js';
import { createLogger } from '../../dist/log.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string' },
    'hub-port': { type: 'string' },
    'proxy-api-url': { type: 'string' },
    namespace: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const overrides = {
  JupyterHub: { port: Number(values.port), hub_port: Number(values['hub-port']) },
  ConfigurableHTTPProxy: { api_url: values['proxy-api-url'] },
  KubeSpawner: { namespace: values.namespace },
};
const log = createLogger({ level: values['log-level'] });
const hub = new Hub({ loaded: loadConfig({ file: values.config, overrides }), log });
await hub.start();
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await hub.stop().catch((e) => log.error({ err: e }, 'error while stopping'));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
