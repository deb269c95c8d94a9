/**
 * Fills a catalog message: `{name}` placeholders, and ICU-style plurals
 * `{count, plural, =0 {none} one {# user} other {# users}}` where `#` is the number. The branch
 * is chosen by an exact `=N` match first, then by the language's plural category
 * (Intl.PluralRules: English has `one` and `other`, Chinese only `other`), then `other`.
 *
 * static/common.js has the same logic for the browser (it cannot import this file);
 * format.test.ts runs both over every catalog message so they cannot drift apart.
 */

export type FormatParams = Record<string, string | number>;

const rulesCache = new Map<string, Intl.PluralRules>();
function pluralCategory(lang: string, n: number): string {
  let rules = rulesCache.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(lang);
    rulesCache.set(lang, rules);
  }
  return rules.select(n);
}

/** Index of the `}` that closes the `{` at `open`, or -1. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The branches of a plural body such as `one {# user} other {# users}`; null if malformed. */
function branches(body: string): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const m = /^\s*(=\d+|[a-z]+)\s*\{/.exec(body.slice(i));
    if (!m) return body.slice(i).trim() ? null : out;
    const open = i + m[0].length - 1;
    const end = closing(body, open);
    if (end < 0) return null;
    out.set(m[1]!, body.slice(open + 1, end));
    i = end + 1;
  }
  return out;
}

function fillSimple(s: string, params: FormatParams | undefined): string {
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m,
  );
}

/**
 * Formats `template` for `lang`. A missing parameter stays visible (`{name}`, or the `other`
 * branch with `#` shown as `{name}`) so the mistake shows in tests.
 */
export function formatMessage(template: string, lang: string, params?: FormatParams): string {
  let out = '';
  let i = 0;
  const re = /\{(\w+),\s*plural,/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    const end = closing(template, m.index);
    const opts = end < 0 ? null : branches(template.slice(m.index + m[0].length, end));
    if (!opts || !opts.has('other')) continue;
    const name = m[1]!;
    const has = !!params && Object.prototype.hasOwnProperty.call(params, name);
    const n = has ? Number(params[name]) : NaN;
    const chosen =
      (has && opts.get(`=${n}`)) ||
      (has && Number.isFinite(n) && opts.get(pluralCategory(lang, n))) ||
      opts.get('other')!;
    out +=
      fillSimple(template.slice(i, m.index), params) +
      fillSimple(chosen.replace(/#/g, has ? String(params[name]) : `{${name}}`), params);
    i = end + 1;
    re.lastIndex = i;
  }
  return out + fillSimple(template.slice(i), params);
}

/** The parameter names a message uses (simple and plural), sorted; for the catalog tests. */
export function messageParams(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(/\{(\w+)(?:\}|,\s*plural,)/g)) names.add(m[1]!);
  return [...names].sort();
}
