import { loadConfig, type LoadedConfig } from '../config/index.js';
import { dbTightenedMessage, type OpenDbOptions } from '../db/index.js';

/** Command-line flags that map onto config traits. */
export interface StartFlags {
  config?: string;
  ip?: string;
  port?: number;
  hubPort?: number;
  db?: string;
  authenticator?: string;
  admin?: string;
  logLevel?: string;
}

export function flagOverrides(f: StartFlags): Record<string, Record<string, unknown>> {
  const hub: Record<string, unknown> = {};
  if (f.ip !== undefined) hub.ip = f.ip;
  if (f.port !== undefined) hub.port = f.port;
  if (f.hubPort !== undefined) hub.hub_port = f.hubPort;
  if (f.db !== undefined) hub.db_url = f.db;
  if (f.authenticator !== undefined) hub.authenticator_class = f.authenticator;
  return Object.keys(hub).length ? { JupyterHub: hub } : {};
}

export function loadWithFlags(f: StartFlags): LoadedConfig {
  return loadConfig({ file: f.config, overrides: flagOverrides(f) });
}

/** Database files made private while a command opens them: said on stderr (stdout is output). */
export const cliDbOptions: OpenDbOptions = {
  onTightened: (t) => process.stderr.write(`labhub: warning: ${dbTightenedMessage(t)}\n`),
  onExposed: (m) => process.stderr.write(`labhub: warning: ${m}\n`),
};
