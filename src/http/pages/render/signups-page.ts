/** The admin's list of native sign-ups awaiting approval (`/hub/signups`). */
import { html } from './html.js';
import { hubUrl, type PageContext } from './context.js';
import { renderPage, translator, xsrfInput, type RenderedPage } from './layout.js';
import { timeEl } from './common.js';

export interface SignupsPageData {
  pending: Array<{ name: string; created: string }>;
  /** Name just approved (confirmation message). */
  approved?: string;
}

export function renderSignups(ctx: PageContext, data: SignupsPageData): RenderedPage {
  const tr = translator(ctx);
  const body = html`<section class="card" aria-labelledby="signups-title">
  <h1 id="signups-title">${tr('signups.title')}</h1>
  ${data.approved ? html`<div class="alert alert-success" role="status">${tr('signups.approved', { name: data.approved })}</div>` : ''}
  <p>${tr('signups.intro')}</p>
  ${
    data.pending.length
      ? html`<ul class="plain-list stack">${data.pending.map(
          (p) => html`<li><form method="post" action="${hubUrl(ctx, 'signups')}" class="actions">
      ${xsrfInput(ctx)}<input type="hidden" name="name" value="${p.name}">
      <strong>${p.name}</strong> <span class="muted">${tr('signups.created')} ${timeEl(ctx, p.created)}</span>
      <button type="submit" class="button button-primary">${tr('signups.approve', { name: p.name })}</button>
    </form></li>`,
        )}</ul>`
      : html`<p class="muted">${tr('signups.none')}</p>`
  }
</section>`;
  return renderPage(ctx, { title: 'signups.title', body, template: 'admin', current: 'admin' });
}
