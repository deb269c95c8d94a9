#!/usr/bin/env node
// Starts labhub (dist/, `npm run build` first) like `node bin/labhub.js --config FILE --port P
// --hub-port H` does, plus the per-hub settings the CLI has no flag for: the proxy API URL
// (ConfigurableHTTPProxy.api_url), optionally the proxy command and the Kubernetes namespace.
// Used by the benchmarks (bench/hub, bench/kubernetes, bench/auth) so both hubs read the same
// jupyterhub_config.py and differ only in command-line overrides.
//
//   node bench/lib/labhub-start.mjs --config F --port P --hub-port H --proxy-api-url URL
//                                   [--proxy-command CMD] [--namespace NS] [--log-level L]
import { parseArgs } from 'node:util';
import { statSync } from 'node:fs';
// As bin/labhub.js: the V8 heap settings before the hub's modules are loaded, then the esbuild
// bundle's library entries when they are at least as new as tsc's output (LABHUB_NO_BUNDLE=1:
// tsc's output).
import '../../dist/cli/v8-heap.js';
const mtime = (u) =>
  statSync(new URL(u, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const bundled =
  !process.env.LABHUB_NO_BUNDLE && mtime('../../dist/bundle/hub.js') >= mtime('../../dist/hub.js');
const from = (bundle, modules) =>
  import(bundled ? `../../dist/bundle/${bundle}` : `../../dist/${modules}`);
const { loadConfig } = await from('config.js', 'config/index.js');
const { Hub } = await from('hub.js', 'hub.js');
const { createLogger } = await from('log.js', 'log.js');

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string' },
    'hub-port': { type: 'string' },
    'proxy-api-url': { type: 'string' },
    'proxy-command': { type: 'string' },
    namespace: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const overrides = { JupyterHub: {}, ConfigurableHTTPProxy: {} };
if (values.port) overrides.JupyterHub.port = Number(values.port);
if (values['hub-port']) overrides.JupyterHub.hub_port = Number(values['hub-port']);
if (values['proxy-api-url']) overrides.ConfigurableHTTPProxy.api_url = values['proxy-api-url'];
if (values['proxy-command']) overrides.ConfigurableHTTPProxy.command = [values['proxy-command']];
if (values.namespace) overrides.KubeSpawner = { namespace: values.namespace };
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
