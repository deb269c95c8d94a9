import type { ProxyServerOptions } from '../options.js';
import type { PublicBind } from './config.js';

/** How labhub-proxy starts HAProxy (--engine haproxy). */
export interface HaproxyEngineOptions {
  bin: string;
  bind: PublicBind;
  /**
   * The options of the public port as given (the Node plane behind HAProxy runs without TLS
   * and without adding X-Forwarded-*, which HAProxy does).
   */
  publicOpts: ProxyServerOptions;
  /** HAProxy threads (--workers); undefined = one per CPU. */
  threads?: number;
  sslProtocol?: string;
  sslCiphers?: string;
}
