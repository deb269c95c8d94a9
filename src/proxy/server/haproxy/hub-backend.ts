/**
 * The hub route's replicas in HAProxy (docs/high-availability.md, "Hub traffic over the healthy
 * replicas"). A route whose data lists `hub_targets` is sent by HAProxy to the backend `hubs`
 * (config.ts), one server per hub URL, health-checked on `GET /hub/health` every second,
 * round robin, a connection failure retried on another server (`retry-on conn-failure
 * empty-response`, `option redispatch`; L7 retries only for GET, HEAD and OPTIONS). The servers
 * follow the list at run time through the runtime API: `add server` for a new URL, `disable
 * server` then `del server` (once it has no connection left, retried every two seconds) for a
 * URL that left, so a change of the replica set needs no reload and cuts no request.
 *
 * HAProxy checks one fixed path (`/hub/health`), so only the hub route `/` whose targets are
 * plain `http://<IP literal>:<port>` URLs is served this way; any other route with `hub_targets`
 * (a base_url, host routing, hostnames) goes to the Node plane behind HAProxy, which spreads it
 * itself (hub-targets.ts).
 */
import net from 'node:net';
import type { RouteEntry } from '../routes.js';
import type { RuntimeApi } from './runtime.js';

export const HUB_BACKEND = 'hubs';
/** Health checks and passive checks of each dynamic server (they do not inherit default-server). */
const SERVER_OPTS = 'check inter 1s fall 1 rise 1 observe layer4 error-limit 1 on-error mark-down';

/** The `ip:port` of each hub target when HAProxy can serve the route itself, else null. */
export function nativeHubTargets(e: RouteEntry, hostRouting: boolean | undefined): string[] | null {
  const raw = e.data.hub_targets;
  if (hostRouting || e.path !== '/' || !Array.isArray(raw) || raw.length === 0) return null;
  const out: string[] = [];
  for (const t of raw) {
    let u: URL;
    try {
      u = new URL(String(t));
    } catch {
      return null;
    }
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    if (u.protocol !== 'http:' || !net.isIP(host) || (u.pathname !== '/' && u.pathname !== ''))
      return null;
    const addr = `${net.isIPv6(host) ? `[${host}]` : host}:${u.port || '80'}`;
    if (!out.includes(addr)) out.push(addr);
  }
  return out;
}

/** A server name for an address (letters, digits, '_', '.', '-' only). */
function nameOf(addr: string): string {
  return 'h_' + addr.replace(/[^A-Za-z0-9.]/g, '_');
}

export class HubBackend {
  /** Servers in HAProxy now: name → address. */
  private servers = new Map<string, string>();
  /** Disabled servers whose `del server` waits for their last connection. */
  private leaving = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly api: RuntimeApi,
    private readonly log: {
      info: (msg: string, ...args: unknown[]) => void;
      warn: (msg: string, ...args: unknown[]) => void;
    },
  ) {}

  /** HAProxy was (re)started: it has none of our servers. */
  reset(): void {
    this.servers.clear();
    this.leaving.clear();
  }

  /** Make the backend's servers the addresses of `want` (runtime API commands, in order). */
  async sync(want: string[]): Promise<void> {
    const wanted = new Map(want.map((a) => [nameOf(a), a]));
    for (const [name, addr] of wanted) {
      if (this.servers.get(name) === addr && !this.leaving.has(name)) continue;
      if (this.leaving.delete(name)) {
        // Came back before it could be deleted: serve it again.
        await this.run(`enable server ${HUB_BACKEND}/${name}`);
        continue;
      }
      const a = await this.run(`add server ${HUB_BACKEND}/${name} ${addr} ${SERVER_OPTS}`);
      if (!/registered/i.test(a)) {
        this.log.warn('haproxy refused hub server %s: %s', addr, a.trim());
        continue;
      }
      this.servers.set(name, addr);
      await this.run(`enable health ${HUB_BACKEND}/${name}`);
      await this.run(`enable server ${HUB_BACKEND}/${name}`);
      this.log.info('HAProxy: hub replica %s added to the backend %s', addr, HUB_BACKEND);
    }
    for (const name of this.servers.keys()) {
      if (wanted.has(name) || this.leaving.has(name)) continue;
      await this.run(`disable server ${HUB_BACKEND}/${name}`);
      this.leaving.add(name);
    }
    await this.deleteLeaving();
  }

  /** `del server` for each disabled server; those with connections left are tried again later. */
  private async deleteLeaving(): Promise<void> {
    for (const name of [...this.leaving]) {
      const a = await this.run(`del server ${HUB_BACKEND}/${name}`);
      if (/deleted/i.test(a)) {
        this.log.info('HAProxy: hub replica %s removed', this.servers.get(name));
        this.leaving.delete(name);
        this.servers.delete(name);
      }
    }
    if (this.leaving.size && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.api.connected) void this.deleteLeaving().catch(() => undefined);
      }, 2000);
      this.timer.unref();
    }
  }

  private run(cmd: string): Promise<string> {
    return this.api.run(cmd);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
