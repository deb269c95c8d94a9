/**
 * The systemd unit and environment file `labhub install-service` writes. The hub runs as root
 * (PAM logins, servers started as each Linux user, port 80/443), so the hardening is the part of
 * systemd's sandbox that leaves those working: the kernel, clock, cgroups, modules and logs are off
 * limits, /usr and /boot are read-only, no set-uid files or real-time scheduling, a private umask,
 * and a bounded set of capabilities (no CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, …).
 * /etc stays writable: labhub may create Linux accounts (PAM, `--admin`). Node's JIT needs
 * writable+executable memory, so MemoryDenyWriteExecute is not set.
 *
 * KillMode=process: stopping or restarting the service stops the hub only; the proxy and the
 * user servers keep running and the next start adopts them (no dropped sessions on an upgrade).
 * `labhub stop --all` stops them as well.
 */

/** What the unit needs to know. */
export interface UnitOptions {
  /** The Node binary (process.execPath) and labhub's bin/labhub.js, absolute. */
  node: string;
  labhubBin: string;
  /** The config file, absolute. */
  configFile: string;
  /** The environment file (EnvironmentFile=). */
  envFile: string;
  /** file:// URL of docs/operations.md. */
  docs: string;
  /** /var/lib/<name>: working directory (database, cookie secret, ACME files by default). */
  name: string;
}

const CAPABILITIES = [
  'CAP_AUDIT_WRITE', // PAM writes login records
  'CAP_CHOWN', // server directories handed to their users
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL', // stop user servers
  'CAP_NET_BIND_SERVICE', // ports 80 and 443
  'CAP_SETGID', // start servers as their users
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_SYS_RESOURCE', // per-server resource limits
];

/** Quote one ExecStart argument for systemd (spaces, quotes, backslashes, % specifiers). */
export function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function renderUnit(o: UnitOptions): string {
  const exec = [o.node, o.labhubBin, '--config', o.configFile].map(systemdQuote).join(' ');
  return `# Written by labhub install-service; labhub uninstall-service removes it.
# Logs: journalctl -u ${o.name} -f      Settings: ${o.configFile}, ${o.envFile}
[Unit]
Description=labhub, a multi-user JupyterLab hub
Documentation=${o.docs}
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${exec}
EnvironmentFile=-${o.envFile}
WorkingDirectory=/var/lib/${o.name}
StateDirectory=${o.name}
StateDirectoryMode=0700
LogsDirectory=${o.name}
LogsDirectoryMode=0700
Restart=on-failure
RestartSec=5s
TimeoutStopSec=30s
# The proxy and user servers outlive a restart of the hub, which adopts them again.
KillMode=process
LimitNOFILE=65536
UMask=0077

NoNewPrivileges=yes
ProtectSystem=true
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
CapabilityBoundingSet=${CAPABILITIES.join(' ')}

[Install]
WantedBy=multi-user.target
`;
}

/** The environment file: commented examples; the hub's secrets stay in their own files. */
export function renderEnvFile(): string {
  return `# Environment of the labhub service (mode 600: it may hold tokens).
# Changes apply at the next: systemctl restart labhub
#
# Log level (debug, info, warn, error):
#LABHUB_LOG_LEVEL=info
# JSON log lines instead of text:
#LABHUB_LOG_FORMAT=json
# The proxy API token shared with an external proxy:
#CONFIGPROXY_AUTH_TOKEN=
`;
}
