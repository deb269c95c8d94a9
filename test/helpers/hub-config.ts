/** The config pieces every in-test hub shares: its loopback ports and where its files go. */
import { join } from 'node:path';
import { freePort } from './ports.js';

export type ConfigObject = Record<string, Record<string, unknown>>;

export interface HubPorts {
  /** The public (proxy) port. */
  port: number;
  /** The hub's own port. */
  hubPort: number;
  /** The proxy's REST API port. */
  apiPort: number;
}

export async function freeHubPorts(): Promise<HubPorts> {
  return { port: await freePort(), hubPort: await freePort(), apiPort: await freePort() };
}

/** Ports on 127.0.0.1, database, cookie secret, proxy pid file and server logs in `dir`. */
export function hubPlaces(dir: string, p: HubPorts): ConfigObject {
  return {
    JupyterHub: {
      ip: '127.0.0.1',
      port: p.port,
      hub_port: p.hubPort,
      db_url: `sqlite:///${join(dir, 'hub.sqlite')}`,
      cookie_secret_file: join(dir, 'cookie_secret'),
    },
    ConfigurableHTTPProxy: {
      api_url: `http://127.0.0.1:${p.apiPort}`,
      pid_file: join(dir, 'proxy.pid'),
    },
    Labhub: { server_log_dir: join(dir, 'server-logs') },
  };
}

/** `b` over `a`, class by class. */
export function mergeConfig(...parts: ConfigObject[]): ConfigObject {
  const out: ConfigObject = {};
  for (const part of parts)
    for (const [cls, traits] of Object.entries(part)) out[cls] = { ...(out[cls] ?? {}), ...traits };
  return out;
}
