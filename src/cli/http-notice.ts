/**
 * What `labhub` prints after start when people's passwords would cross the network in clear
 * text: the hub's own proxy serves plain HTTP on an interface other than loopback. It names the
 * one line that turns HTTPS on, for the config file actually in use.
 */
import { basename, extname } from 'node:path';
import type { RuntimeInfo } from '../core/runtime-info.js';
import type { Settings } from '../core/settings.js';

/** true for addresses only this machine can reach. */
export function isLoopbackIp(ip: string): boolean {
  return ip === 'localhost' || ip === '::1' || /^127\./.test(ip);
}

/** The line that sets `Labhub.generate_self_signed_cert` in a config file of this kind. */
function settingLine(configFile: string): string {
  const ext = extname(configFile).toLowerCase();
  if (ext === '.py') return 'c.Labhub.generate_self_signed_cert = True';
  if (ext === '.json') return '"Labhub": { "generate_self_signed_cert": true }';
  if (ext === '.toml') return '[Labhub]\n      generate_self_signed_cert = true';
  if (ext === '.yaml' || ext === '.yml') return 'Labhub: { generate_self_signed_cert: true }';
  return 'Labhub.generate_self_signed_cert: true';
}

/**
 * The warning, or null when logins do not travel in clear text from here: HTTPS is on, the
 * public URL is https (TLS ends in front of labhub), the hub listens on loopback only, or the
 * proxy is someone else's (`should_start: false`). `tls`: the HTTPS files the hub serves
 * (RuntimeInfo), configured or generated. `configFile`: the file loaded, if any.
 */
export function plainHttpNotice(
  s: Pick<Settings, 'ip' | 'port' | 'publicUrl'> & {
    proxy: Pick<Settings['proxy'], 'shouldStart' | 'pidFile'>;
  },
  tls: RuntimeInfo['tls'],
  configFile: string | null,
): string | null {
  if (tls || !s.proxy.shouldStart || isLoopbackIp(s.ip)) return null;
  if (s.publicUrl?.toLowerCase().startsWith('https:')) return null;
  const where =
    s.ip === '' || s.ip === '*' || s.ip === '0.0.0.0' || s.ip === '::'
      ? `on all interfaces, port ${s.port}`
      : `on ${s.ip}, port ${s.port}`;
  const turnOn = configFile
    ? `add to ${basename(configFile)}:\n      ${settingLine(configFile)}`
    : `run in this directory:\n      echo 'Labhub: { generate_self_signed_cert: true }' > labhub.yaml`;
  return (
    `\n  Warning: labhub serves plain HTTP ${where}, so logins (and the\n` +
    '  passwords in them) cross the network in clear text until HTTPS is on.\n' +
    `  To turn HTTPS on with a self-signed certificate, ${turnOn}\n` +
    `  then stop labhub (Ctrl-C) and its proxy (kill $(cat ${s.proxy.pidFile})), and start it again.\n` +
    '  With a certificate of your own, set JupyterHub.ssl_cert and JupyterHub.ssl_key instead\n' +
    '  (docs/classic-deployment.md, step 5).\n\n'
  );
}
