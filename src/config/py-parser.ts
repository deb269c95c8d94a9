/**
 * Parser for the literal-assignment subset of `jupyterhub_config.py`:
 *
 *   c = get_config()
 *   c.Class.trait = <literal>
 *   c.Class.trait.append(x) / .extend([...]) / .update({...}) / .add(x)
 *   c.Class.trait['key'] = <literal>
 *
 * Literals: str (any quoting), int, float, bool, None, list, tuple, set, dict,
 * set()/list()/tuple()/frozenset()/dict() of literals, and constant arithmetic (`24 * 3600`).
 * Anything else is code; labhub never executes config, so it is refused with file:line.
 */
import { HubError } from '../errors.js';
import { tokenize, type Token } from './py-lexer.js';
import { callableHint } from './py-callable-hints.js';
import { binary, dictKey, makeSet, setKey } from './py-values.js';

/** One config operation found in the file. */
export interface PyOp {
  kind: 'assign' | 'append' | 'extend' | 'update' | 'add' | 'setitem';
  cls: string;
  trait: string;
  /** For `setitem`: the key. */
  key?: string;
  value: unknown;
  /** 1-based line of the statement. */
  line: number;
  /** Source text of the statement (for messages and migrate-config). */
  text: string;
  /** `set('jupyter')`-style calls found in the value. */
  suspicious: SuspiciousCall[];
}

/** A set/list/tuple/frozenset call on one string longer than one character. */
export interface SuspiciousCall {
  callee: string;
  literal: string;
}

/** What the subset is, for error messages. */
export const PY_SUBSET_HELP =
  'labhub reads jupyterhub_config.py without running it, so only literal settings are supported: ' +
  '`c.Class.trait = <str, int, float, bool, None, list, tuple, set, dict, set([...])>`, ' +
  "`c.Class.trait.append(x)` / `.extend([...])` / `.update({...})`, `c.Class.trait['key'] = value`, " +
  'comments and `c = get_config()`. For anything computed, move the settings to labhub.yaml ' +
  '(`labhub migrate-config jupyterhub_config.py` writes it) and put code in a JS module.';

class PyError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const CALLABLES = new Set(['set', 'list', 'tuple', 'frozenset', 'dict']);
const METHODS = new Set(['append', 'extend', 'update', 'add']);

/**
 * Parses a config file's text into operations.
 * @throws HubError LABHUB_ERR_CONFIG_SYNTAX naming file:line, the statement and the supported subset.
 */
export function parsePyConfig(src: string, file: string): PyOp[] {
  const lines = src.split('\n');
  const toks = tokenize(src);
  const ops: PyOp[] = [];
  let pos = 0;
  while (toks[pos]!.kind !== 'eof') {
    if (toks[pos]!.kind === 'newline') {
      pos++;
      continue;
    }
    const start = toks[pos]!.line;
    let end = pos;
    while (toks[end]!.kind !== 'newline' && toks[end]!.kind !== 'eof') end++;
    const endLine = toks[end]!.line;
    const text = lines
      .slice(start - 1, endLine)
      .map((l) => l.replace(/\s+$/, ''))
      .join('\n');
    try {
      const p = new StatementParser(toks, pos, end);
      p.statements((op) => ops.push({ ...op, line: start, text }));
    } catch (e) {
      if (!(e instanceof PyError)) throw e;
      const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
      const hint = callableHint(text, src);
      if (hint)
        throw new HubError(
          'LABHUB_ERR_CONFIG_SYNTAX',
          500,
          `${file}:${e.line}: \`${shown}\`: ${hint}.`,
        );
      throw new HubError(
        'LABHUB_ERR_CONFIG_SYNTAX',
        500,
        `${file}:${e.line}: unsupported statement \`${shown}\`: ${e.reason}. ${PY_SUBSET_HELP}`,
      );
    }
    pos = end;
  }
  return ops;
}

type OpNoLoc = Omit<PyOp, 'line' | 'text'>;

class StatementParser {
  private suspicious: SuspiciousCall[] = [];
  constructor(
    private toks: Token[],
    private pos: number,
    private end: number,
  ) {}

  private peek(o = 0): Token {
    const i = Math.min(this.pos + o, this.end);
    return this.toks[i]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.end) this.pos++;
    return t;
  }
  private fail(reason: string, t: Token = this.peek()): never {
    throw new PyError(t.line, reason);
  }
  private isOp(text: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'op' && t.text === text;
  }
  private expectOp(text: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text)
      this.fail(`expected \`${text}\`, found ${describe(t)}`, t);
  }
  private name(): string {
    const t = this.next();
    if (t.kind !== 'name') this.fail(`expected a name, found ${describe(t)}`, t);
    return t.text;
  }

  statements(emit: (op: OpNoLoc) => void): void {
    for (;;) {
      const op = this.statement();
      if (op) emit(op);
      if (this.isOp(';')) {
        this.next();
        if (this.pos >= this.end) return;
        continue;
      }
      if (this.pos < this.end) this.fail(`unexpected ${describe(this.peek())} after the statement`);
      return;
    }
  }

  private statement(): OpNoLoc | null {
    for (let k = this.pos; k < this.end; k++) {
      if (this.toks[k]!.kind === 'error') this.fail(this.toks[k]!.text, this.toks[k]);
    }
    const first = this.peek();
    if (first.kind !== 'name' || first.text !== 'c') {
      if (
        first.kind === 'name' &&
        ['import', 'from', 'if', 'for', 'def', 'with', 'class', 'try', 'while'].includes(first.text)
      ) {
        this.fail(`\`${first.text}\` is code`);
      }
      this.fail('only assignments to `c.Class.trait` are supported');
    }
    this.next();
    if (this.isOp('=')) {
      this.next();
      const callee = this.peek();
      if (
        callee.kind === 'name' &&
        callee.text === 'get_config' &&
        this.isOp('(', 1) &&
        this.isOp(')', 2)
      ) {
        this.pos += 3;
        return null;
      }
      this.fail('`c` may only be assigned `get_config()`');
    }
    this.expectOp('.');
    const cls = this.name();
    if (!this.isOp('.'))
      this.fail(`a class alone cannot be configured; write c.${cls}.<trait> = value`);
    this.next();
    const trait = this.name();
    this.suspicious = [];
    if (this.isOp('=')) {
      this.next();
      const value = this.expr();
      return { kind: 'assign', cls, trait, value, suspicious: this.suspicious };
    }
    if (this.isOp('[')) {
      this.next();
      const key = this.expr();
      this.expectOp(']');
      this.expectOp('=');
      if (typeof key !== 'string' && typeof key !== 'number')
        this.fail('item keys must be strings or numbers');
      const value = this.expr();
      return { kind: 'setitem', cls, trait, key: String(key), value, suspicious: this.suspicious };
    }
    if (this.isOp('.')) {
      this.next();
      const method = this.name();
      if (!METHODS.has(method))
        this.fail(`method .${method}() is not supported (only .append, .extend, .update, .add)`);
      this.expectOp('(');
      const value = this.expr();
      if (this.isOp(',')) this.next();
      this.expectOp(')');
      return { kind: method as PyOp['kind'], cls, trait, value, suspicious: this.suspicious };
    }
    if (this.isOp('+=') || this.isOp('-='))
      this.fail(
        `augmented assignment \`${this.peek().text}\` is not supported; use .extend([...]) or assign the full value`,
      );
    this.fail(`expected \`=\` after c.${cls}.${trait}, found ${describe(this.peek())}`);
  }

  private expr(): unknown {
    let left = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text;
      const right = this.term();
      left = binary(op, left, right, (r) => this.fail(r));
    }
    return left;
  }
  private term(): unknown {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().text;
      const right = this.unary();
      left = binary(op, left, right, (r) => this.fail(r));
    }
    return left;
  }
  private unary(): unknown {
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next().text;
      const v = this.unary();
      if (typeof v !== 'number') this.fail(`unary ${op} needs a number`);
      return op === '-' ? -v : v;
    }
    const base = this.atom();
    if (this.isOp('**')) {
      this.next();
      return binary('**', base, this.unary(), (r) => this.fail(r));
    }
    return base;
  }

  private atom(): unknown {
    const t = this.next();
    if (t.kind === 'string') {
      let s = t.value as string;
      if (t.fString) this.fail('f-strings are code', t);
      while (this.peek().kind === 'string') {
        const n = this.next();
        if (n.fString) this.fail('f-strings are code', n);
        s += n.value as string;
      }
      return s;
    }
    if (t.kind === 'number') return t.value;
    if (t.kind === 'name') {
      if (t.text === 'True') return true;
      if (t.text === 'False') return false;
      if (t.text === 'None') return null;
      if (CALLABLES.has(t.text) && this.isOp('(')) return this.call(t.text);
      this.fail(`\`${t.text}\` is a name, not a literal (labhub does not run Python code)`, t);
    }
    if (t.kind === 'op') {
      if (t.text === '(') return this.sequence(')', 'tuple');
      if (t.text === '[') return this.sequence(']', 'list');
      if (t.text === '{') return this.braces();
    }
    this.fail(`expected a value, found ${describe(t)}`, t);
  }

  private sequence(close: string, kind: 'tuple' | 'list'): unknown {
    const items: unknown[] = [];
    let sawComma = false;
    while (!this.isOp(close)) {
      items.push(this.expr());
      if (this.isOp(',')) {
        this.next();
        sawComma = true;
      } else break;
    }
    this.expectOp(close);
    if (kind === 'tuple' && items.length === 1 && !sawComma) return items[0];
    return items;
  }

  private braces(): unknown {
    if (this.isOp('}')) {
      this.next();
      return {};
    }
    const first = this.expr();
    if (this.isOp(':')) {
      const obj: Record<string, unknown> = {};
      let key: unknown = first;
      for (;;) {
        this.expectOp(':');
        setKey(
          obj,
          dictKey(key, (r) => this.fail(r)),
          this.expr(),
        );
        if (this.isOp(',')) this.next();
        if (this.isOp('}')) break;
        key = this.expr();
      }
      this.expectOp('}');
      return obj;
    }
    const items = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isOp('}')) break;
      items.push(this.expr());
    }
    this.expectOp('}');
    return makeSet(items);
  }

  private call(callee: string): unknown {
    this.expectOp('(');
    if (this.isOp(')')) {
      this.next();
      if (callee === 'dict') return {};
      return callee === 'set' || callee === 'frozenset' ? makeSet([]) : [];
    }
    if (callee === 'dict' && this.peek().kind === 'name' && this.isOp('=', 1)) {
      const obj: Record<string, unknown> = {};
      while (!this.isOp(')')) {
        const k = this.name();
        this.expectOp('=');
        setKey(obj, k, this.expr());
        if (this.isOp(',')) this.next();
        else break;
      }
      this.expectOp(')');
      return obj;
    }
    const arg = this.expr();
    if (this.isOp(',')) this.next();
    this.expectOp(')');
    if (callee === 'dict') {
      if (arg && typeof arg === 'object' && !Array.isArray(arg)) return { ...(arg as object) };
      this.fail('dict(...) needs a dict literal or key=value arguments');
    }
    let items: unknown[];
    if (typeof arg === 'string') {
      if (arg.length > 1) this.suspicious.push({ callee, literal: arg });
      // What was obviously meant: the whole string is one name (see docs/config.md, "set('name')").
      items = [arg];
    } else if (Array.isArray(arg)) items = [...arg];
    else if (arg && typeof arg === 'object') items = Object.keys(arg);
    else this.fail(`${callee}(...) needs a list, tuple, set, dict or string`);
    return callee === 'set' || callee === 'frozenset' ? makeSet(items) : items;
  }
}

function describe(t: Token): string {
  if (t.kind === 'newline' || t.kind === 'eof') return 'the end of the statement';
  if (t.kind === 'string') return `string ${JSON.stringify(t.value)}`;
  return `\`${t.text}\``;
}
