/** Small render helpers shared by several pages. */
import { html, type SafeHtml } from './html.js';
import type { PageContext } from './context.js';
import { translator } from './layout.js';
import type { MessageKey } from '../../i18n/index.js';
import { PASSWORD_CHANGE_EXPIRED_MESSAGE, PASSWORD_NOT_NEW_MESSAGE } from '../../../core/login.js';

/** Server-side fallback text for a timestamp; common.js replaces it with a relative time. */
export function formatTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** `<time>` element (or "never"/"—" when the timestamp is null). */
export function timeEl(ctx: PageContext, iso: string | null | undefined): SafeHtml {
  const tr = translator(ctx);
  if (!iso) return html`<span class="muted">${tr('time.never')}</span>`;
  return html`<time datetime="${iso}" data-relative="">${formatTimestamp(iso)}</time>`;
}

export type ServerStatus = 'ready' | 'starting' | 'stopping' | 'stopped';

export function serverStatus(s: { ready: boolean; pending: string | null }): ServerStatus {
  if (s.pending === 'spawn') return 'starting';
  if (s.pending === 'stop') return 'stopping';
  if (s.ready) return 'ready';
  return s.pending ? 'starting' : 'stopped';
}

/** A coloured status badge (text, not colour alone, carries the meaning). */
export function statusBadge(ctx: PageContext, status: ServerStatus): SafeHtml {
  const tr = translator(ctx);
  const label = {
    ready: tr('status.running'),
    starting: tr('status.starting'),
    stopping: tr('status.stopping'),
    stopped: tr('status.stopped'),
  }[status];
  return html`<span class="badge badge-${status}">${label}</span>`;
}

/**
 * The hub names the OAuth client of a user server "Server at /user/alice/" (JupyterHub's
 * wording, stored in the database); show that in the page language.
 */
export function describeClient(ctx: PageContext, description: string): string {
  const m = /^Server at (\S+)$/.exec(description);
  return m ? translator(ctx)('token.serverAt', { url: m[1]! }) : description;
}

/** Encodes one path segment (user and server names may contain any character). */
export function seg(s: string): string {
  return encodeURIComponent(s);
}

/** Fixed English messages of the hub that pages show as they are; each has a catalog key. */
const KNOWN_MESSAGES: Record<string, MessageKey> = {
  'Invalid username or password.': 'login.failed',
  'The two passwords are different.': 'signup.mismatch',
  'The current password is wrong.': 'changePassword.wrongCurrent',
  'The two new passwords are different.': 'changePassword.mismatch',
  'You need the admin-ui scope to open the admin page.': 'error.needAdminUi',
  'Your account is waiting for an administrator’s approval. You can sign in once it is approved.':
    'login.awaitingApproval',
  'Sign-up is turned off on this hub. Ask an administrator for an account.': 'signup.off',
  'This password is too common: it is on a list of often-used passwords. Choose another one.':
    'signup.tooCommon',
  'Enter your e-mail address.': 'signup.emailMissing',
  'The e-mail address is not valid: it must look like name@example.org.': 'signup.emailInvalid',
  [PASSWORD_CHANGE_EXPIRED_MESSAGE]: 'newPassword.expired',
  [PASSWORD_NOT_NEW_MESSAGE]: 'newPassword.notNew',
};

/** Fixed English messages with parameters: pattern, catalog key, parameter name (or named groups). */
const KNOWN_PATTERNS: Array<[RegExp, MessageKey, string]> = [
  [/^No page at (\S+)$/, 'error.noPage', 'path'],
  [/^Too many failed login attempts\. Try again in (\d+) seconds\.$/, 'login.tooMany', 'seconds'],
  [/^The password must be at least (\d+) characters long\.$/, 'signup.tooShort', 'min'],
  [/^The password must be at most (\d+) characters long\.$/, 'signup.tooLong', 'max'],
  [/^The username "(.+)" is already taken\.$/, 'signup.taken', 'name'],
  [/^No native account is called (.+)\.$/, 'changePassword.noAccount', 'name'],
  // A login at an OAuth provider (named groups: several parameters).
  [
    /^You signed in at (?<service>.+) as "(?<name>.+)", but your account is not allowed on this hub\. /,
    'oauth.notAllowed',
    '',
  ],
  [
    /^You signed in at (?<service>.+) as "(?<name>.+)", but your account is not in a group allowed on this hub\. /,
    'oauth.notInGroup',
    '',
  ],
  [
    /^The login at (?<service>.+) took too long, or was started in another browser or tab\. Start it again\.$/,
    'oauth.stateExpired',
    '',
  ],
  [/^The login at (?<service>.+) was cancelled or refused/, 'oauth.cancelled', ''],
  [
    /^(?<service>.+) cannot be reached\. Try again later, or tell the hub's administrator\.$/,
    'oauth.unreachable',
    '',
  ],
];

/**
 * The hub's routes pass some fixed English messages (HubError.userMessage) to the pages; show
 * those in the page language. Any other message is returned unchanged.
 */
export function localizeMessage(ctx: PageContext, message: string): string {
  const tr = translator(ctx);
  const key = KNOWN_MESSAGES[message];
  if (key) return tr(key);
  for (const [re, k, param] of KNOWN_PATTERNS) {
    const m = re.exec(message);
    if (m) return tr(k, m.groups ? { ...m.groups } : { [param]: m[1]! });
  }
  return message;
}
