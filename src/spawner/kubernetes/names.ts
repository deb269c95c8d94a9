/**
 * Kubernetes names from user and server names, as KubeSpawner 7 makes them: the 'safe' slugs
 * (kubespawner/slugs.py: valid names kept, others stripped + a sha256 suffix), the legacy
 * 'escape' scheme (escapism with '-'), and the `{username}`/`{servername}`/`{user_server}`…
 * fields of pod_name_template, pvc_name_template and the expanded values (KubeSpawner's
 * `_expand_user_properties`, Python `str.format` rules).
 */
import { createHash } from 'node:crypto';
import { HubError } from '../../errors.js';

const HASH_LENGTH = 8;

/** escapism.escape(name, safe=[a-z0-9], escape_char='-').lower() (KubeSpawner's escape_slug). */
export function escapeSlug(name: string): string {
  let out = '';
  for (const ch of name) {
    if (/^[a-z0-9]$/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '-' + b.toString(16).toUpperCase();
  }
  return out.toLowerCase();
}

const startsWithAny = (s: string, re: RegExp) => s.length > 0 && re.test(s[0]!);
const endsWithAny = (s: string, re: RegExp) => s.length > 0 && re.test(s[s.length - 1]!);

/** DNS-label object names: 1–63 chars, [a-z0-9-], starting with a letter, ending alphanumeric. */
export function isValidObjectName(s: string): boolean {
  return (
    s.length >= 1 &&
    s.length <= 63 &&
    startsWithAny(s, /[a-z]/) &&
    endsWithAny(s, /[a-z0-9]/) &&
    /^[a-z0-9-]+$/.test(s)
  );
}

/** Label values: empty, or ≤ 63 chars of [A-Za-z0-9._-] starting and ending alphanumeric. */
export function isValidLabel(s: string): boolean {
  if (!s) return true;
  return (
    s.length <= 63 &&
    startsWithAny(s, /[A-Za-z0-9]/) &&
    endsWithAny(s, /[A-Za-z0-9]/) &&
    /^[a-z0-9._-]+$/i.test(s)
  );
}

function extractSafeName(name: string, maxLength: number): string {
  let safe = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  safe = safe.replace(/^-+/, '').slice(0, maxLength).replace(/-+$/, '');
  if (safe && !/^[a-z]/.test(safe)) safe = 'x-' + safe.slice(0, maxLength - 2);
  return safe || 'x';
}

const sha8 = (data: Buffer) =>
  createHash('sha256').update(data).digest('hex').slice(0, HASH_LENGTH);

function stripAndHash(name: string, maxLength = 32): string {
  const nameLength = maxLength - (HASH_LENGTH + 3);
  return `${extractSafeName(name, nameLength)}---${sha8(Buffer.from(name, 'utf8'))}`;
}

/** KubeSpawner's safe_slug: the name if valid (and no '--'), else stripped + hash. */
export function safeSlug(
  name: string,
  isValid: (s: string) => boolean = isValidObjectName,
  maxLength?: number,
): string {
  if (name.includes('--')) return stripAndHash(name, maxLength ?? 32);
  if (isValid(name) && (maxLength === undefined || name.length <= maxLength)) return name;
  return stripAndHash(name, maxLength ?? 32);
}

/** KubeSpawner's multi_slug: `{a}--{b}---{hash}` with one hash over all parts (\xff-joined). */
export function multiSlug(names: string[], maxLength = 48): string {
  const parts: Buffer[] = [];
  names.forEach((n, i) => {
    if (i) parts.push(Buffer.from([0xff]));
    parts.push(Buffer.from(n, 'utf8'));
  });
  const hash = sha8(Buffer.concat(parts));
  const perName = Math.floor((maxLength - (HASH_LENGTH + 1)) / names.length) - 2;
  return `${names.map((n) => extractSafeName(n, perName)).join('--')}---${hash}`;
}

/** Who a template is expanded for. */
export interface NameSubject {
  userId: number;
  userName: string;
  serverName: string;
  /** The hub's namespace (for `{hubnamespace}`). */
  hubNamespace: string;
  slugScheme: 'safe' | 'escape';
  /** Already resolved values, for templates that refer to them. */
  podName?: string;
  pvcName?: string;
  namespace?: string;
}

const SLUG_MAX = 48;

/** The fields of KubeSpawner's `_expand_user_properties`. */
export function templateFields(s: NameSubject): Record<string, string> {
  const safeUser = safeSlug(s.userName, isValidObjectName, SLUG_MAX);
  const safeServer = s.serverName ? safeSlug(s.serverName, isValidObjectName, SLUG_MAX) : '';
  let safeUserServer: string;
  if (safeUser.length + safeServer.length + 2 > SLUG_MAX)
    safeUserServer = multiSlug([s.userName, s.serverName], SLUG_MAX);
  else safeUserServer = s.serverName ? `${safeUser}--${safeServer}` : safeUser;
  const escUser = escapeSlug(s.userName);
  const escServer = escapeSlug(s.serverName);
  const escUserServer = escServer ? `${escUser}--${escServer}` : escUser;
  const safe = s.slugScheme === 'safe';
  return {
    userid: String(s.userId),
    unescaped_username: s.userName,
    unescaped_servername: s.serverName,
    hubnamespace: s.hubNamespace === 'default' ? 'user' : s.hubNamespace,
    username: safe ? safeUser : escUser,
    servername: safe ? safeServer : escServer,
    user_server: safe ? safeUserServer : escUserServer,
    safe_username: safeUser,
    safe_servername: safeServer,
    safe_user_server: safeUserServer,
    escaped_username: escUser,
    escaped_servername: escServer,
    escaped_user_server: `${escUser}--${escServer}`,
    pod_name: s.podName ?? 'pod_name_unavailable!',
    pvc_name: s.pvcName ?? 'pvc_name_unavailable!',
    namespace: s.namespace ?? 'namespace_unavailable!',
  };
}

/**
 * Python `template.format(**fields)` for plain `{name}` fields (`{{`/`}}` literal), then a
 * trailing '-' added by an empty field is stripped (unless the template itself ends with '-').
 * An unknown field is HubError LABHUB_ERR_CONFIG naming it.
 */
export function expandTemplate(template: string, fields: Record<string, string>): string {
  const out = template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, name: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const v = fields[name!];
    if (v === undefined)
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `KubeSpawner template ${JSON.stringify(template)} uses {${name}}; known fields: ${Object.keys(fields).join(', ')} (write {{ or }} for a literal brace).`,
      );
    return v;
  });
  return template.endsWith('-') ? out : out.replace(/-+$/, '');
}

/** KubeSpawner's `_expand_all`: strings expanded, lists and mappings walked (keys kept). */
export function expandAll<T>(value: T, fields: Record<string, string>): T {
  if (typeof value === 'string') return expandTemplate(value, fields) as T;
  if (Array.isArray(value)) return value.map((v) => expandAll(v, fields) as unknown) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandAll(v as unknown, fields)]),
    ) as T;
  return value;
}
