/** The control panel (`/hub/home`): the default server and named servers. */
import { html, boolAttr } from './html.js';
import { hubUrl, type PageContext } from './context.js';
import { renderPage, translator, type RenderedPage } from './layout.js';
import { seg, serverStatus, statusBadge, timeEl } from './common.js';

/** One server of the current user as the home page shows it. */
export interface HomeServer {
  /** `''` for the default server. */
  name: string;
  displayName?: string;
  /** Where the server lives, e.g. `/user/alice/gpu/`. */
  url: string;
  ready: boolean;
  /** `'spawn' | 'stop' | 'check' | 'rename' | null`. */
  pending: string | null;
  lastActivity: string | null;
  started: string | null;
}

export interface HomePageData {
  servers: HomeServer[];
  allowNamedServers: boolean;
  /** 0 or undefined = no limit. */
  namedServerLimit?: number;
}

/** `GET /hub/home`. Needs `ctx.user`. Client behaviour: static/home.js. */
export function renderHome(ctx: PageContext, data: HomePageData): RenderedPage {
  const tr = translator(ctx);
  const userName = ctx.user?.name ?? '';
  const spawnUrl = (server: string) =>
    hubUrl(ctx, `spawn/${seg(userName)}${server ? `/${seg(server)}` : ''}`);
  const pendingUrl = (server: string) =>
    hubUrl(ctx, `spawn-pending/${seg(userName)}${server ? `/${seg(server)}` : ''}`);

  const actions = (s: HomeServer) => {
    const status = serverStatus(s);
    const label = s.name ? s.displayName || s.name : tr('home.defaultServer');
    const open =
      status === 'ready'
        ? html`<a class="button button-primary" href="${s.url}" aria-label="${tr('home.openNamed', { name: label })}">${tr('home.open')}</a>`
        : '';
    const start =
      status === 'stopped'
        ? html`<a class="button button-primary" href="${spawnUrl(s.name)}" aria-label="${tr('home.startNamed', { name: label })}">${tr('home.start')}</a>`
        : '';
    const progress =
      status === 'starting'
        ? html`<a class="button" href="${pendingUrl(s.name)}">${tr('home.viewProgress')}</a>`
        : '';
    const stop =
      status === 'ready' || status === 'starting'
        ? html`<button type="button" class="button" data-action="stop" data-server="${s.name}" aria-label="${tr('home.stopNamed', { name: label })}">${tr('home.stop')}</button>`
        : '';
    const rename =
      s.name && status === 'stopped'
        ? html`<button type="button" class="button button-secondary" data-action="rename" data-server="${s.name}" aria-label="${tr('home.renameNamed', { name: label })}">${tr('home.rename')}</button>`
        : '';
    const del = s.name
      ? html`<button type="button" class="button button-danger" data-action="delete" data-server="${s.name}" aria-label="${tr('home.deleteNamed', { name: label })}"${boolAttr('disabled', status === 'stopping')}>${tr('home.delete')}</button>`
      : '';
    return html`<div class="actions">${open}${start}${progress}${stop}${rename}${del}</div>`;
  };

  const def: HomeServer = data.servers.find((s) => s.name === '') ?? {
    name: '',
    url: `${ctx.baseUrl}user/${seg(userName)}/`,
    ready: false,
    pending: null,
    lastActivity: null,
    started: null,
  };
  const defStatus = serverStatus(def);
  const defaultSection = html`<section class="card" aria-labelledby="default-server-title">
  <div class="card-head">
    <h2 id="default-server-title">${tr('home.defaultServer')}</h2>
    ${statusBadge(ctx, defStatus)}
  </div>
  <dl class="meta">
    <div><dt>${tr('home.lastActivity')}</dt><dd>${timeEl(ctx, def.lastActivity)}</dd></div>
    ${def.started ? html`<div><dt>${tr('home.started')}</dt><dd>${timeEl(ctx, def.started)}</dd></div>` : ''}
  </dl>
  ${actions(def)}
</section>`;

  const named = data.servers.filter((s) => s.name !== '');
  const limit = data.namedServerLimit ?? 0;
  const atLimit = limit > 0 && named.length >= limit;
  const namedSection = data.allowNamedServers
    ? html`<section class="card" aria-labelledby="named-servers-title">
  <h2 id="named-servers-title">${tr('home.namedServers')}</h2>
  <p class="hint">${limit > 0 ? tr('home.namedLimit', { count: named.length, limit }) : tr('home.namedIntro')}</p>
  <form class="inline-form" id="new-server-form" data-spawn-url="${hubUrl(ctx, `spawn/${seg(userName)}/`)}">
    <div class="field">
      <label for="new-server-name">${tr('home.newServerName')}</label>
      <input id="new-server-name" name="server_name" type="text" required pattern="[^\\/?#\\s]+" maxlength="255" autocomplete="off" aria-describedby="new-server-hint"${boolAttr('disabled', atLimit)}>
    </div>
    <button type="submit" class="button button-primary"${boolAttr('disabled', atLimit)}>${tr('home.addServer')}</button>
    <p class="hint" id="new-server-hint">${tr('home.newServerHint')}</p>
  </form>
  ${
    named.length
      ? html`<div class="table-wrap"><table class="table table-cards">
    <caption class="visually-hidden">${tr('home.namedServers')}</caption>
    <thead><tr>
      <th scope="col">${tr('home.serverName')}</th>
      <th scope="col">${tr('home.url')}</th>
      <th scope="col">${tr('home.lastActivity')}</th>
      <th scope="col">${tr('home.status')}</th>
      <th scope="col">${tr('home.actions')}</th>
    </tr></thead>
    <tbody>
      ${named.map(
        (s) => html`<tr data-server-row="${s.name}">
        <th scope="row">${s.displayName || s.name}${s.displayName && s.displayName !== s.name ? html` <span class="muted">(${s.name})</span>` : ''}</th>
        <td>${serverStatus(s) === 'ready' ? html`<a href="${s.url}">${s.url}</a>` : html`<span class="muted">${s.url}</span>`}</td>
        <td>${timeEl(ctx, s.lastActivity)}</td>
        <td>${statusBadge(ctx, serverStatus(s))}</td>
        <td>${actions(s)}</td>
      </tr>`,
      )}
    </tbody>
  </table></div>`
      : html`<p class="muted">${tr('home.noNamedServers')}</p>`
  }
</section>`
    : '';

  const body = html`<h1>${tr('home.title')}</h1>
<div class="page-status" role="status" aria-live="polite" id="home-status"></div>
<div id="home" data-user="${userName}">
${defaultSection}
${namedSection}
</div>`;
  return renderPage(ctx, {
    title: 'home.title',
    body,
    template: 'home',
    current: 'home',
    scripts: ['home.js'],
    vars: { spawn_url: spawnUrl('') },
  });
}
