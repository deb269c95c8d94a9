/**
 * Suspicious values and old value forms. Before validation: `set('jupyter')`, the old
 * `load_groups` form, `%U`. After validation: settings that are valid but probably not what
 * the operator meant (hub_port on a public port, nobody allowed to log in, statsd without host…).
 */
import { HubError } from '../errors.js';
import type { ConfigWarning, RawConfig, RawEntry } from './raw.js';
import type { Explicit } from './validate.js';

const LETTER_MEANING: Record<string, (letters: string) => string> = {
  admin_users: (l) => `make users ${l} admins`,
  allowed_users: (l) => `allow users ${l} to log in`,
  blocked_users: (l) => `block users ${l}`,
  allowed_groups: (l) => `let members of groups ${l} log in`,
  admin_groups: (l) => `make members of groups ${l} admins`,
};

function py(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Warnings and value fixes that need the raw entries (before validation). */
export function checkRaw(raw: RawConfig, out: ConfigWarning[]): void {
  for (const [cls, trait, e] of raw.entries()) {
    const key = `${cls}.${trait}`;
    for (const s of e.suspicious ?? []) {
      const unique =
        s.callee === 'set' || s.callee === 'frozenset' ? [...new Set(s.literal)] : [...s.literal];
      const letters = unique.map((c) => `'${c}'`).join(', ');
      const meaning = (LETTER_MEANING[trait] ?? ((l: string) => `use the one-letter values ${l}`))(
        unique.join(', '),
      );
      const orig = e.originalKey ?? key;
      const jhNote = orig.endsWith('group_whitelist')
        ? ' (had it not ignored group_whitelist altogether)'
        : '';
      const written =
        s.callee === 'list' || s.callee === 'tuple' ? `[${py(s.literal)}]` : `{${py(s.literal)}}`;
      out.push({
        code: 'LABHUB_WARN_CONFIG_SET_OF_LETTERS',
        key,
        file: e.file,
        line: e.line,
        level: 'warning',
        message:
          `${e.file ? `${e.file}:${e.line}: ` : ''}${s.callee}(${py(s.literal)}) is, in Python, the collection of its letters {${letters}}: ` +
          `JupyterHub would ${meaning}${jhNote}. labhub treats it as ${written}, which is what was obviously meant. ` +
          `Write ${written} (YAML: [${s.literal}]) to make this explicit.`,
      });
      e.notes.push(
        `${s.callee}(${py(s.literal)}) read as ${written} (in Python it is the set of its letters)`,
      );
    }
    if (
      key === 'JupyterHub.load_groups' &&
      e.value &&
      typeof e.value === 'object' &&
      !Array.isArray(e.value)
    ) {
      const groups = e.value as Record<string, unknown>;
      const old = Object.keys(groups).filter((g) => Array.isArray(groups[g]));
      if (old.length) {
        e.value = Object.fromEntries(
          Object.entries(groups).map(([g, v]) => [g, Array.isArray(v) ? { users: v } : v]),
        );
        out.push({
          code: 'LABHUB_WARN_CONFIG_OLD_FORM',
          key,
          file: e.file,
          line: e.line,
          level: 'warning',
          message: `JupyterHub.load_groups uses the old form \`name: [users]\` for ${old.join(', ')} (deprecated in JupyterHub 3.2); labhub reads it as \`name: {users: [...]}\`. Write that form instead.`,
        });
        e.notes.push('old load_groups form `name: [users]` converted to `name: {users: [...]}`');
      }
    }
  }
}

function entryOf(raw: RawConfig, cls: string, trait: string): Partial<RawEntry> {
  return raw.get(cls, trait) ?? {};
}

/** Warnings about valid but probably unintended settings. `config` is the resolved config. */
export function checkResolved(
  raw: RawConfig,
  explicit: Explicit,
  config: Record<string, Record<string, unknown>>,
  out: ConfigWarning[],
): void {
  const hub = config.JupyterHub!;
  const push = (
    code: string,
    key: string,
    message: string,
    level: 'warning' | 'info' = 'warning',
  ) => {
    const [c, t] = key.split('.') as [string, string];
    const e = entryOf(raw, c, t);
    out.push({ code, key, file: e.file, line: e.line, message, level });
  };
  const hubX = explicit.JupyterHub ?? {};

  if (raw.get('JupyterHub', 'ip')?.value === '*') {
    push(
      'LABHUB_WARN_CONFIG_WILDCARD_IP',
      'JupyterHub.ip',
      "JupyterHub.ip = '*' means all interfaces; labhub binds all interfaces (the same as '').",
      'info',
    );
  }
  const hubPort = hub.hub_port as number;
  if ([80, 443, 8000].includes(hubPort) && !('port' in hubX) && !('bind_url' in hubX)) {
    push(
      'LABHUB_WARN_CONFIG_HUB_PORT_PUBLIC',
      'JupyterHub.hub_port',
      `JupyterHub.hub_port = ${hubPort} only moves the hub's internal API port (the proxy and user servers talk to the hub there); ` +
        `users still connect on JupyterHub.port, which is ${String(hub.port)}. To serve users on port ${hubPort}, set JupyterHub.port = ${hubPort} ` +
        `(and leave hub_port at its default 8081).${hubPort === hub.port ? ` As written, the hub and the proxy would both try to listen on port ${hubPort}.` : ''}`,
    );
  }
  if ('statsd_prefix' in hubX && !hub.statsd_host) {
    push(
      'LABHUB_WARN_CONFIG_STATSD_NO_HOST',
      'JupyterHub.statsd_prefix',
      'JupyterHub.statsd_prefix is set but JupyterHub.statsd_host is not, so no statsd metrics will be sent. Set JupyterHub.statsd_host (and statsd_port, default 8125) to send them; Prometheus metrics are always at /hub/metrics.',
    );
  }
  if ('bind_url' in hubX && ['ip', 'port', 'base_url'].some((k) => k in hubX)) {
    push(
      'LABHUB_WARN_CONFIG_BIND_URL',
      'JupyterHub.bind_url',
      `Both JupyterHub.bind_url and ip/port/base_url are set; as in JupyterHub, ip/port/base_url win, so labhub binds ${String(hub.bind_url)}. Set only bind_url.`,
    );
  }
  for (const s of (hub.services as { name: string; admin?: boolean }[]) ?? []) {
    if (s.admin !== undefined) {
      push(
        'LABHUB_WARN_CONFIG_SERVICE_ADMIN',
        'JupyterHub.services',
        `Service ${JSON.stringify(s.name)} uses \`admin\`, deprecated since JupyterHub 2.0; labhub still ${s.admin ? 'gives it the admin role' : 'reads it'}. Use load_roles: [{name: admin, services: [${s.name}]}] instead.`,
      );
    }
  }

  const auth = Object.entries(explicit).filter(([c]) => c.endsWith('Authenticator'));
  const emptyAllowed = auth.find(
    ([, t]) => Array.isArray(t.allowed_users) && t.allowed_users.length === 0,
  );
  if (emptyAllowed) {
    const anyAllowed = auth.some(
      ([, t]) =>
        t.allow_all === true ||
        (Array.isArray(t.allowed_users) && t.allowed_users.length > 0) ||
        (Array.isArray(t.allowed_groups) && t.allowed_groups.length > 0),
    );
    if (!anyAllowed) {
      const e = entryOf(raw, emptyAllowed[0], 'allowed_users');
      out.push({
        code: 'LABHUB_WARN_CONFIG_NOBODY_ALLOWED',
        key: `${emptyAllowed[0]}.allowed_users`,
        file: e.file,
        line: e.line,
        level: 'warning',
        message:
          `${e.originalKey ?? `${emptyAllowed[0]}.allowed_users`} is set to an empty set and nothing else allows anyone: only admin_users can log in. ` +
          'Set Authenticator.allow_all = true, LocalAuthenticator.allowed_groups, or list users in allowed_users.',
      });
    }
  }
}

/** Normalises wildcard IPs and fills the JupyterHub defaults computed from other traits. */
export function deriveHub(
  hub: Record<string, unknown>,
  explicitHub: Record<string, unknown>,
): void {
  for (const k of ['ip', 'hub_ip']) if (hub[k] === '*') hub[k] = '';
  let base = String(hub.base_url);
  if (!base.startsWith('/')) base = `/${base}`;
  if (!base.endsWith('/')) base = `${base}/`;
  hub.base_url = base;
  const proto = hub.ssl_cert ? 'https' : 'http';
  const partsSet = ['ip', 'port', 'base_url'].some((k) => k in explicitHub);
  if (typeof hub.bind_url === 'string' && hub.bind_url && !partsSet) {
    let u: URL;
    try {
      u = new URL(hub.bind_url.replace('://:', '://0.0.0.0:'));
    } catch {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `JupyterHub.bind_url: expected a URL like http://:8000/ or https://10.0.0.1:443/jupyter/, received ${JSON.stringify(hub.bind_url)}.`,
      );
    }
    hub.ip = hub.bind_url.includes('://:') ? '' : u.hostname.replace(/^\[|\]$/g, '');
    hub.port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    hub.base_url = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  } else {
    const ip = String(hub.ip);
    hub.bind_url = `${proto}://${ip.includes(':') ? `[${ip}]` : ip}:${String(hub.port)}${hub.base_url as string}`;
  }
  if (hub.oauth_token_expires_in === null)
    hub.oauth_token_expires_in = Math.round((hub.cookie_max_age_days as number) * 86400);
}

/** Spawner-like sections: `'*'` for the server IP means all interfaces too. */
export function deriveSpawner(sp: Record<string, unknown>): void {
  if (sp.ip === '*') sp.ip = '';
}
