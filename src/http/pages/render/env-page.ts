/** The admins' page of the shared environment (`/hub/admin/environment`): list, add, remove. */
import { html } from './html.js';
import { hubUrl, type PageContext } from './context.js';
import { renderPage, translator, xsrfInput, type RenderedPage } from './layout.js';

export interface EnvPageData {
  /** Labhub.shared_env_dir is set. */
  enabled: boolean;
  packages: Array<{ name: string; version: string }>;
  dependencies: Array<{ name: string; version: string }>;
  /** What the last change did (a success line), or its error (pip's message). */
  done?: string;
  error?: string;
  /** The text typed into the install field, kept after an error. */
  asked?: string;
}

export function renderEnvPage(ctx: PageContext, data: EnvPageData): RenderedPage {
  const tr = translator(ctx);
  const url = hubUrl(ctx, 'admin/environment');
  const remove = (name: string) =>
    html`<form method="post" action="${url}">${xsrfInput(ctx)}<input type="hidden" name="action" value="remove"><input type="hidden" name="package" value="${name}"><button type="submit" class="button button-danger" data-remove="${name}">${tr('env.remove', { name })}</button></form>`;
  const table = html`<div class="table-wrap"><table class="table table-cards" id="env-table">
  <caption class="visually-hidden">${tr('env.title')}</caption>
  <thead><tr><th scope="col">${tr('env.package')}</th><th scope="col">${tr('env.version')}</th><th scope="col">${tr('home.actions')}</th></tr></thead>
  <tbody>${data.packages.map(
    (p) =>
      html`<tr data-package="${p.name}"><th scope="row">${p.name}</th><td>${p.version}</td><td>${remove(p.name)}</td></tr>`,
  )}</tbody>
</table></div>`;
  const deps = data.dependencies.length
    ? html`<p class="hint" id="env-deps">${tr('env.dependencies', { list: data.dependencies.map((d) => `${d.name}==${d.version}`).join(', ') })}</p>`
    : '';
  const form = html`<form class="card stack" method="post" action="${url}" id="env-install">
  ${xsrfInput(ctx)}<input type="hidden" name="action" value="install">
  <div class="field">
    <label for="env-packages">${tr('env.installLabel')}</label>
    <input id="env-packages" name="packages" type="text" required autocomplete="off" spellcheck="false" value="${data.asked ?? ''}" aria-describedby="env-packages-hint">
    <p class="hint" id="env-packages-hint">${tr('env.installHint')}</p>
  </div>
  <div class="actions"><button type="submit" class="button button-primary">${tr('env.install')}</button></div>
</form>`;
  const body = html`<section class="stack" aria-labelledby="env-title">
  <h1 id="env-title">${tr('env.title')}</h1>
  ${data.done ? html`<div class="alert alert-success" role="status" id="env-done">${data.done}</div>` : ''}
  ${data.error ? html`<div class="alert" role="alert" id="env-error"><pre>${data.error}</pre></div>` : ''}
  ${
    data.enabled
      ? html`<p>${tr('env.intro')}</p>
  ${data.packages.length ? table : html`<p class="muted" id="env-empty">${tr('env.none')}</p>`}
  ${deps}
  ${form}`
      : html`<p id="env-off">${tr('env.off')}</p>`
  }
  <p><a href="${hubUrl(ctx, 'admin')}">${tr('signups.backToAdmin')}</a></p>
</section>`;
  return renderPage(ctx, {
    title: 'env.title',
    body,
    template: 'admin',
    current: 'admin',
    wide: true,
  });
}
