/** The hub's proxy process (started or adopted): its command-line flags from the settings. */
import type { Logger } from '../log.js';
import type { Settings } from '../core/settings.js';
import type { planProxyToken } from '../core/proxy-token.js';
import type { RuntimeInfo } from '../core/runtime-info.js';
import { ManagedProxy } from '../proxy/managed.js';

export function createHubProxy(o: {
  settings: Settings;
  tokenPlan: Awaited<ReturnType<typeof planProxyToken>>;
  tls: RuntimeInfo['tls'];
  redirectPort: number | null | undefined;
  hubTarget: string;
  log: Logger;
}): ManagedProxy {
  const { settings, tokenPlan, tls, redirectPort, hubTarget, log } = o;
  const tlsArgs = tls
    ? [
        '--ssl-cert',
        tls.certFile,
        '--ssl-key',
        tls.keyFile,
        ...(redirectPort
          ? ['--redirect-port', String(redirectPort), '--redirect-to', String(settings.port)]
          : []),
      ]
    : [];
  return new ManagedProxy({
    apiUrl: settings.proxy.apiUrl,
    authToken: tokenPlan.token,
    replacementToken: tokenPlan.replacementToken,
    onTokenReplaced: tokenPlan.onTokenReplaced,
    command: settings.proxy.command ? [...settings.proxy.command] : undefined,
    shouldStart: settings.proxy.shouldStart,
    publicIp: settings.ip,
    publicPort: settings.port,
    errorTarget: `${hubTarget}${settings.hubPrefix}error`,
    extraArgs: [
      ...tlsArgs,
      ...(settings.proxy.debug ? ['--log-level', 'debug'] : []),
      // Only the bundled labhub-proxy knows --engine (CHP would refuse the flag).
      ...(settings.proxy.command ? [] : ['--engine', settings.proxyEngine]),
    ],
    pidFile: settings.proxy.pidFile,
    checkInterval: settings.proxy.checkInterval * 1000,
    log: {
      info: (m) => log.info({ component: 'proxy' }, m),
      warn: (m) => log.warn({ component: 'proxy' }, m),
      error: (m) => log.error({ component: 'proxy' }, m),
    },
  });
}
