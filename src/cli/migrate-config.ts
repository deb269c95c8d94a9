/**
 * `labhub migrate-config jupyterhub_config.py`: the equivalent labhub.yaml, with a comment on
 * every line giving the original line number and, for changed lines, what changed and why
 * (renamed keys, `set('jupyter')` fixed, `%U`, dropped or unsupported settings).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Document, visit } from 'yaml';
import { HubError } from '../errors.js';
import { checkRaw } from '../config/checks.js';
import { applyRenames } from '../config/renames.js';
import { type ConfigWarning, type RawEntry } from '../config/raw.js';
import { CLASS_NAMES, isClassName, traitsOf } from '../config/schema.js';
import { applyLazy, readConfigText } from '../config/sources.js';
import { checkKeys } from '../config/validate.js';
import { buildConfig } from '../config/load.js';

/** Short notes for warnings that do not change a value but deserve a word in the YAML. */
const NOTES: Record<string, (w: ConfigWarning) => string> = {
  LABHUB_WARN_CONFIG_WILDCARD_IP: () => "'*' = all interfaces",
  LABHUB_WARN_CONFIG_HUB_PORT_PUBLIC: () =>
    "note: hub_port is the hub's internal API port; users connect on JupyterHub.port (8000)",
  LABHUB_WARN_CONFIG_STATSD_NO_HOST: () =>
    'note: nothing is sent until JupyterHub.statsd_host is set',
};

function oneLine(v: unknown): string {
  // Flow style and double-quoted multi-line strings keep every setting on one line, next to its comment.
  const doc = new Document(v);
  visit(doc, {
    Scalar(_, n) {
      if (typeof n.value === 'string' && /[\n\r]/.test(n.value)) n.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.trim();
}

/**
 * Reads a jupyterhub_config.py and returns the equivalent labhub YAML text.
 * @param pyFile path of the jupyterhub_config.py to migrate.
 * @throws HubError LABHUB_ERR_CONFIG_SYNTAX for statements outside the supported subset,
 *   LABHUB_ERR_CONFIG when an old key and its new name are set to different values.
 */
export function migrateConfig(pyFile: string): string {
  let text: string;
  try {
    text = readFileSync(pyFile, 'utf8');
  } catch (e) {
    throw new HubError('LABHUB_ERR_CONFIG', 500, `Cannot read ${pyFile}: ${(e as Error).message}.`);
  }
  const file = basename(pyFile);
  const raw = readConfigText(text, 'py', file);
  const warnings: ConfigWarning[] = [];
  applyRenames(raw, warnings);
  checkKeys(raw, warnings, { lenient: true });
  checkRaw(raw, warnings);
  try {
    // The full load adds the notes about valid-but-surprising values (hub_port, statsd…).
    warnings.push(...buildConfig(readConfigText(text, 'py', file), null).warnings);
  } catch {
    // Invalid values are written as they are; `labhub --config` will report them.
  }

  const out: string[] = [
    `# labhub configuration, migrated from ${file} by \`labhub migrate-config\`.`,
    '# "line N" is the line in the original file; changed settings say what changed and why.',
    '# Check the comments, then start labhub with: labhub --config labhub.yaml',
  ];
  const classes = [...raw.classes.keys()].sort((a, b) => order(a) - order(b));
  for (const cls of classes) {
    const entries = [...raw.classes.get(cls)!.entries()].sort(
      ([, a], [, b]) => (a.line ?? 0) - (b.line ?? 0),
    );
    out.push(`${cls}:`);
    for (const [trait, e] of entries) {
      const notes = [...e.notes];
      for (const w of warnings)
        if (w.key === `${cls}.${trait}` && NOTES[w.code]) notes.push(NOTES[w.code]!(w));
      let value = e.value;
      if (e.lazy?.length) {
        const schema = isClassName(cls) ? traitsOf(cls)[trait] : undefined;
        value = value === undefined ? schema?.parse(undefined) : value;
        for (const op of e.lazy)
          value = applyLazy(value, op, `${cls}.${trait}`, `${file}:${e.line}`);
        notes.push(`.${e.lazy.map((o) => o.kind).join('/.')}() applied to the default`);
      }
      out.push(
        `  ${trait}: ${oneLine(value)}  ${comment(e, notes, notes.length > 0 && (e.notes.length > 0 || !!e.lazy?.length))}`,
      );
    }
  }
  if (raw.dropped.length) {
    out.push('', '# Not migrated (no effect in labhub):');
    for (const d of [...raw.dropped].sort((a, b) => (a.entry.line ?? 0) - (b.entry.line ?? 0))) {
      out.push(`# line ${d.entry.line ?? '?'}: ${firstLine(d.entry.text) || d.key} -- ${d.reason}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function order(cls: string): number {
  const i = (CLASS_NAMES as string[]).indexOf(cls);
  return i < 0 ? 1000 : i;
}

function comment(e: RawEntry, notes: string[], changed: boolean): string {
  const head = `# line ${e.line ?? '?'}`;
  if (!notes.length) return head;
  return `${head}: ${notes.join('; ')}${changed ? ` (was: ${firstLine(e.text)})` : ''}`;
}
