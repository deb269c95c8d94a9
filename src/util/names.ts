/**
 * Which user, server and service names the hub accepts: the one place that decides it. Login,
 * sign-up, the REST API, the spawn page, the configuration and the spawn lifecycle all ask here.
 *
 * A name becomes one segment of a URL path (`/user/<name>/`, `/user/<name>/<server>/`,
 * `/services/<name>/`), so it must stay one segment whatever reads it: a browser, the proxy, a
 * URL parser that resolves `.` and `..`, one that reads `\` as `/`, one that decodes `%xx`, one
 * that applies Unicode compatibility normalisation (U+FF0E FULLWIDTH FULL STOP reads as `.`).
 *
 * - User names: JupyterHub's rules (not empty, no `/`, no leading or trailing space) plus
 *   labhub's: at most 255 characters, no control or invisible characters, none of `\ % ? #`, not
 *   `.` or `..` — also when spelled with percent-encodings or characters that NFKC turns into
 *   dots or slashes. Upper case is allowed here (the login policy lower-cases).
 * - Server names: 1–63 ASCII letters, digits, `-`, `_`, `.`, starting with a letter or a digit —
 *   every JupyterHub 6 server name (lower-case slugs of up to 30 characters) is one.
 * - Service names: 1–255 ASCII letters, digits, `.`, `_`, `~`, `-`, starting with a letter or a
 *   digit.
 *
 * Pure functions, no I/O (imported by auth/ and config/ too).
 */
import { isDotSegment } from './dot-segments.js';

/** The outcome of a name check; `reason` completes "the username …" style sentences. */
export type NameCheck = { ok: true } | { ok: false; reason: string };

/** Longest username accepted (UTF-16 code units; JupyterHub has no limit). */
export const MAX_USERNAME_LENGTH = 255;

/** Longest named-server name accepted. */
export const MAX_SERVER_NAME_LENGTH = 63;

const SERVER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const SERVICE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._~-]{0,254}$/;

/**
 * Control characters, invisible formatting characters (zero-width space, bidi overrides, soft
 * hyphen…), line and paragraph separators, private-use code points and lone surrogates.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}]/u;

/** Characters with a meaning in a URL path (separators, escapes, query, fragment). */
const URL_SPECIAL = ['/', '\\', '%', '?', '#'] as const;

const NOT_A_SEGMENT = 'a path step (current or parent directory), not a name';

/**
 * True for a name that some reader of the URL would take for `.` or `..`: the dots, their
 * percent-encodings, or characters that Unicode NFKC normalisation turns into dots
 * (`．．`, `‥`, `﹒`).
 */
export function isDotLike(name: string): boolean {
  return isDotSegment(name) || isDotSegment(name.normalize('NFKC'));
}

/** Check a user name (already normalised by the login policy, if it came through login). */
export function checkUserName(name: string): NameCheck {
  const no = (reason: string): NameCheck => ({ ok: false, reason: `the username ${reason}` });
  if (name.length === 0) return no('is empty');
  if (name.length > MAX_USERNAME_LENGTH)
    return no(`is ${name.length} characters long (at most ${MAX_USERNAME_LENGTH})`);
  if (INVISIBLE.test(name)) return no('contains control or invisible characters');
  if (name.trim() !== name) return no('starts or ends with a space');
  if (name.includes('/')) return no('contains "/"');
  for (const c of URL_SPECIAL)
    if (name.includes(c)) return no(`contains "${c}", which has a meaning in URLs`);
  const nfkc = name.normalize('NFKC');
  for (const c of URL_SPECIAL)
    if (nfkc.includes(c))
      return no(`contains a character that reads as "${c}" once Unicode-normalised (NFKC)`);
  if (isDotLike(name))
    return no(
      nfkc === name
        ? `is "${name}", which URLs read as ${NOT_A_SEGMENT}`
        : `is "${name}", read as "${nfkc}" and so as ${NOT_A_SEGMENT}`,
    );
  return { ok: true };
}

/** Check a server name; '' (the default server) is always fine. */
export function checkServerName(name: string): NameCheck {
  if (name === '') return { ok: true };
  if (!SERVER_NAME_RE.test(name) || isDotLike(name))
    return {
      ok: false,
      reason: `the server name '${name.slice(0, 64)}' is not allowed: use letters, digits, '-', '_' and '.', starting with a letter or digit, at most ${MAX_SERVER_NAME_LENGTH} characters`,
    };
  return { ok: true };
}

/** Check a service name (`JupyterHub.services[].name`, `POST /hub/api/services/{name}`). */
export function checkServiceName(name: string): NameCheck {
  if (!SERVICE_NAME_RE.test(name) || isDotLike(name))
    return {
      ok: false,
      reason: `the service name '${name.slice(0, 64)}' is not allowed: use letters, digits, '.', '_', '~' and '-', starting with a letter or digit, at most 255 characters`,
    };
  return { ok: true };
}

/**
 * Why a user's server may not be started or routed, or null when it may: the user name and the
 * server name must both pass. For rows written before these checks existed.
 */
export function unroutableReason(userName: string, serverName: string): string | null {
  const u = checkUserName(userName);
  if (!u.ok) return u.reason;
  const s = checkServerName(serverName);
  return s.ok ? null : s.reason;
}
