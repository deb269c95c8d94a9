/**
 * What every page render function receives, plus the constants the HTTP layer needs to serve
 * the pages (CSP, where the static files live).
 */
import { fileURLToPath } from 'node:url';
import type { Lang } from '../../i18n/index.js';
import type { TemplateOverrides } from './overrides.js';

/** The person looking at the page, as far as the page needs to know. */
export interface PageUser {
  name: string;
  admin: boolean;
  /** May open the admin page (holds `admin-ui`); defaults to `admin`. */
  adminUi?: boolean;
}

/** Request-level data shared by all pages. */
export interface PageContext {
  lang: Lang;
  /** `JupyterHub.base_url`, with trailing slash, e.g. `/`. */
  baseUrl: string;
  /** The hub's prefix, with trailing slash, e.g. `/hub/`. */
  hubPrefix: string;
  user: PageUser | null;
  /** The XSRF token for forms (`_xsrf`) and for `X-XSRFToken` in client fetches. */
  xsrf: string;
  /** Plain-text banner shown on every page (escaped). */
  announcement?: string;
  version: string;
  /** URL of the logo image; default `<hubPrefix>static/logo.svg`. */
  logoUrl?: string;
  /** Admin template overrides from {@link loadTemplateOverrides}. */
  templates?: TemplateOverrides;
  /** The path of the current request (used to mark the current nav item), e.g. `/hub/home`. */
  path?: string;
}

/**
 * Content-Security-Policy for every HTML page. No inline scripts or styles are used; client
 * data travels in `<script type="application/json">` blocks, which are never executed.
 * (No `form-action`: the OAuth consent form may redirect to a user server on another host.)
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'";

/**
 * The folder that holds the static files (CSS, client JS, logo), served at `<hubPrefix>static/`.
 * tsc does not copy non-.ts files, so both `src/http/pages/render/` (tsx) and
 * `dist/http/pages/render/` (compiled) resolve to the same `src/http/static/` folder: both sit
 * four levels below the package root.
 */
export const STATIC_DIR: string = fileURLToPath(
  new URL('../../../../src/http/static/', import.meta.url),
);

/** URL of a static file, with a version query so browsers refetch after an upgrade. */
export function staticUrl(ctx: PageContext, file: string): string {
  return `${ctx.hubPrefix}static/${file}?v=${encodeURIComponent(ctx.version)}`;
}

/** Joins the hub prefix and a path below it: `hubUrl(ctx, 'home')` → `/hub/home`. */
export function hubUrl(ctx: PageContext, path: string): string {
  return ctx.hubPrefix + path.replace(/^\/+/, '');
}
