/**
 * Message catalogs and language choice. Every visible string of every page and of the client
 * JavaScript comes from here. Keys starting with `js.` are sent to the browser (embedded JSON).
 */
import { en, type MessageKey } from './en.js';
import { zh } from './zh.js';
import { formatMessage } from './format.js';

export type { MessageKey };

/** Languages the pages are written in. */
export type Lang = 'en' | 'zh';

/** Cookie that remembers an explicit language choice (set by the language switch). */
export const LANG_COOKIE = 'labhub-lang';

export const CATALOGS: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { en, zh };

/** The value for the `<html lang>` attribute. */
export function htmlLang(lang: Lang): string {
  return lang === 'zh' ? 'zh-CN' : 'en';
}

export type MessageParams = Record<string, string | number>;

/**
 * Looks up `key` in the catalog of `lang` and fills `{name}` placeholders and
 * `{count, plural, one {…} other {…}}` plurals from `params` (see format.ts).
 * A missing parameter is left visible as `{name}` so the mistake shows up in tests.
 */
export function t(lang: Lang, key: MessageKey, params?: MessageParams): string {
  const template = CATALOGS[lang][key] ?? en[key];
  return formatMessage(template, htmlLang(lang), params);
}

/** Maps any language tag to one we have, or null. */
export function normalizeLang(tag: string | undefined | null): Lang | null {
  if (!tag) return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  if (primary === 'zh') return 'zh';
  if (primary === 'en') return 'en';
  return null;
}

/**
 * Chooses the page language: an explicit choice (query `?lang=` or the {@link LANG_COOKIE}
 * cookie) wins; otherwise the best-weighted supported tag of `Accept-Language`; otherwise `en`.
 */
export function pickLanguage(
  acceptLanguage: string | undefined,
  cookieValue?: string,
  queryValue?: string,
): Lang {
  const explicit = normalizeLang(queryValue) ?? normalizeLang(cookieValue);
  if (explicit) return explicit;
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      let q = 1;
      for (const p of params) {
        const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
        if (m) q = Number(m[1]);
      }
      return { lang: normalizeLang(tag), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((x): x is { lang: Lang; q: number; index: number } => x.lang !== null && x.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.lang ?? 'en';
}

/** Client-side keys every page gets (common.js); page scripts add their own `js.<page>.` group. */
const CLIENT_COMMON = /^js\.(theme|error|status)\.|^js\.(never|defaultServer)$/;

/**
 * The `js.*` messages of a language for the embedded client catalog: the common ones plus
 * those starting with any of `prefixes` (e.g. `js.home.`). Without prefixes: every `js.*` key.
 */
export function clientMessages(lang: Lang, prefixes?: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(CATALOGS[lang])) {
    if (!k.startsWith('js.')) continue;
    if (!prefixes || CLIENT_COMMON.test(k) || prefixes.some((p) => k.startsWith(p))) out[k] = v;
  }
  return out;
}
