/** `/hub/accept-share?code=…`: confirm before a share code is exchanged. */
import { html } from './html.js';
import { type PageContext } from './context.js';
import { renderPage, translator, xsrfInput, type RenderedPage } from './layout.js';

export interface AcceptSharePageData {
  owner: string;
  /** Server label, e.g. `alice/` or `alice/gpu`. */
  server: string;
  /** The form posts here (the same URL, with the code). */
  action: string;
}

export function renderAcceptShare(ctx: PageContext, data: AcceptSharePageData): RenderedPage {
  const tr = translator(ctx);
  const body = html`<section class="card card-narrow" aria-labelledby="share-title">
  <h1 id="share-title">${tr('share.title')}</h1>
  <p>${tr('share.intro', { owner: data.owner, server: data.server })}</p>
  <form method="post" action="${data.action}" class="stack">
    ${xsrfInput(ctx)}
    <div class="actions"><button type="submit" class="button button-primary">${tr('share.accept')}</button></div>
  </form>
</section>`;
  return renderPage(ctx, { title: 'share.title', body, template: 'oauth' });
}
