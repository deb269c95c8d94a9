import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import type { Principal } from '../core/rbac/permissions.js';
import { pickLanguage, LANG_COOKIE } from './i18n/index.js';
import {
  PAGE_CSP,
  type PageContext,
  type RenderedPage,
  type TemplateOverrides,
} from './pages/render/index.js';
import { xsrfToken } from './xsrf.js';

/** A hub's own page customisation, loaded once at start and kept on its fastify instance. */
export interface PageCustomization {
  templates?: TemplateOverrides;
  announcement?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by createApp: each hub's app has its own (two hubs in one process do not share). */
    labhubPages: PageCustomization;
  }
}

/** Everything a page render needs about this request. */
export function pageContext(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
  principal: Principal | null,
): PageContext {
  const q = req.query as Record<string, unknown> | undefined;
  const queryLang = typeof q?.lang === 'string' ? q.lang : undefined;
  const lang = pickLanguage(req.headers['accept-language'], req.cookies?.[LANG_COOKIE], queryLang);
  if (queryLang && queryLang === lang)
    reply.setCookie(LANG_COOKIE, lang, {
      path: ctx.settings.baseUrl,
      sameSite: 'lax',
      maxAge: 365 * 86400,
    });
  return {
    lang,
    baseUrl: ctx.settings.baseUrl,
    hubPrefix: ctx.settings.hubPrefix,
    user: principal?.user
      ? {
          name: principal.user.name,
          admin: principal.user.admin,
          adminUi: principal.scopes.has('admin-ui'),
        }
      : null,
    xsrf: xsrfToken(ctx, req, reply),
    version: ctx.settings.labhubVersion,
    templates: req.server.labhubPages.templates,
    announcement: req.server.labhubPages.announcement,
    path: req.url.split('?')[0],
  };
}

/**
 * The context of a page for a request fastify could not route (a bad URL): no plugin ran, so
 * no cookies are read or set; anonymous, language from Accept-Language.
 */
export function bareContext(ctx: HubContext, req: FastifyRequest): PageContext {
  return {
    lang: pickLanguage(req.headers['accept-language'], undefined, undefined),
    baseUrl: ctx.settings.baseUrl,
    hubPrefix: ctx.settings.hubPrefix,
    user: null,
    xsrf: '',
    version: ctx.settings.labhubVersion,
    templates: req.server.labhubPages.templates,
    announcement: req.server.labhubPages.announcement,
    path: req.url.split('?')[0],
  };
}

/** Send a rendered page with the page CSP. */
export function sendPage(reply: FastifyReply, page: RenderedPage, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Content-Security-Policy', PAGE_CSP)
    .send(page.html);
}
