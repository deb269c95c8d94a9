/**
 * Deprecated and renamed JupyterHub config keys. Each is mapped to its current name with a
 * warning naming old key, new key and file:line. A rename never silently widens or narrows
 * access: when the old and the new key are both set to different values, loading fails and
 * asks the operator to keep one.
 */
import { HubError } from '../errors.js';
import { at, type ConfigWarning, type RawConfig, type RawEntry } from './raw.js';
import { ancestry, isClassName } from './schema.js';

/** A trait renamed within its class (and every subclass). */
interface SameClassRename {
  from: string;
  to: string;
  /** The class that declared the old name. */
  base: string;
  since: string;
  extra?: string;
  code?: string;
}

export const SAME_CLASS_RENAMES: readonly SameClassRename[] = [
  { base: 'Authenticator', from: 'whitelist', to: 'allowed_users', since: '1.2' },
  { base: 'Authenticator', from: 'blacklist', to: 'blocked_users', since: '1.2' },
  {
    base: 'LocalAuthenticator',
    from: 'group_whitelist',
    to: 'allowed_groups',
    since: '1.2',
    code: 'LABHUB_WARN_CONFIG_GROUP_WHITELIST',
    extra:
      'Note: JupyterHub since 1.2 silently IGNORES group_whitelist, so under JupyterHub any user with a valid password could log in. labhub honours what it meant and only lets members of these groups in.',
  },
  { base: 'Spawner', from: 'env', to: 'environment', since: '0.7' },
];

/** A JupyterHub trait moved to another class. */
export const MOVED_KEYS: readonly { from: string; to: string; since: string }[] = [
  { from: 'JupyterHub.admin_users', to: 'Authenticator.admin_users', since: '0.7.2' },
  { from: 'JupyterHub.proxy_cmd', to: 'ConfigurableHTTPProxy.command', since: '0.8' },
  { from: 'JupyterHub.proxy_auth_token', to: 'ConfigurableHTTPProxy.auth_token', since: '0.8' },
  { from: 'JupyterHub.debug_proxy', to: 'ConfigurableHTTPProxy.debug', since: '0.8' },
  {
    from: 'JupyterHub.proxy_check_interval',
    to: 'ConfigurableHTTPProxy.check_running_interval',
    since: '0.8',
  },
  { from: 'JupyterHub.proxy_api_ip', to: 'ConfigurableHTTPProxy.api_url', since: '0.8' },
  { from: 'JupyterHub.proxy_api_port', to: 'ConfigurableHTTPProxy.api_url', since: '0.8' },
  { from: 'JupyterHub.hub_connect_port', to: 'JupyterHub.hub_connect_url', since: '0.9' },
];

/** Deprecated keys that do nothing (JupyterHub ignores them too). */
export const IGNORED_KEYS: Record<string, string> = {
  'JupyterHub.extra_log_file':
    'deprecated since JupyterHub 0.8.2; redirect the output instead (e.g. `labhub … >> /var/log/labhub.log 2>&1`, or use journald)',
  'JupyterHub.confirm_no_ssl': 'does nothing in JupyterHub either; remove it',
  'JupyterHub.admin_access':
    'deprecated since JupyterHub 2.0; admins already have full access to servers in labhub. To give other users access, use load_roles with the scope `access:servers`',
  'Spawner.oauth_roles':
    'deprecated since JupyterHub 3.0; set Spawner.oauth_client_allowed_scopes to scopes (not role names)',
};

function warn(out: ConfigWarning[], code: string, key: string, e: RawEntry, message: string): void {
  out.push({ code, key, file: e.file, line: e.line, message, level: 'warning' });
}

/** Canonical form for comparing two values (sets compare unordered). */
function canon(v: unknown): string {
  if (Array.isArray(v)) {
    const items = v.map(canon);
    return `[${items.sort().join(',')}]`;
  }
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function sameValue(a: RawEntry, b: RawEntry): boolean {
  return canon(a.value) === canon(b.value) && canon(a.lazy ?? []) === canon(b.lazy ?? []);
}

function conflict(oldKey: string, oldE: RawEntry, newKey: string, newE: RawEntry): HubError {
  return new HubError(
    'LABHUB_ERR_CONFIG',
    500,
    `${oldKey}${at(oldE)} is the old name of ${newKey}${at(newE)}, and both are set to different values ` +
      `(${JSON.stringify(oldE.value)} and ${JSON.stringify(newE.value)}). labhub will not guess which one you mean, ` +
      `because picking either could change who may log in or what they may do. Keep only ${newKey}, with the value you want.`,
  );
}

/** Moves `old` to `target` unless the target is already set; equal values are fine. */
function move(
  raw: RawConfig,
  out: ConfigWarning[],
  oldCls: string,
  oldTrait: string,
  cls: string,
  trait: string,
  code: string,
  message: string,
  note?: string,
): void {
  const oldE = raw.get(oldCls, oldTrait)!;
  const newE = raw.get(cls, trait);
  const oldKey = `${oldCls}.${oldTrait}`;
  const newKey = `${cls}.${trait}`;
  if (newE && !sameValue(oldE, newE)) throw conflict(oldKey, oldE, newKey, newE);
  warn(
    out,
    code,
    newKey,
    oldE,
    message +
      (newE ? ` ${newKey} is also set${at(newE)} to the same value; remove ${oldKey}.` : ''),
  );
  raw.delete(oldCls, oldTrait);
  if (!newE)
    raw.set(cls, trait, {
      ...oldE,
      originalKey: oldE.originalKey ?? oldKey,
      notes: [...oldE.notes, note ?? `renamed from ${oldKey}`],
    });
}

/**
 * Applies every rename to `raw` in place, pushing warnings.
 * @throws HubError LABHUB_ERR_CONFIG when an old key and its new name disagree.
 */
export function applyRenames(raw: RawConfig, out: ConfigWarning[]): void {
  for (const [cls, trait] of raw.entries()) {
    if (!isClassName(cls)) continue;
    const r = SAME_CLASS_RENAMES.find(
      (x) => x.from === trait && (ancestry(cls) as string[]).includes(x.base),
    );
    if (!r) continue;
    const msg =
      `${cls}.${trait} was renamed to ${cls}.${r.to} in JupyterHub ${r.since}; labhub uses the value as ${cls}.${r.to}. Rename it in your config.` +
      (r.extra ? ` ${r.extra}` : '');
    const note = r.code
      ? `renamed from ${cls}.${trait}, which JupyterHub ignores since ${r.since} (labhub honours it: only these groups may log in)`
      : undefined;
    move(raw, out, cls, trait, cls, r.to, r.code ?? 'LABHUB_WARN_CONFIG_RENAMED', msg, note);
  }

  // JupyterHub.admin_users: honoured only when Authenticator.admin_users is empty (as in JupyterHub).
  const hubAdmins = raw.get('JupyterHub', 'admin_users');
  if (hubAdmins) {
    const authAdmins = raw.get('Authenticator', 'admin_users');
    const authEmpty =
      !authAdmins ||
      (Array.isArray(authAdmins.value) &&
        authAdmins.value.length === 0 &&
        !authAdmins.lazy?.length);
    if (authEmpty) {
      if (authAdmins) raw.delete('Authenticator', 'admin_users');
      move(
        raw,
        out,
        'JupyterHub',
        'admin_users',
        'Authenticator',
        'admin_users',
        'LABHUB_WARN_CONFIG_RENAMED',
        'JupyterHub.admin_users is deprecated since JupyterHub 0.7.2; labhub uses it as Authenticator.admin_users (because that is empty). Rename it in your config.',
      );
    } else if (sameValue(hubAdmins, authAdmins!)) {
      warn(
        out,
        'LABHUB_WARN_CONFIG_RENAMED',
        'JupyterHub.admin_users',
        hubAdmins,
        `JupyterHub.admin_users is deprecated and duplicates Authenticator.admin_users${at(authAdmins!)}; remove it.`,
      );
      raw.drop('JupyterHub', 'admin_users', 'duplicate of Authenticator.admin_users');
    } else {
      throw conflict('JupyterHub.admin_users', hubAdmins, 'Authenticator.admin_users', authAdmins!);
    }
  }

  // proxy_api_ip / proxy_api_port combine into one URL.
  const apiIp = raw.get('JupyterHub', 'proxy_api_ip');
  const apiPort = raw.get('JupyterHub', 'proxy_api_port');
  if (apiIp || apiPort) {
    const host = apiIp ? String(apiIp.value) : '127.0.0.1';
    const port = apiPort ? String(apiPort.value) : '8001';
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const src = (apiIp ?? apiPort)!;
    const combined: RawEntry = { ...src, value: url, notes: [] };
    const existing = raw.get('ConfigurableHTTPProxy', 'api_url');
    const keys = [apiIp && 'JupyterHub.proxy_api_ip', apiPort && 'JupyterHub.proxy_api_port']
      .filter(Boolean)
      .join(' and ');
    if (existing && existing.value !== url)
      throw conflict(keys, combined, 'ConfigurableHTTPProxy.api_url', existing);
    raw.delete('JupyterHub', 'proxy_api_ip');
    raw.delete('JupyterHub', 'proxy_api_port');
    warn(
      out,
      'LABHUB_WARN_CONFIG_RENAMED',
      'ConfigurableHTTPProxy.api_url',
      src,
      `${keys} ${apiIp && apiPort ? 'are' : 'is'} deprecated since JupyterHub 0.8; labhub uses ${apiIp && apiPort ? 'them' : 'it'} as ConfigurableHTTPProxy.api_url = ${JSON.stringify(url)}. Set that instead.`,
    );
    if (!existing)
      raw.set('ConfigurableHTTPProxy', 'api_url', {
        ...combined,
        originalKey: keys,
        notes: [`renamed from ${keys} (deprecated in JupyterHub 0.8)`],
      });
  }

  // hub_connect_port → hub_connect_url.
  const connectPort = raw.get('JupyterHub', 'hub_connect_port');
  if (connectPort) {
    const ip =
      raw.get('JupyterHub', 'hub_connect_ip')?.value ?? raw.get('JupyterHub', 'hub_ip')?.value;
    const host = typeof ip === 'string' && ip && ip !== '*' && ip !== '0.0.0.0' ? ip : '127.0.0.1';
    raw.set('JupyterHub', 'hub_connect_port', {
      ...connectPort,
      value: `http://${host}:${String(connectPort.value)}`,
    });
    move(
      raw,
      out,
      'JupyterHub',
      'hub_connect_port',
      'JupyterHub',
      'hub_connect_url',
      'LABHUB_WARN_CONFIG_RENAMED',
      `JupyterHub.hub_connect_port is deprecated since JupyterHub 0.9; labhub uses JupyterHub.hub_connect_url = "http://${host}:${String(connectPort.value)}". Set that instead.`,
    );
  }

  for (const m of MOVED_KEYS) {
    const [oc, ot] = m.from.split('.') as [string, string];
    if (!raw.has(oc, ot)) continue;
    const [nc, nt] = m.to.split('.') as [string, string];
    move(
      raw,
      out,
      oc,
      ot,
      nc,
      nt,
      'LABHUB_WARN_CONFIG_RENAMED',
      `${m.from} is deprecated since JupyterHub ${m.since}; labhub uses it as ${m.to}. Rename it in your config.`,
    );
  }

  for (const [key, why] of Object.entries(IGNORED_KEYS)) {
    const [c, t] = key.split('.') as [string, string];
    for (const [cls, trait, e] of raw.entries()) {
      if (
        trait !== t ||
        !(cls === c || (isClassName(cls) && (ancestry(cls) as string[]).includes(c)))
      )
        continue;
      warn(
        out,
        'LABHUB_WARN_CONFIG_IGNORED',
        `${cls}.${trait}`,
        e,
        `${cls}.${trait} is ignored: ${why}.`,
      );
      raw.drop(cls, trait, why);
    }
  }

  // `%U` was the username placeholder before JupyterHub 0.7.
  for (const [cls, trait, e] of raw.entries()) {
    if (!isClassName(cls) || !(ancestry(cls) as string[]).includes('Spawner')) continue;
    if (
      !['notebook_dir', 'default_url'].includes(trait) ||
      typeof e.value !== 'string' ||
      !e.value.includes('%U')
    )
      continue;
    const fixed = e.value.replaceAll('%U', '{username}');
    warn(
      out,
      'LABHUB_WARN_CONFIG_PERCENT_U',
      `${cls}.${trait}`,
      e,
      `${cls}.${trait} uses %U, the username placeholder before JupyterHub 0.7; labhub reads ${JSON.stringify(e.value)} as ${JSON.stringify(fixed)}. Write {username} instead.`,
    );
    e.notes.push('%U replaced by {username}');
    e.value = fixed;
  }
}
