/** The hub's message when its proxy could not open a port: which setting, and what to do. */
import { HubError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Settings } from './settings.js';

/** A proxy that could not bind its public (or redirect) port: name the setting and the fix. */
export function explainProxyFailure(
  e: unknown,
  s: Settings,
  redirectPort: number,
  log: Logger,
): unknown {
  const text = e instanceof Error ? e.message : String(e);
  const m = /EADDRINUSE[^\n]*?:(\d+)\b/.exec(text) ?? /EACCES[^\n]*?:(\d+)\b/.exec(text);
  if (!m) return e;
  const port = Number(m[1]);
  const which =
    port === s.port
      ? 'public port (JupyterHub.port)'
      : port === redirectPort
        ? 'HTTP redirect port (Labhub.http_redirect_port)'
        : 'proxy API port (ConfigurableHTTPProxy.api_url)';
  log.error(`proxy: ${text}`);
  return text.includes('EACCES')
    ? new HubError(
        'LABHUB_ERR_PORT_IN_USE',
        500,
        `The ${which} ${port} needs root: ports below 1024 can only be opened by root. Run labhub as root, or choose a port of 1024 or more. Nothing was left running.`,
      )
    : new HubError(
        'LABHUB_ERR_PORT_IN_USE',
        500,
        `The ${which} ${port} is already in use by another program, so the proxy could not start. See which: ss -ltnp 'sport = :${port}'. Stop it, or choose another port. Nothing was left running.`,
      );
}
