/** Options of the labhub-proxy data plane (what the CLI flags turn into). */
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { ProxyLogger } from './log.js';

export interface ProxyServerOptions {
  /** REST API token (CONFIGPROXY_AUTH_TOKEN); empty/undefined = unauthenticated API. */
  authToken?: string;
  /** Route "/" to this target at start. */
  defaultTarget?: string;
  /** Fetch `<errorTarget>/<code>?url=<path>` for 404/503 pages. */
  errorTarget?: string;
  /** Serve `<errorPath>/<code>.html` (or error.html) for 404/503 pages. */
  errorPath?: string;
  /** Use the Host header as the first path segment when routing. */
  hostRouting?: boolean;
  /** Prepend the target URL's path to the forwarded path (default true). */
  prependPath?: boolean;
  /** Keep the matched route prefix in the forwarded path (default true). */
  includePrefix?: boolean;
  /** Add X-Forwarded-For/-Port/-Proto/-Host (default true). */
  xForward?: boolean;
  /** Extra headers set on every proxied request. */
  customHeaders?: Record<string, string>;
  /** Do not verify upstream TLS certificates. */
  insecure?: boolean;
  /** Client-side (proxy → target) TLS material. */
  clientTls?: SecureContextOptions;
  /** Idle timeout (ms) of an incoming HTTP request's socket; 0/undefined = none. */
  timeout?: number;
  /** Time (ms) to wait for the target's response headers and between body chunks. */
  proxyTimeout?: number;
  /** Keep-alive timeout (ms) of client connections (default 5000). */
  keepAliveTimeout?: number;
  /** Rewrite Location host (auto) / protocol of redirects pointing at the target. */
  autoRewrite?: boolean;
  protocolRewrite?: string;
  /** Set Host to the target's host. */
  changeOrigin?: boolean;
  /** TLS for the public listener and the API listener. */
  ssl?: TlsOptions;
  apiSsl?: TlsOptions;
  /** Re-read the public listener's TLS files (POST /api/tls/reload); the CLI re-reads its flags. */
  loadSsl?: () => TlsOptions | undefined;
  /** Idle keep-alive sockets kept per upstream origin (older ones are closed). Default 64. */
  maxIdlePerTarget?: number;
  enableMetrics?: boolean;
  /**
   * The Node plane serves behind HAProxy (--engine haproxy): a request carrying HAProxy's
   * original-URL header is routed by that URL (HAProxy had rewritten its path).
   */
  behindHaproxy?: boolean;
  log: ProxyLogger;
}
