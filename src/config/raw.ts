/**
 * The config as read from a file, before validation: class → trait → entry, where each
 * entry remembers where it came from (file:line, statement) for messages and migrate-config.
 */
import type { SuspiciousCall } from './py-parser.js';

/** A deferred `.append/.extend/.update/.add/[k]=` on a trait that was never assigned (traitlets' LazyConfigValue). */
export interface LazyOp {
  kind: 'append' | 'extend' | 'update' | 'add' | 'setitem';
  key?: string;
  value: unknown;
}

export interface RawEntry {
  /** The assigned value; undefined when only lazy operations were recorded. */
  value: unknown;
  lazy?: LazyOp[];
  file?: string;
  line?: number;
  /** Source statement (jupyterhub_config.py only). */
  text?: string;
  /** `set('jupyter')` calls in the value. */
  suspicious?: SuspiciousCall[];
  /** What the loader changed about this entry (comments for migrate-config). */
  notes: string[];
  /** The key as written, when a rename moved it (e.g. `Authenticator.whitelist`). */
  originalKey?: string;
}

/** A key that was read and then dropped (unsupported or deprecated no-op). */
export interface DroppedEntry {
  key: string;
  entry: RawEntry;
  reason: string;
}

/** A structured config warning, for the hub log and `labhub doctor`. */
export interface ConfigWarning {
  /** Stable code, `LABHUB_WARN_*` (see docs/config.md, "Warnings"). */
  code: string;
  /** `Class.trait` the warning is about. */
  key: string;
  file?: string;
  line?: number;
  message: string;
  /** `info` notes need no action; `warning` ones do. */
  level: 'warning' | 'info';
}

export class RawConfig {
  readonly classes = new Map<string, Map<string, RawEntry>>();
  readonly dropped: DroppedEntry[] = [];

  get(cls: string, trait: string): RawEntry | undefined {
    return this.classes.get(cls)?.get(trait);
  }
  has(cls: string, trait: string): boolean {
    return this.get(cls, trait) !== undefined;
  }
  set(cls: string, trait: string, entry: RawEntry): void {
    let m = this.classes.get(cls);
    if (!m) this.classes.set(cls, (m = new Map()));
    m.set(trait, entry);
  }
  delete(cls: string, trait: string): void {
    const m = this.classes.get(cls);
    m?.delete(trait);
    if (m && m.size === 0) this.classes.delete(cls);
  }
  drop(cls: string, trait: string, reason: string): void {
    const entry = this.get(cls, trait);
    if (!entry) return;
    this.dropped.push({ key: `${cls}.${trait}`, entry, reason });
    this.delete(cls, trait);
  }
  *entries(): Generator<[string, string, RawEntry]> {
    for (const [cls, m] of [...this.classes])
      for (const [trait, e] of [...m]) yield [cls, trait, e];
  }
}

/** `file:line` or `file` or '' for messages. */
export function where(e: { file?: string; line?: number }): string {
  if (!e.file) return '';
  return e.line ? `${e.file}:${e.line}` : e.file;
}

/** Appends " (file:line)" when known. */
export function at(e: { file?: string; line?: number }): string {
  const w = where(e);
  return w ? ` (${w})` : '';
}
