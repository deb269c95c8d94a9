import { HubError } from '../errors.js';
import { isWildcardIp } from '../core/settings-from-config.js';
import type { Settings } from '../core/settings.js';

/** The address the hub's HTTP server binds (a wildcard hub_ip binds every interface). */
export function hubListenHost(settings: Settings): string {
  return isWildcardIp(settings.hubIp)
    ? settings.hubIp === '::'
      ? '::'
      : '0.0.0.0'
    : settings.hubIp;
}

/** The error to report when the hub cannot listen (port in use, no permission), else `e`. */
export function listenFailure(e: unknown, host: string, settings: Settings): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE')
    return new HubError(
      'LABHUB_ERR_PORT_IN_USE',
      500,
      `The hub port ${host}:${settings.hubPort} is already in use (JupyterHub.hub_port). Stop the other process (see 'labhub doctor') or choose another hub_port.`,
    );
  if (err.code === 'EACCES')
    return new HubError(
      'LABHUB_ERR_PORT_IN_USE',
      500,
      `No permission to listen on port ${settings.hubPort}: ports below 1024 need root.`,
    );
  return e;
}
