/** The pages' test fixtures: a page context, every page with representative data, HTML helpers. */
import type { Lang } from '../../i18n/index.js';
import {
  renderAdmin,
  renderChangePassword,
  renderError,
  renderHome,
  renderLogin,
  renderNewPassword,
  renderNotRunning,
  renderOAuthConsent,
  renderSignup,
  renderSpawnForm,
  renderSpawnPending,
  renderToken,
  type PageContext,
  type RenderedPage,
} from './index.js';

export const XSRF = 'xsrf-TOKEN-123';
export function ctx(lang: Lang, over: Partial<PageContext> = {}): PageContext {
  return {
    lang,
    baseUrl: '/',
    hubPrefix: '/hub/',
    user: { name: 'alice', admin: true },
    xsrf: XSRF,
    version: '0.1.0',
    ...over,
  };
}

/** Decodes the entities our escaper produces (test-side, independent of the implementation). */
export function decode(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}
export function attr(htmlText: string, tagPattern: RegExp, name: string): string | undefined {
  const tag = htmlText.match(tagPattern)?.[0];
  const m = tag?.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? decode(m[1]!) : undefined;
}

export const server = (over: Record<string, unknown> = {}) => ({
  name: '',
  url: '/user/alice/',
  ready: true,
  pending: null,
  lastActivity: '2026-11-26T03:00:00Z',
  started: '2026-11-26T02:00:00Z',
  ...over,
});

/** Every page with representative data; user-provided text is plain ASCII without catalog phrases. */
export const PAGES: Record<string, (c: PageContext) => RenderedPage> = {
  login: (c) =>
    renderLogin(
      { ...c, user: null },
      { next: '/hub/home', signupEnabled: true, error: 'x1', username: 'bob' },
    ),
  loginButton: (c) =>
    renderLogin(
      { ...c, user: null },
      {
        next: '/hub/',
        signupEnabled: false,
        loginButton: { url: '/hub/oauth_login', label: 'GitHub' },
      },
    ),
  signup: (c) => renderSignup({ ...c, user: null }, { requiresApproval: true }),
  signupDone: (c) => renderSignup({ ...c, user: null }, { created: true, requiresApproval: true }),
  changePassword: (c) => renderChangePassword(c, { success: true }),
  newPassword: (c) =>
    renderNewPassword({ ...c, user: null }, { username: 'bob', next: '/hub/home', error: 'x5' }),
  home: (c) =>
    renderHome(c, {
      servers: [
        server(),
        server({ name: 'gpu', url: '/user/alice/gpu/', ready: false }),
        server({ name: 'big', ready: false, pending: 'spawn' }),
      ],
      allowNamedServers: true,
      namedServerLimit: 5,
    }),
  homeEmpty: (c) => renderHome(c, { servers: [], allowNamedServers: false }),
  spawnPending: (c) =>
    renderSpawnPending(c, {
      userName: 'alice',
      serverName: 'gpu',
      progressUrl: '/hub/api/users/alice/servers/gpu/progress',
      nextUrl: '/user/alice/gpu/lab',
    }),
  notRunning: (c) =>
    renderNotRunning(c, {
      userName: 'alice',
      serverName: '',
      spawnUrl: '/hub/spawn/alice?next=%2Fuser%2Falice%2Flab',
      error: 'x2',
      implicitSpawnSeconds: 5,
    }),
  spawnFormProfiles: (c) =>
    renderSpawnForm(c, {
      userName: 'alice',
      serverName: '',
      next: '/user/alice/lab',
      profiles: [
        { slug: 'cpu', displayName: 'CPU', description: 'd1' },
        {
          slug: 'gpu',
          displayName: 'GPU',
          default: true,
          options: [
            {
              name: 'image',
              displayName: 'Image',
              choices: [
                { slug: 'a', displayName: 'A' },
                { slug: 'b', displayName: 'B', default: true },
              ],
              unlisted: 'Other image',
            },
          ],
        },
      ],
    }),
  spawnFormHtml: (c) =>
    renderSpawnForm(c, {
      userName: 'alice',
      serverName: 'x',
      optionsFormHtml: '<label for="mem">Mem</label><input id="mem" name="mem">',
    }),
  token: (c) =>
    renderToken(c, {
      tokens: [
        {
          id: 'a1',
          note: 'n1',
          created: '2026-11-01T00:00:00Z',
          lastActivity: null,
          expiresAt: null,
          scopes: ['read:users'],
        },
        {
          id: 'a2',
          note: null,
          created: null,
          lastActivity: null,
          expiresAt: '2027-01-01T00:00:00Z',
          scopes: [],
          oauthClient: 'Server at /user/alice/',
        },
      ],
    }),
  tokenEmpty: (c) => renderToken(c, { tokens: [] }),
  error404: (c) => renderError(c, { status: 404, message: 'x3' }),
  error500: (c) =>
    renderError({ ...c, user: null }, { status: 500, message: 'x4', errorId: 'err-abc' }),
  oauth: (c) =>
    renderOAuthConsent(c, {
      clientDescription: 'Server at /user/alice/',
      scopes: [
        'access:servers!server=alice/',
        { scope: 'read:users:name!user=alice', description: 'd2' },
      ],
      xsrf: XSRF,
    }),
  admin: (c) => renderAdmin(c, { allowNamedServers: true }),
  adminLinux: (c) => renderAdmin(c, { linuxAccounts: true }),
};
