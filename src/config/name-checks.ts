/**
 * Names written in the configuration that become users or services at start (admin_users,
 * load_groups and load_roles members, services) must pass the hub's name rules
 * (src/util/names.ts), as in JupyterHub, which refuses to start with an invalid admin or group
 * member. A name like `..` would otherwise get a proxy route outside `/user/<name>/`.
 */
import { HubError } from '../errors.js';
import { checkServiceName, checkUserName, type NameCheck } from '../util/names.js';
import { at, type RawConfig } from './raw.js';
import type { Explicit } from './validate.js';

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Throws HubError LABHUB_ERR_CONFIG naming every key (with file:line when known) that holds a
 * name the rules refuse, the name, and why.
 */
export function checkConfigNames(
  raw: RawConfig,
  explicit: Explicit,
  config: Record<string, Record<string, unknown>>,
): void {
  const problems: string[] = [];
  const check = (key: string, where: string, name: string, result: NameCheck) => {
    if (!result.ok)
      problems.push(`${key}${where}: ${JSON.stringify(name)} cannot be used: ${result.reason}.`);
  };
  for (const [cls, traits] of Object.entries(explicit)) {
    if (!cls.endsWith('Authenticator')) continue;
    const where = at(raw.get(cls, 'admin_users') ?? {});
    for (const n of strings(traits.admin_users))
      check(`${cls}.admin_users`, where, n, checkUserName(n));
  }
  const hub = config.JupyterHub ?? {};
  const groups = (hub.load_groups ?? {}) as Record<string, { users?: unknown }>;
  const groupsAt = at(raw.get('JupyterHub', 'load_groups') ?? {});
  for (const [g, spec] of Object.entries(groups))
    for (const n of strings(spec?.users))
      check(`JupyterHub.load_groups[${JSON.stringify(g)}].users`, groupsAt, n, checkUserName(n));
  const rolesAt = at(raw.get('JupyterHub', 'load_roles') ?? {});
  for (const role of (hub.load_roles ?? []) as Array<{ name?: unknown; users?: unknown }>)
    for (const n of strings(role?.users))
      check(
        `JupyterHub.load_roles[${JSON.stringify(role.name)}].users`,
        rolesAt,
        n,
        checkUserName(n),
      );
  const servicesAt = at(raw.get('JupyterHub', 'services') ?? {});
  const services = (hub.services ?? []) as Array<{ name?: unknown }>;
  services.forEach((s, i) => {
    if (typeof s?.name === 'string')
      check(`JupyterHub.services[${i}].name`, servicesAt, s.name, checkServiceName(s.name));
  });
  if (problems.length)
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `Invalid names in the configuration:\n${problems.join('\n')}\nRename or remove them: these names cannot be given a URL of their own.`,
    );
}
