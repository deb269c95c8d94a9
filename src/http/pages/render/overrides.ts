/**
 * Operator template overrides (`JupyterHub.template_paths`) and the logo (`JupyterHub.logo_file`).
 *
 * A file `<name>.html` in one of the template paths replaces the main content of that page
 * (`page.html` replaces the whole document around it). Placeholders:
 *  - `{{var}}`: a value of the page, HTML-escaped — except values the hub itself renders as
 *    markup (`content`, `head`, `header`, `footer`, `scripts`, `xsrf_input`), which are inserted
 *    as is;
 *  - `{{t:key}}`: a message from the catalog in the page's language, escaped.
 * Everything else in the file is copied verbatim (it is the operator's own markup). Unknown
 * placeholders and Jinja syntax are refused when the files are loaded, naming file and line.
 * See TEMPLATES.md next to this file.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, extname, resolve } from 'node:path';
import { HubError } from '../../../errors.js';
import { CATALOGS, t, type Lang, type MessageKey } from '../../i18n/index.js';
import { escapeHtml, isSafeHtml, trustedHtml, type SafeHtml } from './html.js';
import { STATIC_DIR } from './context.js';

const COMMON_VARS = [
  'lang',
  'title',
  'base_url',
  'hub_prefix',
  'static_url',
  'xsrf',
  'xsrf_input',
  'user',
  'version',
  'announcement',
  'logo_url',
  'content',
] as const;

/** Page templates that may be overridden, with the variables each one offers besides the common ones. */
export const TEMPLATE_VARS = {
  page: ['head', 'header', 'footer', 'scripts', 'body_class'],
  login: [
    'next',
    'error',
    'username',
    'login_url',
    'login_button_url',
    'login_button_label',
    'signup_url',
  ],
  signup: ['error', 'username', 'email'],
  'change-password': ['error'],
  'new-password': ['error', 'username'],
  home: ['spawn_url'],
  'spawn-pending': ['user_name', 'server_name', 'progress_url', 'next_url'],
  'not-running': ['user_name', 'server_name', 'spawn_url', 'error'],
  spawn: ['user_name', 'server_name', 'error'],
  token: [],
  error: ['status', 'message', 'error_id'],
  oauth: ['client_description'],
  admin: [],
  'admin-usage': [],
} as const satisfies Record<string, readonly string[]>;

export type TemplateName = keyof typeof TEMPLATE_VARS;
export const TEMPLATE_NAMES = Object.keys(TEMPLATE_VARS) as TemplateName[];

type Part = { text: string } | { name: string } | { key: MessageKey };

/** A parsed override file. */
export interface CompiledTemplate {
  readonly file: string;
  readonly parts: readonly Part[];
}

/** What {@link loadTemplateOverrides} found. Pass it as `PageContext.templates`. */
export interface TemplateOverrides {
  readonly templates: ReadonlyMap<TemplateName, CompiledTemplate>;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Parses one override file; throws LABHUB_ERR_CONFIG for unknown placeholders or Jinja tags. */
export function compileTemplate(name: TemplateName, file: string, text: string): CompiledTemplate {
  const jinja = /\{%|\{#/.exec(text);
  if (jinja) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `Template ${file}:${lineOf(text, jinja.index)} uses Jinja syntax ("${jinja[0]}"), which labhub does not run. ` +
        'labhub templates are plain HTML with {{var}} placeholders; rewrite the file (see TEMPLATES.md) or remove it from JupyterHub.template_paths.',
    );
  }
  const allowed = new Set<string>([...COMMON_VARS, ...TEMPLATE_VARS[name]]);
  const parts: Part[] = [];
  const re = /\{\{\s*([^{}]*?)\s*\}\}/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    const spec = m[1]!;
    if (spec.startsWith('t:')) {
      const key = spec.slice(2).trim();
      if (!Object.prototype.hasOwnProperty.call(CATALOGS.en, key)) {
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          500,
          `Template ${file}:${lineOf(text, m.index)} asks for message "${key}", which is not in the catalog. ` +
            'Use a key from src/http/i18n/en.ts, or write the text directly.',
        );
      }
      parts.push({ key: key as MessageKey });
    } else if (allowed.has(spec)) {
      parts.push({ name: spec });
    } else {
      throw new HubError(
        'LABHUB_ERR_CONFIG',
        500,
        `Template ${file}:${lineOf(text, m.index)} uses the placeholder {{${spec}}}, which ${name}.html does not offer. ` +
          `Expected one of: ${[...allowed].sort().join(', ')}, or {{t:message.key}}.`,
      );
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return { file, parts };
}

/**
 * Reads `<name>.html` overrides from the template paths (the first path that has a file wins,
 * as with JupyterHub). Files with other names are ignored.
 * @throws HubError LABHUB_ERR_CONFIG for an unreadable file, Jinja syntax or an unknown placeholder.
 */
export async function loadTemplateOverrides(paths: readonly string[]): Promise<TemplateOverrides> {
  const templates = new Map<TemplateName, CompiledTemplate>();
  for (const name of TEMPLATE_NAMES) {
    for (const dir of paths) {
      const file = join(resolve(dir), `${name}.html`);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        if (
          (e as NodeJS.ErrnoException).code === 'ENOENT' ||
          (e as NodeJS.ErrnoException).code === 'ENOTDIR'
        )
          continue;
        throw new HubError(
          'LABHUB_ERR_CONFIG',
          500,
          `Template ${file} could not be read: ${(e as Error).message}. Fix its permissions or remove it.`,
        );
      }
      templates.set(name, compileTemplate(name, file, text));
      break;
    }
  }
  return { templates };
}

/** Values for a template's placeholders. SafeHtml values are inserted as markup. */
export type TemplateVars = Record<string, string | number | SafeHtml | null | undefined>;

/** Renders an override if the operator supplied one for `name`, else returns null. */
export function applyOverride(
  overrides: TemplateOverrides | undefined,
  name: TemplateName,
  lang: Lang,
  vars: TemplateVars,
): SafeHtml | null {
  const tpl = overrides?.templates.get(name);
  if (!tpl) return null;
  let out = '';
  for (const part of tpl.parts) {
    if ('text' in part) out += part.text;
    else if ('key' in part) out += escapeHtml(t(lang, part.key));
    else {
      const v = vars[part.name];
      if (v === null || v === undefined) continue;
      out += isSafeHtml(v) ? v.value : escapeHtml(String(v));
    }
  }
  return trustedHtml(out);
}

const LOGO_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
};

/** The logo file to serve at `<hubPrefix>logo`, and its content type. */
export interface LogoFile {
  path: string;
  contentType: string;
}

/**
 * Resolves `JupyterHub.logo_file` (or the built-in logo when empty).
 * @throws HubError LABHUB_ERR_CONFIG when the file is missing or not an image type we serve.
 */
export async function resolveLogo(logoFile?: string): Promise<LogoFile> {
  if (!logoFile) return { path: join(STATIC_DIR, 'logo.svg'), contentType: LOGO_TYPES['.svg']! };
  const path = resolve(logoFile);
  const type = LOGO_TYPES[extname(path).toLowerCase()];
  if (!type) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.logo_file ${path} has an unsupported extension "${extname(path)}". Expected one of ${Object.keys(LOGO_TYPES).join(', ')}.`,
    );
  }
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (e) {
    throw new HubError(
      'LABHUB_ERR_CONFIG',
      500,
      `JupyterHub.logo_file ${path} cannot be used: ${(e as Error).message}. Point it at an existing image file.`,
    );
  }
  return { path, contentType: type };
}
