/**
 * Tokenizer for the literal subset of Python that `jupyterhub_config.py` files use.
 * It knows Python's string forms (all quotes, triple quotes, r/u/b prefixes), numbers
 * (underscores, hex/octal/binary, floats), comments, and the rule that newlines inside
 * brackets or after a backslash do not end a statement. Anything it does not know becomes
 * an `error` token that the parser reports with file:line.
 */

export type TokenKind = 'name' | 'number' | 'string' | 'op' | 'newline' | 'eof' | 'error';

export interface Token {
  kind: TokenKind;
  /** Source text (for strings: the decoded value; for errors: a description). */
  text: string;
  /** Decoded value for numbers and strings. */
  value?: number | string;
  /** 1-based line where the token starts. */
  line: number;
  /** For strings: true when the string had an f prefix (code, not a literal). */
  fString?: boolean;
  /** For `name`/`op` tokens: true when whitespace or a line start came before. */
  indented?: boolean;
}

const OPS = [
  '**',
  '//',
  '+=',
  '-=',
  '==',
  '!=',
  '<=',
  '>=',
  '->',
  ':=',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '=',
  '+',
  '-',
  '*',
  '/',
  '%',
  ';',
  '@',
  '<',
  '>',
  '|',
  '&',
  '^',
  '~',
];
const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Splits `src` into tokens. Never throws: problems become `error` tokens. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let depth = 0;
  let atLineStart = true;
  const push = (t: Token) => {
    out.push(t);
    atLineStart = false;
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '\n') {
      if (depth === 0 && out.length && out[out.length - 1]!.kind !== 'newline')
        out.push({ kind: 'newline', text: '\n', line });
      line++;
      i++;
      atLineStart = true;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f') {
      // Leading whitespace on a new top-level statement is an indented block in Python.
      if (atLineStart && depth === 0) {
        let j = i;
        while (j < src.length && ' \t\r\f'.includes(src[j]!)) j++;
        if (j < src.length && src[j] !== '\n' && src[j] !== '#') {
          push({ kind: 'error', text: 'unexpected indentation (indented blocks are code)', line });
        }
        i = j;
        continue;
      }
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (ch === '\\' && (src[i + 1] === '\n' || (src[i + 1] === '\r' && src[i + 2] === '\n'))) {
      i += src[i + 1] === '\n' ? 2 : 3;
      line++;
      continue;
    }
    const str = /^([rRuUbBfF]{0,2})('''|"""|'|")/.exec(src.slice(i, i + 5));
    if (str && /^[rRuUbBfF]*$/.test(str[1]!) && (str[1] === '' || isStringPrefix(str[1]!))) {
      const res = readString(src, i, str[1]!.toLowerCase(), str[2]!, line);
      if ('error' in res) {
        push({ kind: 'error', text: res.error, line });
        return finish(out, line);
      }
      push({
        kind: 'string',
        text: res.value,
        value: res.value,
        line,
        fString: str[1]!.toLowerCase().includes('f'),
      });
      line += res.newlines;
      i = res.end;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m =
        /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)[jJ]?/.exec(
          src.slice(i),
        )!;
      const raw = m[0];
      if (/[jJ]$/.test(raw)) {
        push({ kind: 'error', text: `complex number ${raw} is not supported`, line });
        i += raw.length;
        continue;
      }
      const clean = raw.replace(/_/g, '');
      let value: number;
      if (/^0[xX]/.test(clean)) value = parseInt(clean.slice(2), 16);
      else if (/^0[oO]/.test(clean)) value = parseInt(clean.slice(2), 8);
      else if (/^0[bB]/.test(clean)) value = parseInt(clean.slice(2), 2);
      else value = Number(clean);
      if (Number.isNaN(value)) push({ kind: 'error', text: `bad number ${raw}`, line });
      else push({ kind: 'number', text: raw, value, line });
      i += raw.length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      push({ kind: 'name', text: m[0], line, indented: atLineStart });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      if ('([{'.includes(op)) depth++;
      if (')]}'.includes(op)) depth = Math.max(0, depth - 1);
      push({ kind: 'op', text: op, line });
      i += op.length;
      continue;
    }
    push({ kind: 'error', text: `unexpected character ${JSON.stringify(ch)}`, line });
    i++;
  }
  return finish(out, line);
}

function finish(out: Token[], line: number): Token[] {
  if (out.length && out[out.length - 1]!.kind !== 'newline')
    out.push({ kind: 'newline', text: '\n', line });
  out.push({ kind: 'eof', text: '', line });
  return out;
}

function isStringPrefix(p: string): boolean {
  return ['r', 'u', 'b', 'f', 'br', 'rb', 'fr', 'rf'].includes(p.toLowerCase());
}

function readString(
  src: string,
  start: number,
  prefix: string,
  quote: string,
  line: number,
): { value: string; end: number; newlines: number } | { error: string } {
  const raw = prefix.includes('r');
  let i = start + prefix.length + quote.length;
  let value = '';
  let newlines = 0;
  const triple = quote.length === 3;
  while (i < src.length) {
    if (src.startsWith(quote, i)) return { value, end: i + quote.length, newlines };
    const ch = src[i]!;
    if (ch === '\n') {
      if (!triple) return { error: `string starting on line ${line} is not closed on that line` };
      newlines++;
      value += ch;
      i++;
      continue;
    }
    if (ch === '\\') {
      const next = src[i + 1] ?? '';
      if (next === '\n') {
        newlines++;
        if (raw) value += '\\\n';
        i += 2;
        continue;
      }
      if (raw) {
        // In raw strings a backslash stays, but still protects the next character from ending the string.
        value += ch + next;
        i += 2;
        continue;
      }
      if (next in SIMPLE_ESCAPES) {
        value += SIMPLE_ESCAPES[next];
        i += 2;
        continue;
      }
      const hex = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
      if (hex) {
        const digits = src.slice(i + 2, i + 2 + hex);
        if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits))
          return { error: `bad \\${next} escape in string on line ${line}` };
        value += String.fromCodePoint(parseInt(digits, 16));
        i += 2 + hex;
        continue;
      }
      const oct = /^[0-7]{1,3}/.exec(src.slice(i + 1, i + 4));
      if (oct) {
        value += String.fromCharCode(parseInt(oct[0], 8));
        i += 1 + oct[0].length;
        continue;
      }
      if (next === 'N') return { error: `\\N{...} escapes are not supported (line ${line})` };
      // Python keeps unknown escapes as they are.
      value += ch;
      i++;
      continue;
    }
    value += ch;
    i++;
  }
  return { error: `string starting on line ${line} is never closed` };
}
