/** Spawn-related pages: options form, progress (spawn-pending) and the 424 "not running" page. */
import { boolAttr, html, trustedHtml } from './html.js';
import { hubUrl, type PageContext } from './context.js';
import { renderPage, translator, xsrfInput, type RenderedPage } from './layout.js';
import { seg } from './common.js';

function serverLabel(ctx: PageContext, userName: string, serverName: string): string {
  const tr = translator(ctx);
  return serverName
    ? tr('spawn.serverOf', { user: userName, server: serverName })
    : tr('spawn.defaultServerOf', { user: userName });
}

export interface SpawnPendingPageData {
  userName: string;
  /** `''` for the default server. */
  serverName: string;
  /** The progress event stream, e.g. `/hub/api/users/alice/server/progress`. */
  progressUrl: string;
  /** Where the person goes once the server is ready (reloading this page redirects there). */
  nextUrl: string;
}

/**
 * `GET /hub/spawn-pending/<user>[/<server>]` while a spawn is pending. static/spawn-pending.js
 * opens `EventSource(progressUrl + '?_xsrf=…')`, shows progress and messages, reloads on
 * `ready` and shows the failure message on `failed`.
 */
export function renderSpawnPending(ctx: PageContext, data: SpawnPendingPageData): RenderedPage {
  const tr = translator(ctx);
  const body = html`<section class="card" aria-labelledby="pending-title" id="spawn-pending"
  data-progress-url="${data.progressUrl}" data-next-url="${data.nextUrl}">
  <h1 id="pending-title">${tr('pending.title')}</h1>
  <p>${tr('pending.intro', { server: serverLabel(ctx, data.userName, data.serverName) })}</p>
  <div class="progress" role="progressbar" aria-labelledby="pending-title" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" id="progress-bar">
    <div class="progress-fill" id="progress-fill"></div>
  </div>
  <p class="progress-message" id="progress-message" role="status" aria-live="polite">${tr('pending.waiting')}</p>
  <div class="alert alert-error" role="alert" id="spawn-error" hidden>
    <h2>${tr('pending.failedTitle')}</h2>
    <p id="spawn-error-message"></p>
    <p class="actions"><a class="button button-primary" href="${hubUrl(ctx, 'home')}">${tr('pending.backHome')}</a></p>
  </div>
  <details class="event-log" open>
    <summary>${tr('pending.eventLog')}</summary>
    <ol id="progress-log" aria-live="polite" aria-relevant="additions"></ol>
  </details>
  <noscript><p class="alert">${tr('pending.noscript')}</p></noscript>
  <p><a class="button" href="${data.nextUrl}">${tr('pending.openWhenReady')}</a></p>
</section>`;
  return renderPage(ctx, {
    title: 'pending.title',
    body,
    template: 'spawn-pending',
    scripts: ['spawn-pending.js'],
    vars: {
      user_name: data.userName,
      server_name: data.serverName,
      progress_url: data.progressUrl,
      next_url: data.nextUrl,
    },
  });
}

export interface NotRunningPageData {
  userName: string;
  serverName: string;
  /** `/hub/spawn/<user>[/<server>]?next=…` */
  spawnUrl: string;
  /** The last spawn's failure message, if it failed. */
  error?: string;
  /** `Spawner`'s `implicit_spawn_seconds`: follow `spawnUrl` automatically after this delay (0 = never). */
  implicitSpawnSeconds?: number;
}

/** The 424 page shown when a user server is not running (status set by the route). */
export function renderNotRunning(ctx: PageContext, data: NotRunningPageData): RenderedPage {
  const tr = translator(ctx);
  const mine = ctx.user?.name === data.userName;
  const label = serverLabel(ctx, data.userName, data.serverName);
  const auto = data.implicitSpawnSeconds ?? 0;
  const body = html`<section class="card" aria-labelledby="not-running-title" id="not-running" data-implicit-spawn-seconds="${auto}" data-spawn-url="${data.spawnUrl}">
  <h1 id="not-running-title">${tr('notRunning.title')}</h1>
  ${
    data.error
      ? html`<div class="alert alert-error" role="alert"><h2>${tr('notRunning.lastFailed')}</h2><p>${data.error}</p></div>`
      : ''
  }
  <p>${mine ? tr('notRunning.mine', { server: label }) : tr('notRunning.other', { server: label })}</p>
  ${auto > 0 ? html`<p role="status" aria-live="polite" id="implicit-spawn-status">${tr('notRunning.autoStart', { seconds: auto })}</p>` : ''}
  <p class="actions">
    <a class="button button-primary" id="launch" href="${data.spawnUrl}">${tr('notRunning.launch')}</a>
    <a class="button button-secondary" href="${hubUrl(ctx, 'home')}">${tr('nav.home')}</a>
  </p>
</section>`;
  return renderPage(ctx, {
    title: 'notRunning.title',
    body,
    template: 'not-running',
    scripts: auto > 0 ? ['not-running.js'] : [],
    vars: {
      user_name: data.userName,
      server_name: data.serverName,
      spawn_url: data.spawnUrl,
      error: data.error ?? '',
    },
  });
}

/** One choice of a profile list (like KubeSpawner's `profile_list`). */
export interface SpawnProfile {
  slug: string;
  displayName: string;
  description?: string;
  default?: boolean;
  /** KubeSpawner `profile_options`: a choice list per option (form field `profile-option-<slug>--<name>`). */
  options?: SpawnProfileOption[];
}

/** One option of a profile: its choices, and a free-text value when `unlisted` is set. */
export interface SpawnProfileOption {
  name: string;
  displayName: string;
  choices: { slug: string; displayName: string; default?: boolean }[];
  /** Label of the free-text field (KubeSpawner's unlisted_choice), when enabled. */
  unlisted?: string;
}

function profileOptions(p: SpawnProfile, i: number) {
  return (p.options ?? []).map((o, j) => {
    const field = `profile-option-${p.slug}--${o.name}`;
    const id = `profile-${i}-option-${j}`;
    const selected = o.choices.find((c) => c.default)?.slug ?? o.choices[0]?.slug;
    return html`<div class="profile-option">
      ${
        o.choices.length
          ? html`<label for="${id}">${o.displayName}</label>
      <select name="${field}" id="${id}">${o.choices.map((c) => html`<option value="${c.slug}"${boolAttr('selected', c.slug === selected)}>${c.displayName}</option>`)}</select>`
          : ''
      }
      ${
        o.unlisted !== undefined
          ? html`<label for="${id}-other">${o.unlisted || o.displayName}</label>
      <input type="text" name="${field}--unlisted-choice" id="${id}-other">`
          : ''
      }
    </div>`;
  });
}

export interface SpawnFormPageData {
  userName: string;
  serverName: string;
  /** `?next=` to keep across the form post. */
  next?: string;
  /** `Spawner.options_form` markup from the operator's configuration (trusted, not escaped). CSP still applies: no inline scripts or styles. */
  optionsFormHtml?: string;
  /** Alternatively, a list of profiles rendered as radio buttons named `profile`. */
  profiles?: SpawnProfile[];
  /** Error of a previous attempt. */
  error?: string;
}

/** `GET /hub/spawn[/<user>[/<server>]]` when the spawner offers options. Posts to the same spawn URL. */
export function renderSpawnForm(ctx: PageContext, data: SpawnFormPageData): RenderedPage {
  const tr = translator(ctx);
  let action = hubUrl(
    ctx,
    `spawn/${seg(data.userName)}${data.serverName ? `/${seg(data.serverName)}` : ''}`,
  );
  if (data.next) action += `?next=${encodeURIComponent(data.next)}`;
  const profiles = data.profiles ?? [];
  const defaultSlug = profiles.find((p) => p.default)?.slug ?? profiles[0]?.slug;
  const options = data.optionsFormHtml
    ? html`<div class="options-form">${trustedHtml(data.optionsFormHtml)}</div>`
    : html`<fieldset class="profiles">
  <legend>${tr('spawnForm.chooseProfile')}</legend>
  ${profiles.map(
    (p, i) => html`<div class="profile">
    <input type="radio" name="profile" id="profile-${i}" value="${p.slug}"${boolAttr('checked', p.slug === defaultSlug)}${p.description ? html` aria-describedby="profile-${i}-desc"` : ''}>
    <label for="profile-${i}"><span class="profile-name">${p.displayName}</span>${p.description ? html`<span class="hint" id="profile-${i}-desc">${p.description}</span>` : ''}</label>
    ${profileOptions(p, i)}
  </div>`,
  )}
</fieldset>`;
  const body = html`<section class="card" aria-labelledby="spawn-title">
  <h1 id="spawn-title">${tr('spawnForm.title')}</h1>
  <p>${tr('spawnForm.intro', { server: serverLabel(ctx, data.userName, data.serverName) })}</p>
  ${data.error ? html`<div class="alert alert-error" role="alert">${data.error}</div>` : ''}
  <form class="stack" method="post" action="${action}" id="spawn-form">
    ${xsrfInput(ctx)}
    ${options}
    <button type="submit" class="button button-primary">${tr('spawnForm.submit')}</button>
  </form>
</section>`;
  return renderPage(ctx, {
    title: 'spawnForm.title',
    body,
    template: 'spawn',
    vars: { user_name: data.userName, server_name: data.serverName, error: data.error ?? '' },
  });
}
