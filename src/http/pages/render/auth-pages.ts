/** Login, sign-up and change-password pages. */
import { boolAttr, html } from './html.js';
import { hubUrl, type PageContext } from './context.js';
import { renderPage, translator, xsrfInput, type RenderedPage } from './layout.js';
import { localizeMessage } from './common.js';

export interface LoginPageData {
  /** Where to go after login (already validated by the route; shown only inside attributes). */
  next: string;
  /** Message for a failed attempt (shown in an alert). */
  error?: string;
  /** Prefill of the user-name field after a failed attempt. */
  username?: string;
  /** External login (OAuth): a "Sign in with …" button. */
  loginButton?: { url: string; label: string };
  /** Several external logins (Labhub.authenticators): one button each, after `loginButton`. */
  loginButtons?: { url: string; label: string }[];
  /** Show the user-name/password form (default: true unless a login button is given). */
  passwordForm?: boolean;
  /** Native authenticator: link to the sign-up page. */
  signupEnabled: boolean;
}

function alert(ctx: PageContext, message: string | undefined) {
  return message
    ? html`<div class="alert alert-error" role="alert">${localizeMessage(ctx, message)}</div>`
    : '';
}

/** `GET/POST /hub/login`. The form posts `username`, `password`, `_xsrf` to `login?next=…`. */
export function renderLogin(ctx: PageContext, data: LoginPageData): RenderedPage {
  const tr = translator(ctx);
  const loginUrl = `${hubUrl(ctx, 'login')}?next=${encodeURIComponent(data.next)}`;
  const buttons = [...(data.loginButton ? [data.loginButton] : []), ...(data.loginButtons ?? [])];
  const showForm = data.passwordForm ?? !buttons.length;
  const button = buttons.length
    ? html`${buttons.map(
        (b) =>
          html`<p><a class="button button-primary button-block" href="${b.url}">${tr('login.withService', { service: b.label })}</a></p>`,
      )}`
    : '';
  const form = showForm
    ? html`<form class="stack" method="post" action="${loginUrl}">
  ${xsrfInput(ctx)}
  <div class="field">
    <label for="username">${tr('login.username')}</label>
    <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${data.username ?? ''}"${boolAttr('autofocus', !data.username)}>
  </div>
  <div class="field">
    <label for="password">${tr('login.password')}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required${boolAttr('autofocus', !!data.username)}>
  </div>
  <button type="submit" class="button button-primary button-block">${tr('login.submit')}</button>
</form>`
    : '';
  const signup = data.signupEnabled
    ? html`<p class="muted">${tr('login.noAccount')} <a href="${hubUrl(ctx, 'signup')}">${tr('login.signupLink')}</a></p>`
    : '';
  const body = html`<section class="card card-narrow" aria-labelledby="login-title">
  <h1 id="login-title">${tr('login.title')}</h1>
  ${alert(ctx, data.error)}
  ${button}
  ${button && form ? html`<p class="divider"><span>${tr('login.or')}</span></p>` : ''}
  ${form}
  ${signup}
</section>`;
  return renderPage(ctx, {
    title: 'login.title',
    body,
    template: 'login',
    vars: {
      next: data.next,
      error: data.error ?? '',
      username: data.username ?? '',
      login_url: loginUrl,
      login_button_url: buttons[0]?.url ?? '',
      login_button_label: buttons[0]?.label ?? '',
      signup_url: data.signupEnabled ? hubUrl(ctx, 'signup') : '',
    },
  });
}

export interface SignupPageData {
  error?: string;
  username?: string;
  /** After a successful sign-up: tell the person what happens next. */
  created?: boolean;
  /** Accounts need an admin's approval before they can log in. */
  requiresApproval?: boolean;
  /** Minimum password length, shown as a hint and enforced with `minlength`. */
  minPasswordLength?: number;
  /** `ask_email_on_signup`: show a required e-mail field. */
  askEmail?: boolean;
  /** Prefill of the e-mail field after a failed attempt. */
  email?: string;
}

/**
 * `GET/POST /hub/signup` (native authenticator). Fields: `username`, `email` (with askEmail),
 * `password`, `password_confirm`, `_xsrf`.
 */
export function renderSignup(ctx: PageContext, data: SignupPageData = {}): RenderedPage {
  const tr = translator(ctx);
  const min = data.minPasswordLength ?? 8;
  const done = data.created
    ? html`<div class="alert alert-success" role="status">${data.requiresApproval ? tr('signup.createdPending') : tr('signup.created')}</div>
<p><a class="button button-primary" href="${hubUrl(ctx, 'login')}">${tr('signup.toLogin')}</a></p>`
    : '';
  const form = data.created
    ? ''
    : html`<form class="stack" method="post" action="${hubUrl(ctx, 'signup')}">
  ${xsrfInput(ctx)}
  <div class="field">
    <label for="username">${tr('login.username')}</label>
    <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${data.username ?? ''}">
  </div>
  ${
    data.askEmail
      ? html`<div class="field">
    <label for="email">${tr('signup.email')}</label>
    <input id="email" name="email" type="email" autocomplete="email" spellcheck="false" required maxlength="254" value="${data.email ?? ''}">
  </div>`
      : ''
  }
  <div class="field">
    <label for="password">${tr('login.password')}</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${min}" aria-describedby="password-hint">
    <p class="hint" id="password-hint">${tr('signup.passwordHint', { min })}</p>
  </div>
  <div class="field">
    <label for="password_confirm">${tr('signup.passwordConfirm')}</label>
    <input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" required minlength="${min}">
  </div>
  ${data.requiresApproval ? html`<p class="hint">${tr('signup.approvalNote')}</p>` : ''}
  <button type="submit" class="button button-primary button-block">${tr('signup.submit')}</button>
</form>
<p class="muted">${tr('signup.haveAccount')} <a href="${hubUrl(ctx, 'login')}">${tr('signup.toLogin')}</a></p>`;
  const body = html`<section class="card card-narrow" aria-labelledby="signup-title">
  <h1 id="signup-title">${tr('signup.title')}</h1>
  ${alert(ctx, data.error)}
  ${done}
  ${form}
</section>`;
  return renderPage(ctx, {
    title: 'signup.title',
    body,
    template: 'signup',
    vars: { error: data.error ?? '', username: data.username ?? '', email: data.email ?? '' },
  });
}

export interface ChangePasswordPageData {
  error?: string;
  /** The password was changed. */
  success?: boolean;
  minPasswordLength?: number;
  /**
   * An admin sets another user's password (`/hub/change-password/<name>`, NativeAuthenticator's
   * address): no current-password field.
   */
  forUser?: string;
}

/**
 * `GET/POST /hub/change-password` (and `/hub/change-password/<name>` for admins). Fields:
 * `current_password` (own password only), `new_password`, `new_password_confirm`, `_xsrf`.
 */
export function renderChangePassword(
  ctx: PageContext,
  data: ChangePasswordPageData = {},
): RenderedPage {
  const tr = translator(ctx);
  const min = data.minPasswordLength ?? 8;
  const who = data.forUser;
  const action = who ? `change-password/${encodeURIComponent(who)}` : 'change-password';
  const done = who ? tr('changePassword.doneFor', { name: who }) : tr('changePassword.done');
  const body = html`<section class="card card-narrow" aria-labelledby="cp-title">
  <h1 id="cp-title">${who ? tr('changePassword.titleFor', { name: who }) : tr('changePassword.title')}</h1>
  ${alert(ctx, data.error)}
  ${data.success ? html`<div class="alert alert-success" role="status">${done}</div>` : ''}
  <form class="stack" method="post" action="${hubUrl(ctx, action)}">
    ${xsrfInput(ctx)}
    ${
      who
        ? ''
        : html`<div class="field">
      <label for="current_password">${tr('changePassword.current')}</label>
      <input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
    </div>`
    }
    <div class="field">
      <label for="new_password">${tr('changePassword.new')}</label>
      <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="${min}" aria-describedby="new-password-hint">
      <p class="hint" id="new-password-hint">${tr('signup.passwordHint', { min })}</p>
    </div>
    <div class="field">
      <label for="new_password_confirm">${tr('changePassword.confirm')}</label>
      <input id="new_password_confirm" name="new_password_confirm" type="password" autocomplete="new-password" required minlength="${min}">
    </div>
    <button type="submit" class="button button-primary">${tr('changePassword.submit')}</button>
  </form>
</section>`;
  return renderPage(ctx, {
    title: 'changePassword.title',
    body,
    template: 'change-password',
    vars: { error: data.error ?? '' },
  });
}

export interface NewPasswordPageData {
  /** The account whose password must be changed (shown, and given to password managers). */
  username: string;
  error?: string;
  minPasswordLength?: number;
  /** Where to go once the new password is set (already validated by the route). */
  next: string;
}

/**
 * `GET/POST /hub/new-password`: the login's password was one-time or expired, so the person
 * chooses a new one before the login completes. Fields: `new_password`, `new_password_confirm`,
 * `_xsrf`; the proof of the old password is a cookie, never a form field.
 */
export function renderNewPassword(ctx: PageContext, data: NewPasswordPageData): RenderedPage {
  const tr = translator(ctx);
  const min = data.minPasswordLength ?? 8;
  const action = `${hubUrl(ctx, 'new-password')}?next=${encodeURIComponent(data.next)}`;
  const body = html`<section class="card card-narrow" aria-labelledby="np-title">
  <h1 id="np-title">${tr('newPassword.title')}</h1>
  <p id="np-intro">${tr('newPassword.intro', { name: data.username })}</p>
  ${alert(ctx, data.error)}
  <form class="stack" method="post" action="${action}" aria-describedby="np-intro">
    ${xsrfInput(ctx)}
    <input type="text" name="username" autocomplete="username" value="${data.username}" aria-label="${tr('login.username')}" hidden readonly>
    <div class="field">
      <label for="new_password">${tr('changePassword.new')}</label>
      <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="${min}" aria-describedby="new-password-hint" autofocus>
      <p class="hint" id="new-password-hint">${tr('newPassword.hint', { min })}</p>
    </div>
    <div class="field">
      <label for="new_password_confirm">${tr('changePassword.confirm')}</label>
      <input id="new_password_confirm" name="new_password_confirm" type="password" autocomplete="new-password" required minlength="${min}">
    </div>
    <button type="submit" class="button button-primary button-block">${tr('newPassword.submit')}</button>
  </form>
</section>`;
  return renderPage(ctx, {
    title: 'newPassword.title',
    body,
    template: 'new-password',
    vars: { error: data.error ?? '', username: data.username },
  });
}
