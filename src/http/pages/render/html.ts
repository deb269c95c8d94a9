/**
 * A tiny, context-aware HTML templating helper.
 *
 * `html\`<p>${value}</p>\`` escapes every interpolated value unless it is a {@link SafeHtml}
 * produced by this module. The static parts of each template are scanned once (and cached) to
 * learn the context of every hole, so that:
 *  - text and quoted attribute values are entity-escaped (`& < > " ' \``);
 *  - URL-valued attributes (href, src, action, formaction, data-*url*) that *start* with a hole
 *    are checked: a scheme other than http, https or mailto is replaced by `about:invalid`;
 *  - holes inside a tag but outside a quoted value, inside an unquoted attribute value, inside
 *    `<script>`/`<style>` or inside a comment accept only SafeHtml (or nothing): anything else
 *    throws, because escaping cannot make those contexts safe.
 */

const SAFE = Symbol('labhub.SafeHtml');

/** HTML that is known to be safe to insert as markup. Only this module creates it. */
export class SafeHtml {
  readonly [SAFE] = true;
  readonly value: string;
  /** @internal use {@link trustedHtml} or {@link html}. */
  constructor(value: string, token: symbol) {
    if (token !== SAFE)
      throw new Error('SafeHtml: create it with html`` or trustedHtml(), not new SafeHtml()');
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export function isSafeHtml(v: unknown): v is SafeHtml {
  return v instanceof SafeHtml;
}

/**
 * Marks a string as trusted markup. Use only for HTML that comes from the operator's own
 * configuration (e.g. `Spawner.options_form`) or from this code base, never for user input.
 */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup, SAFE);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto']);

/**
 * Returns the URL unchanged when it is relative or uses http(s)/mailto; otherwise
 * `about:invalid#blocked` (so `javascript:` and `data:` never reach an href).
 */
export function safeUrl(url: string): string {
  // Browsers ignore ASCII whitespace and control characters inside a scheme ("java\tscript:").
  const compact = url.replace(/[\u0000-\u0020\u007f]/g, '');
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(compact);
  if (m && !ALLOWED_SCHEMES.has(m[1]!.toLowerCase())) return 'about:invalid#blocked';
  return url;
}

/** Where a hole sits in the markup. */
type HoleContext =
  { kind: 'text' } | { kind: 'attr'; url: boolean } | { kind: 'forbidden'; where: string };

type ScanState =
  'text' | 'tag' | 'attrName' | 'afterEq' | 'dq' | 'sq' | 'unquoted' | 'comment' | 'raw';

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'cite']);
function isUrlAttr(name: string): boolean {
  const n = name.toLowerCase();
  return URL_ATTRS.has(n) || (n.startsWith('data-') && n.includes('url'));
}

const contextCache = new WeakMap<TemplateStringsArray, HoleContext[]>();

/** Scans the static parts of a template and returns the context of each hole. */
function analyse(strings: TemplateStringsArray): HoleContext[] {
  const cached = contextCache.get(strings);
  if (cached) return cached;
  const out: HoleContext[] = [];
  let state: ScanState = 'text';
  let tagName = '';
  let readingTagName = false;
  let attrName = '';
  let valueStart = false; // true while nothing has been written into the current quoted value
  let rawEndTag = '';
  for (let p = 0; p < strings.length; p++) {
    const s = strings[p] ?? strings.raw[p] ?? '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      switch (state) {
        case 'text':
          if (c === '<') {
            if (s.startsWith('<!--', i)) {
              state = 'comment';
              i += 3;
            } else if (/[a-zA-Z/!]/.test(s[i + 1] ?? '')) {
              state = 'tag';
              tagName = '';
              readingTagName = true;
            }
          }
          break;
        case 'comment':
          if (s.startsWith('-->', i)) {
            state = 'text';
            i += 2;
          }
          break;
        case 'raw':
          if (s.slice(i, i + rawEndTag.length).toLowerCase() === rawEndTag) {
            state = 'tag';
            readingTagName = false;
            tagName = rawEndTag.slice(1);
            i += rawEndTag.length - 1;
          }
          break;
        case 'tag':
          if (readingTagName) {
            if (/[a-zA-Z0-9/!-]/.test(c)) {
              tagName += c.toLowerCase();
              break;
            }
            readingTagName = false;
          }
          if (c === '>') {
            state = tagName === 'script' || tagName === 'style' ? 'raw' : 'text';
            rawEndTag = `</${tagName}`;
          } else if (/[^\s/]/.test(c)) {
            state = 'attrName';
            attrName = c;
          }
          break;
        case 'attrName':
          if (c === '=') state = 'afterEq';
          else if (c === '>') {
            state = tagName === 'script' || tagName === 'style' ? 'raw' : 'text';
            rawEndTag = `</${tagName}`;
          } else if (/\s/.test(c)) state = 'tag';
          else attrName += c;
          break;
        case 'afterEq':
          if (c === '"') {
            state = 'dq';
            valueStart = true;
          } else if (c === "'") {
            state = 'sq';
            valueStart = true;
          } else if (!/\s/.test(c)) state = 'unquoted';
          break;
        case 'dq':
        case 'sq':
          if (c === (state === 'dq' ? '"' : "'")) state = 'tag';
          else valueStart = false;
          break;
        case 'unquoted':
          if (/\s/.test(c)) state = 'tag';
          else if (c === '>') state = 'text';
          break;
      }
    }
    if (p < strings.length - 1) {
      switch (state) {
        case 'text':
          // `<${x}` or `</${x}` would let a plain string choose a tag name and its attributes.
          if (/<\/?$/.test(s)) out.push({ kind: 'forbidden', where: 'a tag name' });
          else out.push({ kind: 'text' });
          break;
        case 'dq':
        case 'sq': {
          const name = attrName.toLowerCase();
          if (name.startsWith('on') || name === 'style' || name === 'srcdoc') {
            out.push({ kind: 'forbidden', where: `the ${name} attribute` });
          } else {
            out.push({ kind: 'attr', url: valueStart && isUrlAttr(name) });
          }
          valueStart = false;
          break;
        }
        case 'raw':
          out.push({ kind: 'forbidden', where: `<${tagName}>` });
          break;
        case 'comment':
          out.push({ kind: 'forbidden', where: 'an HTML comment' });
          break;
        case 'afterEq':
        case 'unquoted':
          out.push({ kind: 'forbidden', where: `the unquoted value of attribute ${attrName}` });
          break;
        default:
          out.push({ kind: 'forbidden', where: 'a tag outside a quoted attribute value' });
      }
    }
  }
  contextCache.set(strings, out);
  return out;
}

/** A value that may be interpolated into {@link html}. */
export type HtmlValue =
  SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function renderValue(v: HtmlValue, ctx: HoleContext): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map((x) => renderValue(x, ctx)).join('');
  if (v instanceof SafeHtml) {
    return v.value;
  }
  const s = String(v);
  if (ctx.kind === 'forbidden') {
    if (s === '') return '';
    throw new Error(
      `html\`\`: a plain value was interpolated into ${ctx.where}; only SafeHtml may go there`,
    );
  }
  if (ctx.kind === 'attr' && ctx.url) return escapeHtml(safeUrl(s));
  return escapeHtml(s);
}

/** Tagged template: returns SafeHtml with every non-SafeHtml value escaped for its context. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  const ctxs = analyse(strings);
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    out += renderValue(values[i]!, ctxs[i]!) + strings[i + 1]!;
  }
  return new SafeHtml(out, SAFE);
}

/** A boolean attribute (`checked`, `disabled`, …) for use inside a tag. */
export function boolAttr(name: string, on: boolean | undefined): SafeHtml {
  if (!/^[a-z][a-z-]*$/.test(name))
    throw new Error(`boolAttr: invalid attribute name ${JSON.stringify(name)}`);
  return new SafeHtml(on ? ` ${name}` : '', SAFE);
}

/** Joins rendered fragments. */
export function joinHtml(
  parts: readonly SafeHtml[],
  sep: SafeHtml = new SafeHtml('', SAFE),
): SafeHtml {
  return new SafeHtml(parts.map((p) => p.value).join(sep.value), SAFE);
}

/**
 * Serializes data for a non-executed `<script type="application/json">` block. `<`, `>`, `&`
 * and U+2028/2029 are written as \u escapes so the data can never close the element.
 */
export function jsonScript(id: string, data: unknown): SafeHtml {
  if (!/^[a-zA-Z][\w-]*$/.test(id)) throw new Error(`jsonScript: invalid id ${JSON.stringify(id)}`);
  const json = JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return new SafeHtml(`<script type="application/json" id="${id}">${json}</script>`, SAFE);
}
