/** Options of {@link ManagedProxy}. */
export interface ManagedProxyOptions {
  /** REST API base URL, e.g. "http://127.0.0.1:8001" (its host/port become --api-ip/--api-port). */
  apiUrl: string;
  authToken: string;
  /** Command line of the proxy; default: this node + labhub's bin/labhub-proxy.js. */
  command?: string[];
  /** Start a proxy when none answers (default true); false = an external proxy must be running. */
  shouldStart?: boolean;
  /** Public listener: '' / '*' / '0.0.0.0' = all interfaces (no name resolution involved). */
  publicIp?: string;
  publicPort?: number;
  errorTarget?: string;
  extraArgs?: string[];
  /** Pid file of the started proxy; a stale one (dead process) is removed and reported. */
  pidFile?: string;
  hostRouting?: boolean;
  /** Health check period (ms, default 5000). */
  checkInterval?: number;
  /** How long a started proxy may take to answer its API (ms, default 10 000). */
  startTimeout?: number;
  /** Retry window of API calls (ms, default 30 000); see ChpClient. */
  retryFor?: number;
  env?: Record<string, string>;
  /**
   * A new API token to switch to the next time this starts a proxy process (never when it adopts
   * one): how the hub replaces a token that may have leaked without dropping connections now.
   * `onTokenReplaced` is awaited with it once the new proxy answers (the hub stores it).
   */
  replacementToken?: string;
  onTokenReplaced?: (token: string) => Promise<void>;
  log?: {
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
    debug?(msg: string): void;
  };
}
