/** Error page, OAuth consent page and the admin shell page. */
import { html } from './html.js';
import type { AcmeStatus } from '../../../security/acme-files.js';
import { hubUrl, type PageContext } from './context.js';
import { renderPage, translator, xsrfInput, type RenderedPage } from './layout.js';
import type { MessageKey } from '../../i18n/index.js';
import { describeClient, localizeMessage } from './common.js';

export interface ErrorPageData {
  status: number;
  /** The message for the person (e.g. HubError.userMessage); never a stack trace. */
  message?: string;
  /** For 5xx: the id that is also in the log. */
  errorId?: string;
}

const STATUS_TITLES: Record<number, MessageKey> = {
  400: 'error.400',
  403: 'error.403',
  404: 'error.404',
  405: 'error.405',
  409: 'error.409',
  424: 'error.424',
  429: 'error.429',
  500: 'error.500',
  502: 'error.502',
  503: 'error.503',
};

/** Any error page (status set by the route). Shows the status, the message and the error id. */
export function renderError(ctx: PageContext, data: ErrorPageData): RenderedPage {
  const tr = translator(ctx);
  const status = Number.isInteger(data.status) ? data.status : 500;
  const titleKey: MessageKey =
    STATUS_TITLES[status] ?? (status >= 500 ? 'error.500' : 'error.generic');
  const body = html`<section class="card" aria-labelledby="error-title">
  <h1 id="error-title"><span class="status-code">${status}</span> ${tr(titleKey)}</h1>
  ${data.message ? html`<p class="error-message">${localizeMessage(ctx, data.message)}</p>` : ''}
  ${data.errorId ? html`<p class="hint">${tr('error.id')} <code class="mono" id="error-id">${data.errorId}</code></p>` : ''}
  ${status >= 500 ? html`<p class="hint">${tr('error.reportHint')}</p>` : ''}
  <p class="actions"><a class="button button-primary" href="${hubUrl(ctx, 'home')}">${tr('error.backHome')}</a></p>
</section>`;
  return renderPage(ctx, {
    title: titleKey,
    body,
    template: 'error',
    vars: { status, message: data.message ?? '', error_id: data.errorId ?? '' },
  });
}

export interface OAuthConsentPageData {
  /** The OAuth client's description, e.g. "Server at /user/alice/". */
  clientDescription: string;
  /** Scopes requested; each may carry a human description. */
  scopes: Array<string | { scope: string; description?: string }>;
  /** Same token as ctx.xsrf normally; kept explicit because the consent form must carry it. */
  xsrf: string;
}

/**
 * `GET /hub/api/oauth2/authorize` when consent is needed. The form posts back to the same URL
 * (no action attribute, so the query string is kept) with `_xsrf` and one `scopes` per scope.
 */
export function renderOAuthConsent(ctx: PageContext, data: OAuthConsentPageData): RenderedPage {
  const tr = translator(ctx);
  const scopes = data.scopes.map((s) =>
    typeof s === 'string' ? { scope: s, description: undefined } : s,
  );
  const body = html`<section class="card card-narrow" aria-labelledby="oauth-title">
  <h1 id="oauth-title">${tr('oauth.title')}</h1>
  <p>${tr('oauth.intro', { client: describeClient(ctx, data.clientDescription) })}</p>
  <h2>${tr('oauth.permissions')}</h2>
  ${
    scopes.length
      ? html`<ul class="scope-list">${scopes.map(
          (s) =>
            html`<li>${s.description ? html`${s.description} ` : ''}<code>${s.scope}</code></li>`,
        )}</ul>`
      : html`<p>${tr('oauth.identityOnly')}</p>`
  }
  <form method="post" class="stack">
    ${xsrfInput({ ...ctx, xsrf: data.xsrf })}
    ${scopes.map((s) => html`<input type="hidden" name="scopes" value="${s.scope}">`)}
    <div class="actions">
      <button type="submit" class="button button-primary">${tr('oauth.authorize')}</button>
      <a class="button button-secondary" href="${hubUrl(ctx, 'home')}">${tr('oauth.cancel')}</a>
    </div>
  </form>
</section>`;
  return renderPage(ctx, {
    title: 'oauth.title',
    body,
    template: 'oauth',
    vars: { client_description: data.clientDescription },
  });
}

export interface AdminPageData {
  /** Named servers are enabled (show the named-server columns and actions). */
  allowNamedServers?: boolean;
  /** Users per page (default 50, max 200 per the API). */
  pageSize?: number;
  /** The native authenticator's sign-up approval page, when there is one (`/hub/signups`). */
  signupsUrl?: string;
  /** Sign-ups awaiting approval (shown in the link; a notice when not 0). */
  pendingSignups?: number;
  /** PAM as root: offer to create missing Linux accounts with one-time passwords. */
  linuxAccounts?: boolean;
  /** Automatic HTTPS (Labhub.letsencrypt): its last status; undefined when off. */
  https?: AcmeStatus | null;
  /** Labhub.shared_env_dir is set: link to the shared environment's page. */
  sharedEnv?: boolean;
}

/**
 * `GET /hub/admin`: a shell; static/admin.js does all work through the REST API with the
 * session cookie and `X-XSRFToken`. Only real admins (ctx.user.admin) see grant/revoke admin.
 */
function httpsLine(tr: ReturnType<typeof translator>, s: AcmeStatus | null) {
  const names = s?.domains.join(', ') ?? '';
  if (s?.notAfter && s.state === 'valid' && !s.failures)
    return html`<p id="https-status">${tr('admin.httpsValid', { names, issuer: s.issuer ?? '', until: s.notAfter, renew: s.nextAttempt ?? '' })}</p>`;
  if (s?.lastError)
    return html`<p class="alert" id="https-status">${tr('admin.httpsFailing', { names, failures: s.failures, error: s.lastError, next: s.nextAttempt ?? '' })}</p>`;
  return html`<p id="https-status">${tr('admin.httpsPending', { names })}</p>`;
}

export function renderAdmin(ctx: PageContext, data: AdminPageData = {}): RenderedPage {
  const tr = translator(ctx);
  const tab = (id: string, key: MessageKey, selected: boolean) =>
    html`<button type="button" role="tab" id="tab-${id}" aria-controls="panel-${id}" aria-selected="${selected ? 'true' : 'false'}" tabindex="${selected ? '0' : '-1'}">${tr(key)}</button>`;
  const body = html`<h1>${tr('admin.title')}</h1>
<div class="page-status" role="status" aria-live="polite" id="admin-status"></div>
${data.https !== undefined ? httpsLine(tr, data.https) : ''}
${ctx.user?.admin ? html`<p><a href="${hubUrl(ctx, 'admin/usage')}" id="usage-link">${tr('admin.usageLink')}</a></p>` : ''}
${ctx.user?.admin && data.sharedEnv ? html`<p><a href="${hubUrl(ctx, 'admin/environment')}" id="env-link">${tr('env.link')}</a></p>` : ''}
${data.signupsUrl ? html`<p class="${data.pendingSignups ? 'alert' : ''}"><a href="${data.signupsUrl}" id="signups-link">${tr('admin.signupsLink', { count: data.pendingSignups ?? 0 })}</a></p>` : ''}
<div id="admin" data-can-edit-admin="${ctx.user?.admin ? 'true' : 'false'}" data-self="${ctx.user?.name ?? ''}">
<div class="tabs" role="tablist" aria-label="${tr('admin.sections')}">
  ${tab('users', 'admin.tabUsers', true)}${tab('running', 'admin.tabRunning', false)}${tab('failures', 'admin.tabFailures', false)}${tab('groups', 'admin.tabGroups', false)}
</div>
<section role="tabpanel" id="panel-users" aria-labelledby="tab-users">
  <div class="toolbar">
    <div class="field field-inline">
      <label for="user-search">${tr('admin.search')}</label>
      <input id="user-search" type="search" autocomplete="off" spellcheck="false">
    </div>
    <div class="field field-inline">
      <label for="user-state">${tr('admin.stateFilter')}</label>
      <select id="user-state">
        <option value="">${tr('admin.stateAll')}</option>
        <option value="active">${tr('admin.stateActive')}</option>
        <option value="ready">${tr('admin.stateReady')}</option>
        <option value="inactive">${tr('admin.stateInactive')}</option>
      </select>
    </div>
    <button type="button" class="button button-primary" id="show-add-users" aria-expanded="false" aria-controls="add-users">${tr('admin.addUsers')}</button>
  </div>
  <form class="card stack" id="add-users" hidden>
    <div class="field">
      <label for="add-usernames">${tr('admin.usernames')}</label>
      <textarea id="add-usernames" rows="5" required aria-describedby="add-usernames-hint" spellcheck="false"></textarea>
      <p class="hint" id="add-usernames-hint">${tr('admin.usernamesHint')}</p>
    </div>
    ${ctx.user?.admin ? html`<div class="field field-check"><input type="checkbox" id="add-admin"><label for="add-admin">${tr('admin.makeAdmin')}</label></div>` : ''}
    ${
      data.linuxAccounts
        ? html`<div class="field field-check"><input type="checkbox" id="add-linux" checked aria-describedby="add-linux-hint"><label for="add-linux">${tr('admin.createLinuxAccounts')}</label></div>
    <p class="hint" id="add-linux-hint">${tr('admin.createLinuxAccountsHint')}</p>`
        : ''
    }
    <div class="actions"><button type="submit" class="button button-primary">${tr('admin.addUsersSubmit')}</button></div>
  </form>
  ${data.linuxAccounts ? html`<section class="card stack" id="one-time-passwords" hidden aria-labelledby="otp-title"></section>` : ''}
  <div class="table-wrap"><table class="table table-cards" id="users-table" data-page-size="${data.pageSize ?? 50}" data-named-servers="${data.allowNamedServers ? 'true' : 'false'}">
    <caption class="visually-hidden">${tr('admin.tabUsers')}</caption>
    <thead><tr>
      <th scope="col" aria-sort="none"><button type="button" class="sort" data-sort="name">${tr('admin.colUser')}</button></th>
      <th scope="col">${tr('admin.colAdmin')}</th>
      <th scope="col">${tr('admin.colServer')}</th>
      <th scope="col" aria-sort="none"><button type="button" class="sort" data-sort="last_activity" aria-describedby="last-seen-hint">${tr('admin.colLastSeen')}</button></th>
      <th scope="col">${tr('home.actions')}</th>
    </tr></thead>
    <tbody id="users-body"><tr><td colspan="5" class="muted">${tr('admin.loading')}</td></tr></tbody>
  </table></div>
  <p class="hint" id="last-seen-hint">${tr('admin.lastSeenHint')}</p>
  <nav class="pagination" aria-label="${tr('admin.pagination')}">
    <button type="button" class="button button-secondary" id="page-prev">${tr('admin.prev')}</button>
    <span id="page-info" aria-live="polite"></span>
    <button type="button" class="button button-secondary" id="page-next">${tr('admin.next')}</button>
  </nav>
</section>
<section role="tabpanel" id="panel-running" aria-labelledby="tab-running" hidden>
  <p class="hint">${tr('admin.runningIntro')}</p>
  <div class="toolbar"><button type="button" class="button" id="running-refresh">${tr('admin.refresh')}</button></div>
  <div class="table-wrap"><table class="table table-cards" id="running-table">
    <caption class="visually-hidden">${tr('admin.tabRunning')}</caption>
    <thead><tr><th scope="col">${tr('admin.colUser')}</th><th scope="col">${tr('home.serverName')}</th><th scope="col">${tr('home.status')}</th><th scope="col">${tr('home.started')}</th><th scope="col">${tr('home.lastActivity')}</th><th scope="col">${tr('home.actions')}</th></tr></thead>
    <tbody id="running-body"></tbody>
  </table></div>
  <nav class="pagination" aria-label="${tr('admin.pagination')}">
    <button type="button" class="button button-secondary" id="running-prev">${tr('admin.prev')}</button>
    <span id="running-info" aria-live="polite"></span>
    <button type="button" class="button button-secondary" id="running-next">${tr('admin.next')}</button>
  </nav>
</section>
<section role="tabpanel" id="panel-failures" aria-labelledby="tab-failures" hidden>
  <p class="hint">${tr('admin.failuresIntro')}</p>
  <div class="toolbar"><button type="button" class="button" id="failures-refresh">${tr('admin.refresh')}</button></div>
  <div class="table-wrap"><table class="table table-cards" id="failures-table">
    <caption class="visually-hidden">${tr('admin.tabFailures')}</caption>
    <thead><tr><th scope="col">${tr('admin.colUser')}</th><th scope="col">${tr('home.serverName')}</th><th scope="col">${tr('home.started')}</th><th scope="col">${tr('admin.colReason')}</th></tr></thead>
    <tbody id="failures-body"></tbody>
  </table></div>
</section>
<section role="tabpanel" id="panel-groups" aria-labelledby="tab-groups" hidden>
  <form class="inline-form" id="new-group-form">
    <div class="field"><label for="new-group-name">${tr('admin.newGroup')}</label><input id="new-group-name" type="text" required autocomplete="off"></div>
    <button type="submit" class="button button-primary">${tr('admin.createGroup')}</button>
  </form>
  <div id="groups-list" class="stack"></div>
  <nav class="pagination" aria-label="${tr('admin.pagination')}">
    <button type="button" class="button button-secondary" id="groups-prev">${tr('admin.prev')}</button>
    <span id="groups-info" aria-live="polite"></span>
    <button type="button" class="button button-secondary" id="groups-next">${tr('admin.next')}</button>
  </nav>
</section>
</div>`;
  return renderPage(ctx, {
    title: 'admin.title',
    body,
    template: 'admin',
    current: 'admin',
    scripts: [
      'admin-common.js',
      'admin-running.js',
      'admin-groups.js',
      'admin.js',
      ...(data.linuxAccounts ? ['admin-accounts.js'] : []),
    ],
    wide: true,
  });
}
