/** The token page (`/hub/token`): create API tokens, revoke tokens and authorized applications. */
import { html } from './html.js';
import type { PageContext } from './context.js';
import { renderPage, translator, type RenderedPage } from './layout.js';
import { describeClient, timeEl } from './common.js';

/** One token of the current user (camelCase view of the REST Token model). */
export interface TokenInfo {
  /** `a<integer>` */
  id: string;
  note: string | null;
  created: string | null;
  lastActivity: string | null;
  expiresAt: string | null;
  scopes: string[];
  /** OAuth client description; absent or `JupyterHub` for API tokens made on this page or by the API. */
  oauthClient?: string | null;
}

export interface TokenPageData {
  tokens: TokenInfo[];
}

/** Expiry choices offered by the form, in seconds (0 = never). */
export const TOKEN_EXPIRY_CHOICES = [3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400, 0] as const;

/** `GET /hub/token`. Client behaviour (create/revoke through the REST API): static/token.js. */
export function renderToken(ctx: PageContext, data: TokenPageData): RenderedPage {
  const tr = translator(ctx);
  const userName = ctx.user?.name ?? '';
  const isApi = (tk: TokenInfo) => !tk.oauthClient || tk.oauthClient === 'JupyterHub';
  const api = data.tokens.filter(isApi);
  const apps = data.tokens.filter((tk) => !isApi(tk));
  const expiryLabel = (s: number) =>
    ({
      3600: tr('token.expires1h'),
      86400: tr('token.expires1d'),
      604800: tr('token.expires1w'),
      2592000: tr('token.expires30d'),
      31536000: tr('token.expires1y'),
      0: tr('token.expiresNever'),
    })[s] ?? String(s);

  const revoke = (tk: TokenInfo, label: string) =>
    html`<button type="button" class="button button-danger" data-action="revoke" data-token-id="${tk.id}" aria-label="${label}">${tr('token.revoke')}</button>`;

  const scopesCell = (scopes: string[]) =>
    scopes.length
      ? html`<details><summary>${tr('token.scopeCount', { count: scopes.length })}</summary><ul class="scope-list">${scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul></details>`
      : html`<span class="muted">—</span>`;

  const apiTable = api.length
    ? html`<div class="table-wrap"><table class="table table-cards" id="token-table">
  <caption class="visually-hidden">${tr('token.apiTokens')}</caption>
  <thead><tr>
    <th scope="col">${tr('token.note')}</th><th scope="col">${tr('token.scopes')}</th>
    <th scope="col">${tr('token.lastUsed')}</th><th scope="col">${tr('token.created')}</th>
    <th scope="col">${tr('token.expiresAt')}</th><th scope="col">${tr('home.actions')}</th>
  </tr></thead>
  <tbody>${api.map(
    (tk) => html`<tr data-token-row="${tk.id}">
    <th scope="row">${tk.note ? describeClient(ctx, tk.note) : html`<span class="muted">${tr('token.noNote')}</span>`}</th>
    <td>${scopesCell(tk.scopes)}</td>
    <td>${timeEl(ctx, tk.lastActivity)}</td>
    <td>${timeEl(ctx, tk.created)}</td>
    <td>${tk.expiresAt ? timeEl(ctx, tk.expiresAt) : html`<span class="muted">${tr('token.expiresNever')}</span>`}</td>
    <td>${revoke(tk, tr('token.revokeNamed', { name: tk.note ? describeClient(ctx, tk.note) : tk.id }))}</td>
  </tr>`,
  )}</tbody>
</table></div>`
    : html`<p class="muted" id="no-tokens">${tr('token.none')}</p>`;

  const appsSection = apps.length
    ? html`<section class="card" aria-labelledby="apps-title">
  <h2 id="apps-title">${tr('token.apps')}</h2>
  <p class="hint">${tr('token.appsIntro')}</p>
  <div class="table-wrap"><table class="table table-cards">
    <caption class="visually-hidden">${tr('token.apps')}</caption>
    <thead><tr><th scope="col">${tr('token.client')}</th><th scope="col">${tr('token.scopes')}</th><th scope="col">${tr('token.lastUsed')}</th><th scope="col">${tr('home.actions')}</th></tr></thead>
    <tbody>${apps.map(
      (tk) => html`<tr data-token-row="${tk.id}">
      <th scope="row">${describeClient(ctx, tk.oauthClient ?? '')}</th>
      <td>${scopesCell(tk.scopes)}</td>
      <td>${timeEl(ctx, tk.lastActivity)}</td>
      <td>${revoke(tk, tr('token.revokeNamed', { name: describeClient(ctx, tk.oauthClient ?? tk.id) }))}</td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>`
    : '';

  const body = html`<h1>${tr('token.title')}</h1>
<div class="page-status" role="status" aria-live="polite" id="token-status"></div>
<div id="token-page" data-user="${userName}">
<section class="card" aria-labelledby="new-token-title">
  <h2 id="new-token-title">${tr('token.newTitle')}</h2>
  <p class="hint">${tr('token.intro')}</p>
  <form class="stack" id="token-form">
    <div class="field">
      <label for="token-note">${tr('token.note')}</label>
      <input id="token-note" name="note" type="text" maxlength="1000" autocomplete="off" aria-describedby="token-note-hint">
      <p class="hint" id="token-note-hint">${tr('token.noteHint')}</p>
    </div>
    <div class="field">
      <label for="token-expires">${tr('token.expiresIn')}</label>
      <select id="token-expires" name="expires_in">
        ${TOKEN_EXPIRY_CHOICES.map((s) => html`<option value="${s}">${expiryLabel(s)}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="token-scopes">${tr('token.scopes')}</label>
      <input id="token-scopes" name="scopes" type="text" autocomplete="off" spellcheck="false" aria-describedby="token-scopes-hint">
      <p class="hint" id="token-scopes-hint">${tr('token.scopesHint')}</p>
    </div>
    <button type="submit" class="button button-primary">${tr('token.create')}</button>
  </form>
  <div class="new-token" id="new-token" hidden>
    <p role="status"><strong>${tr('token.createdOnce')}</strong></p>
    <div class="copy-row">
      <label class="visually-hidden" for="new-token-value">${tr('token.value')}</label>
      <input id="new-token-value" type="text" readonly class="mono">
      <button type="button" class="button" id="copy-token">${tr('token.copy')}</button>
    </div>
  </div>
</section>
<section class="card" aria-labelledby="api-tokens-title">
  <h2 id="api-tokens-title">${tr('token.apiTokens')}</h2>
  ${apiTable}
</section>
${appsSection}
</div>`;
  return renderPage(ctx, {
    title: 'token.title',
    body,
    template: 'token',
    current: 'token',
    scripts: ['token.js'],
  });
}
