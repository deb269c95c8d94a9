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
  [PASSWORD_CHANGE_EXPIRED_MESSAGE]: 'newPassword.expired',
  [PASSWORD_NOT_NEW_MESSAGE]: 'newPassword.notNew',
};

/**
 * The hub's routes pass some fixed English messages (HubError.userMessage) to the pages; show
 * those in the page language. Any other message is returned unchanged.
 */
export function localizeMessage(ctx: PageContext, message: string): string {
  const tr = translator(ctx);
  const key = KNOWN_MESSAGES[message];
  if (key) return tr(key);
  const noPage = /^No page at (\S+)$/.exec(message);
  if (noPage) return tr('error.noPage', { path: noPage[1]! });
  const short = /^The password must be at least (\d+) characters long\.$/.exec(message);
  if (short) return tr('newPassword.tooShort', { min: short[1]! });
  return message;
}
