/**
 * The page frame: head (CSS, client catalog, scripts), header (logo, user, navigation,
 * language and theme switches, logout), announcement, main and footer.
 */
import {
  clientMessages,
  htmlLang,
  t,
  type MessageKey,
  type MessageParams,
} from '../../i18n/index.js';
import { html, jsonScript, trustedHtml, type SafeHtml } from './html.js';
import { hubUrl, staticUrl, type PageContext } from './context.js';
import { applyOverride, type TemplateName, type TemplateVars } from './overrides.js';

/** Which client message group each page script uses. */
const SCRIPT_MESSAGES: Record<string, string> = {
  'home.js': 'js.home.',
  'spawn-pending.js': 'js.pending.',
  'not-running.js': 'js.notRunning.',
  'token.js': 'js.token.',
  'admin.js': 'js.admin.',
  'admin-common.js': 'js.admin.',
  'admin-running.js': 'js.admin.',
  'admin-groups.js': 'js.admin.',
  'admin-accounts.js': 'js.admin.',
};

/** The result of every render function. */
export interface RenderedPage {
  html: string;
}

export interface PageOptions {
  /** Catalog key of the page title. */
  title: MessageKey;
  /** Main content (the default markup; an operator override may wrap or replace it). */
  body: SafeHtml;
  /** Which override file applies (`<template>.html`). */
  template: TemplateName;
  /** Page-specific placeholder values for overrides. */
  vars?: TemplateVars;
  /** Page scripts from the static folder, loaded after common.js. */
  scripts?: string[];
  /** Nav item to mark as current. */
  current?: 'home' | 'token' | 'admin';
  /** Extra JSON data for the page script (`<script type="application/json" id="page-data">`). */
  pageData?: unknown;
  /** Wider main column (admin). */
  wide?: boolean;
}

/** Shorthand used by the page modules: `const tr = translator(ctx)`. */
export function translator(ctx: PageContext): (key: MessageKey, params?: MessageParams) => string {
  return (key, params) => t(ctx.lang, key, params);
}

/** The hidden `_xsrf` input every form carries. */
export function xsrfInput(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="_xsrf" value="${ctx.xsrf}">`;
}

function header(ctx: PageContext, current: PageOptions['current']): SafeHtml {
  const tr = translator(ctx);
  const logo = ctx.logoUrl ?? staticUrl(ctx, 'logo.svg');
  const cur = (name: string) => (current === name ? trustedHtml(' aria-current="page"') : '');
  const user = ctx.user;
  const nav = user
    ? html`<nav class="site-nav" aria-label="${tr('nav.label')}">
  <ul>
    <li><a href="${hubUrl(ctx, 'home')}"${cur('home')}>${tr('nav.home')}</a></li>
    <li><a href="${hubUrl(ctx, 'token')}"${cur('token')}>${tr('nav.token')}</a></li>
    ${(user.adminUi ?? user.admin) ? html`<li><a href="${hubUrl(ctx, 'admin')}"${cur('admin')}>${tr('nav.admin')}</a></li>` : ''}
  </ul>
</nav>`
    : '';
  const langLink = (lang: 'en' | 'zh', label: string) =>
    html`<a href="?lang=${lang}" hreflang="${htmlLang(lang)}" lang="${htmlLang(lang)}" data-lang="${lang}"${
      ctx.lang === lang ? trustedHtml(' aria-current="true"') : ''
    }>${label}</a>`;
  return html`<header class="site-header">
  <a class="brand" href="${hubUrl(ctx, user ? 'home' : 'login')}"><img src="${logo}" alt="${tr('brand.logoAlt')}" width="120" height="32"></a>
  ${nav}
  <div class="header-tools">
    ${user ? html`<span class="user-name" title="${tr('header.signedInAs', { name: user.name })}"><span class="visually-hidden">${tr('header.signedInAsLabel')} </span>${user.name}</span>` : ''}
    <div class="lang-switch" role="group" aria-label="${tr('header.language')}">${langLink('en', 'English')}<span aria-hidden="true">·</span>${langLink('zh', '中文')}</div>
    <button type="button" class="theme-toggle" id="theme-toggle" title="${tr('header.theme')}">${tr('header.themeAuto')}</button>
    ${user ? html`<a class="button button-secondary logout" href="${hubUrl(ctx, 'logout')}">${tr('nav.logout')}</a>` : ''}
  </div>
</header>`;
}

/** Renders a full page around `opts.body`, applying operator overrides. */
export function renderPage(ctx: PageContext, opts: PageOptions): RenderedPage {
  const tr = translator(ctx);
  const title = tr(opts.title);
  const common: TemplateVars = {
    lang: htmlLang(ctx.lang),
    title,
    base_url: ctx.baseUrl,
    hub_prefix: ctx.hubPrefix,
    static_url: `${ctx.hubPrefix}static/`,
    xsrf: ctx.xsrf,
    xsrf_input: xsrfInput(ctx),
    user: ctx.user?.name ?? '',
    version: ctx.version,
    announcement: ctx.announcement ?? '',
    logo_url: ctx.logoUrl ?? staticUrl(ctx, 'logo.svg'),
  };
  const content =
    applyOverride(ctx.templates, opts.template, ctx.lang, {
      ...common,
      ...opts.vars,
      content: opts.body,
    }) ?? opts.body;

  const scripts = ['common.js', ...(opts.scripts ?? [])];
  const head = html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="xsrf" content="${ctx.xsrf}">
<meta name="hub-prefix" content="${ctx.hubPrefix}">
<meta name="base-url" content="${ctx.baseUrl}">
<meta name="referrer" content="same-origin">
<title>${title} · labhub</title>
<link rel="stylesheet" href="${staticUrl(ctx, 'style.css')}">
<link rel="icon" href="${ctx.logoUrl ?? staticUrl(ctx, 'logo.svg')}">
<script src="${staticUrl(ctx, 'theme-init.js')}"></script>
${jsonScript(
  'i18n',
  clientMessages(
    ctx.lang,
    (opts.scripts ?? []).map((s) => SCRIPT_MESSAGES[s] ?? `js.${s}.`),
  ),
)}
${opts.pageData === undefined ? '' : jsonScript('page-data', opts.pageData)}`;
  const scriptTags = scripts.map((s) => html`<script src="${staticUrl(ctx, s)}" defer></script>`);
  const headerHtml = header(ctx, opts.current);
  const announcement = ctx.announcement
    ? html`<div class="announcement" role="note" aria-label="${tr('header.announcement')}">${ctx.announcement}</div>`
    : '';
  const footer = html`<footer class="site-footer"><p>${tr('footer.poweredBy', { version: ctx.version })}</p></footer>`;
  const bodyClass = opts.wide ? 'page-wide' : '';

  const overridden = applyOverride(ctx.templates, 'page', ctx.lang, {
    ...common,
    content,
    head: html`${head}${scriptTags}`,
    header: html`${headerHtml}${announcement}`,
    footer,
    scripts: html`${scriptTags}`,
    body_class: bodyClass,
  });
  if (overridden) return { html: overridden.value };

  const doc = html`<!doctype html>
<html lang="${htmlLang(ctx.lang)}">
<head>
${head}
${scriptTags}
</head>
<body class="${bodyClass}">
<a class="skip-link" href="#main">${tr('a11y.skipToContent')}</a>
${headerHtml}
${announcement}
<main id="main" tabindex="-1">
${content}
</main>
${footer}
</body>
</html>
`;
  return { html: doc.value };
}
