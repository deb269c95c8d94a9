/** Readers: YAML, JSON, TOML and jupyterhub_config.py text → {@link RawConfig}. */
import { basename } from 'node:path';
import { createRequire } from 'node:module';
import type { Pair } from 'yaml';
import { HubError } from '../errors.js';
import { parsePyConfig, type PyOp } from './py-parser.js';
import { PY_SETS, makeSet, setKey } from './py-values.js';
import { RawConfig, type LazyOp } from './raw.js';

export type ConfigFormat = 'yaml' | 'json' | 'toml' | 'py';

/** The format of a config file, from its name. */
export function formatOf(file: string): ConfigFormat {
  const name = basename(file).toLowerCase();
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'yaml';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.toml')) return 'toml';
  if (name.endsWith('.py')) return 'py';
  throw new HubError(
    'LABHUB_ERR_CONFIG',
    500,
    `Config file ${file}: unknown format. Expected a name ending in .yaml, .yml, .json, .toml or .py.`,
  );
}

/** Parses config text in the given format. */
export function readConfigText(text: string, format: ConfigFormat, file: string): RawConfig {
  switch (format) {
    case 'yaml':
      return readYaml(text, file);
    case 'json':
      return readJson(text, file);
    case 'toml':
      return readToml(text, file);
    case 'py':
      return readPy(text, file);
  }
}

function syntax(file: string, line: number | undefined, msg: string): HubError {
  return new HubError('LABHUB_ERR_CONFIG_SYNTAX', 500, `${file}${line ? `:${line}` : ''}: ${msg}`);
}

/** Builds a RawConfig from a plain `{Class: {trait: value}}` object (JSON, TOML, overrides). */
export function fromObject(
  obj: unknown,
  file: string | undefined,
  lineOf?: (cls: string, trait?: string) => number | undefined,
): RawConfig {
  const raw = new RawConfig();
  if (obj === null || obj === undefined) return raw;
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${file ?? 'config'}: expected a mapping of class names to settings (e.g. \`JupyterHub: {port: 8000}\`), received ${kind(obj)}.`,
    );
  }
  for (const [cls, traits] of Object.entries(obj)) {
    if (traits === null) continue; // `JupyterHub:` with every line commented out
    if (typeof traits !== 'object' || Array.isArray(traits)) {
      const line = lineOf?.(cls);
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `${cls}${file ? ` (${file}${line ? `:${line}` : ''})` : ''}: expected a mapping of trait names to values (e.g. \`${cls}: {trait: value}\`), received ${kind(traits)}.`,
      );
    }
    for (const [trait, value] of Object.entries(traits as Record<string, unknown>)) {
      raw.set(cls, trait, { value, file, line: lineOf?.(cls, trait), notes: [] });
    }
  }
  return raw;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}

/** The YAML and TOML parsers load only for a config in their format (most configs are Python). */
const requireParser = createRequire(import.meta.url);

function readYaml(text: string, file: string): RawConfig {
  const { LineCounter, parseDocument, isMap, isScalar } = requireParser(
    'yaml',
  ) as typeof import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw syntax(file, line, `YAML error: ${e.message.split('\n')[0]}`);
  }
  const lines = new Map<string, number>();
  if (isMap(doc.contents)) {
    for (const p of doc.contents.items as Pair[]) {
      const cls = isScalar(p.key) ? String(p.key.value) : '';
      if (isScalar(p.key) && p.key.range) lines.set(cls, lc.linePos(p.key.range[0]).line);
      if (isMap(p.value)) {
        for (const q of p.value.items as Pair[]) {
          if (isScalar(q.key) && q.key.range)
            lines.set(`${cls}.${String(q.key.value)}`, lc.linePos(q.key.range[0]).line);
        }
      }
    }
  }
  return fromObject(doc.toJS(), file, (c, t) => lines.get(t === undefined ? c : `${c}.${t}`));
}

function readJson(text: string, file: string): RawConfig {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw syntax(file, line, `JSON error: ${msg}`);
  }
  return fromObject(obj, file, jsonLines(text));
}

/** Best-effort line numbers for `"Class": { "trait": ...` in JSON/TOML text. */
function jsonLines(text: string): (cls: string, trait?: string) => number | undefined {
  const lines = text.split('\n');
  return (cls, trait) => {
    const clsIdx = lines.findIndex((l) => l.includes(`"${cls}"`) || l.trim() === `[${cls}]`);
    if (clsIdx < 0) return undefined;
    if (trait === undefined) return clsIdx + 1;
    const re = new RegExp(`^\\s*("${trait}"|${trait})\\s*[:=]`);
    for (let i = clsIdx; i < lines.length; i++) if (re.test(lines[i]!)) return i + 1;
    return undefined;
  };
}

function readToml(text: string, file: string): RawConfig {
  const { parse: parseToml } = requireParser('smol-toml') as typeof import('smol-toml');
  let obj: unknown;
  try {
    obj = parseToml(text);
  } catch (e) {
    const line = (e as { line?: number }).line;
    throw syntax(file, line, `TOML error: ${(e as Error).message.split('\n')[0]}`);
  }
  return fromObject(obj, file, jsonLines(text));
}

function readPy(text: string, file: string): RawConfig {
  const raw = new RawConfig();
  for (const op of parsePyConfig(text, file)) applyPyOp(raw, op, file);
  return raw;
}

function applyPyOp(raw: RawConfig, op: PyOp, file: string): void {
  const prev = raw.get(op.cls, op.trait);
  const base = { file, line: op.line, text: op.text, notes: [] as string[] };
  const suspicious = [...(prev?.suspicious ?? []), ...op.suspicious];
  if (op.kind === 'assign') {
    raw.set(op.cls, op.trait, { ...base, value: op.value, suspicious: op.suspicious });
    return;
  }
  const lazy: LazyOp = { kind: op.kind, key: op.key, value: op.value };
  if (!prev || prev.value === undefined) {
    // Like traitlets' LazyConfigValue: applied to the default at validation time.
    raw.set(op.cls, op.trait, {
      ...base,
      line: prev?.line ?? op.line,
      text: prev ? `${prev.text ?? ''}\n${op.text}` : op.text,
      value: undefined,
      lazy: [...(prev?.lazy ?? []), lazy],
      suspicious,
    });
    return;
  }
  const value = applyLazy(prev.value, lazy, `c.${op.cls}.${op.trait}`, `${file}:${op.line}`);
  raw.set(op.cls, op.trait, {
    ...prev,
    ...base,
    text: `${prev.text ?? ''}\n${op.text}`.trim(),
    line: prev.line,
    value,
    suspicious,
  });
}

/**
 * Applies one deferred operation to a value, returning a new value (Python semantics:
 * `.update` on a set is a union, on a dict a merge).
 * @throws HubError LABHUB_ERR_CONFIG when the operation does not fit the value's type.
 */
export function applyLazy(value: unknown, op: LazyOp, key: string, loc: string): unknown {
  const bad = (what: string) =>
    new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `${key} (${loc}): .${op.kind === 'setitem' ? '[key] =' : `${op.kind}()`} needs ${what}, but the value is ${JSON.stringify(value)}.`,
    );
  if (op.kind === 'setitem') {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad('a dict');
    const out = { ...(value as Record<string, unknown>) };
    setKey(out, op.key!, op.value);
    return out;
  }
  if (op.kind === 'update' && value && typeof value === 'object' && !Array.isArray(value)) {
    if (!op.value || typeof op.value !== 'object' || Array.isArray(op.value))
      throw bad('a dict argument');
    const out = { ...(value as Record<string, unknown>) };
    for (const [k, v] of Object.entries(op.value)) setKey(out, k, v);
    return out;
  }
  if (!Array.isArray(value)) throw bad('a list or set');
  const isSet = PY_SETS.has(value) || op.kind === 'add' || op.kind === 'update';
  let items: unknown[];
  if (op.kind === 'append' || op.kind === 'add') items = [...value, op.value];
  else {
    if (!Array.isArray(op.value)) throw bad('a list argument');
    items = [...value, ...op.value];
  }
  return isSet ? makeSet(items) : items;
}
