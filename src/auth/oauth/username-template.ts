/**
 * `username_claim`: a claim name (OAuthenticator's string form: `preferred_username`, a dotted
 * path such as `attributes.uid`) or labhub's declarative form of OAuthenticator 17's callable, a
 * template: `{field}` places a user-data field (a dotted path), `|localpart` keeps what comes
 * before the last `@` of an email address, `|lower` lower-cases; text around the fields is kept.
 *
 * @example "{email|localpart}"  →  ann.lee@example.org  →  "ann.lee"
 * @example "gh-{login|lower}"   →  login "Octocat"       →  "gh-octocat"
 */
import { HubError } from '../../errors.js';
import type { JsonObject } from '../../util/json.js';
import { atPath } from './claims.js';

const FILTERS: Record<string, (s: string) => string> = {
  localpart: (s) => (s.includes('@') ? s.slice(0, s.lastIndexOf('@')) : s),
  lower: (s) => s.toLowerCase(),
};

/** The filters, for messages and docs. */
export const USERNAME_FILTERS = Object.keys(FILTERS);

/** A compiled username_claim: the user name from the user data (null when a field is missing), and the fields it reads. */
export interface UsernameRule {
  (userdata: JsonObject): string | null;
  fields: string[];
}

function text(v: unknown): string | null {
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number') return String(v);
  return null;
}

/**
 * Compile `claim` (a claim name or a template).
 * @param key the config key for messages, e.g. `GenericOAuthenticator.username_claim`.
 * @throws HubError LABHUB_ERR_CONFIG for a malformed template or an unknown filter.
 */
export function compileUsernameClaim(claim: string, key: string): UsernameRule {
  const bad = (why: string) =>
    new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${key} = ${JSON.stringify(claim)}: ${why}. A template places user-data fields in braces with optional filters (${USERNAME_FILTERS.map((f) => `|${f}`).join(', ')}), e.g. "{preferred_username}" or "{email|localpart}" (see docs/authentication.md).`,
    );
  if (!claim.includes('{') && !claim.includes('}')) {
    const rule = ((data: JsonObject) => text(atPath(data, claim))) as UsernameRule;
    rule.fields = [claim];
    return rule;
  }
  type Part = string | { field: string; filters: ((s: string) => string)[] };
  const parts: Part[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(claim); m; m = re.exec(claim)) {
    parts.push(claim.slice(last, m.index));
    last = m.index + m[0].length;
    const [field = '', ...names] = m[1]!.split('|').map((s) => s.trim());
    if (!field) throw bad(`${m[0]} names no field`);
    const filters = names.map((n) => {
      const f = FILTERS[n];
      if (!f) throw bad(`unknown filter |${n}`);
      return f;
    });
    parts.push({ field, filters });
  }
  parts.push(claim.slice(last));
  if (parts.some((p) => typeof p === 'string' && /[{}]/.test(p))) throw bad('unbalanced { or }');
  const rule = ((data: JsonObject) => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') {
        out += p;
        continue;
      }
      const v = text(atPath(data, p.field));
      if (v === null) return null;
      out += p.filters.reduce((s, f) => f(s), v);
    }
    return out.trim() || null;
  }) as UsernameRule;
  rule.fields = parts.flatMap((p) => (typeof p === 'string' ? [] : [p.field]));
  return rule;
}
