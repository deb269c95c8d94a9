/** The labhub-proxy command line the hub starts: its default command and its flags. */
import { fileURLToPath } from 'node:url';
import type { ManagedProxyOptions } from './managed-options.js';

/** The default proxy command: labhub-proxy run by the current node. */
export function defaultProxyCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/labhub-proxy.js', import.meta.url))];
}

/** configurable-http-proxy's flags for the public and API addresses, then any extra ones. */
export function proxyArgs(
  o: Pick<ManagedProxyOptions, 'apiUrl' | 'publicIp' | 'publicPort' | 'errorTarget' | 'extraArgs'>,
): string[] {
  const api = new URL(o.apiUrl);
  const ip = o.publicIp === '*' ? '' : o.publicIp;
  const args: string[] = [];
  if (ip !== undefined) args.push('--ip', ip);
  if (o.publicPort !== undefined) args.push('--port', String(o.publicPort));
  args.push(
    '--api-ip',
    api.hostname.replace(/^\[|\]$/g, ''),
    '--api-port',
    api.port || (api.protocol === 'https:' ? '443' : '80'),
  );
  if (o.errorTarget) args.push('--error-target', o.errorTarget);
  return [...args, ...(o.extraArgs ?? [])];
}

/**
 * A command line as it would be typed in a shell: empty arguments and arguments with spaces or
 * quotes are single-quoted, so `--ip ''` does not read as a missing value.
 */
export function showArgv(argv: readonly string[]): string {
  return argv
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
