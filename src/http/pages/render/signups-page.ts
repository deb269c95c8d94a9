/** The admins' list of native sign-ups awaiting approval (`/hub/signups`): approve or discard. */
import { html } from './html.js';
import { hubUrl, type PageContext } from './context.js';
import { renderPage, translator, xsrfInput, type RenderedPage } from './layout.js';
import { timeEl } from './common.js';

export interface SignupsPageData {
  pending: Array<{ name: string; created: string; email?: string | null }>;
  /** `ask_email_on_signup` is on: show the e-mail column. */
  askEmail?: boolean;
  /** Name just approved (confirmation message). */
  approved?: string;
  /** Name just discarded (confirmation message). */
  discarded?: string;
}

export function renderSignups(ctx: PageContext, data: SignupsPageData): RenderedPage {
  const tr = translator(ctx);
  const action = (name: string, what: 'approve' | 'discard') =>
    html`<form method="post" action="${hubUrl(ctx, 'signups')}">${xsrfInput(ctx)}<input type="hidden" name="name" value="${name}"><input type="hidden" name="action" value="${what}"><button type="submit" class="button ${what === 'approve' ? 'button-primary' : 'button-danger'}" data-action="${what}">${tr(what === 'approve' ? 'signups.approve' : 'signups.discard', { name })}</button></form>`;
  const done = data.approved
    ? html`<div class="alert alert-success" role="status">${tr('signups.approved', { name: data.approved })}</div>`
    : data.discarded
      ? html`<div class="alert alert-success" role="status">${tr('signups.discarded', { name: data.discarded })}</div>`
      : '';
  const table = html`<div class="table-wrap"><table class="table table-cards" id="signups-table">
  <caption class="visually-hidden">${tr('signups.title')}</caption>
  <thead><tr>
    <th scope="col">${tr('login.username')}</th>
    ${data.askEmail ? html`<th scope="col">${tr('signup.email')}</th>` : ''}
    <th scope="col">${tr('signups.created')}</th>
    <th scope="col">${tr('home.actions')}</th>
  </tr></thead>
  <tbody>${data.pending.map(
    (p) => html`<tr data-signup="${p.name}">
    <th scope="row">${p.name}</th>
    ${data.askEmail ? html`<td>${p.email ?? ''}</td>` : ''}
    <td>${timeEl(ctx, p.created)}</td>
    <td><div class="actions">${action(p.name, 'approve')}${action(p.name, 'discard')}</div></td>
  </tr>`,
  )}</tbody>
</table></div>`;
  const body = html`<section class="card" aria-labelledby="signups-title">
  <h1 id="signups-title">${tr('signups.title')}</h1>
  ${done}
  <p>${tr('signups.intro')}</p>
  ${data.pending.length ? table : html`<p class="muted">${tr('signups.none')}</p>`}
  <form class="inline-form" method="get" action="${hubUrl(ctx, 'change-password')}">
    <div class="field"><label for="reset-user">${tr('signups.resetIntro')}</label><input id="reset-user" name="user" type="text" required autocomplete="off" autocapitalize="none" spellcheck="false"></div>
    <button type="submit" class="button">${tr('signups.resetSubmit')}</button>
  </form>
  <p><a href="${hubUrl(ctx, 'admin')}">${tr('signups.backToAdmin')}</a></p>
</section>`;
  return renderPage(ctx, {
    title: 'signups.title',
    body,
    template: 'admin',
    current: 'admin',
    wide: true,
  });
}
