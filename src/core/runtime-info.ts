/**
 * What the hub finds out while it starts, kept apart from its settings (which are derived from
 * the config alone and frozen): the port the OS gave the hub API, the HTTPS files in use.
 */
export interface RuntimeInfo {
  /** The port the hub API listens on: JupyterHub.hub_port, or the one the OS chose for 0. */
  hubPort: number;
  /** HTTPS files the proxy serves (configured, or the self-signed pair); null for plain HTTP. */
  tls: { certFile: string; keyFile: string } | null;
}
