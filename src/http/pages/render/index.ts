/**
 * Server-rendered pages. Every render function takes a {@link PageContext} and plain data and
 * returns `{ html }`; the HTTP layer sets the status, `Content-Type: text/html; charset=utf-8`
 * and `Content-Security-Policy: PAGE_CSP`, and serves {@link STATIC_DIR} at `<hubPrefix>static/`.
 */
export {
  PAGE_CSP,
  STATIC_DIR,
  staticUrl,
  hubUrl,
  type PageContext,
  type PageUser,
} from './context.js';
export {
  html,
  trustedHtml,
  escapeHtml,
  safeUrl,
  isSafeHtml,
  jsonScript,
  boolAttr,
  joinHtml,
  SafeHtml,
  type HtmlValue,
} from './html.js';
export { renderPage, xsrfInput, type RenderedPage, type PageOptions } from './layout.js';
export {
  renderLogin,
  renderSignup,
  renderChangePassword,
  renderNewPassword,
  type LoginPageData,
  type SignupPageData,
  type ChangePasswordPageData,
  type NewPasswordPageData,
} from './auth-pages.js';
export { renderHome, type HomePageData, type HomeServer } from './home.js';
export { renderUsage } from './usage-page.js';
export {
  renderSpawnPending,
  renderNotRunning,
  renderSpawnForm,
  type SpawnPendingPageData,
  type NotRunningPageData,
  type SpawnFormPageData,
  type SpawnProfile,
} from './spawn-pages.js';
export {
  renderToken,
  TOKEN_EXPIRY_CHOICES,
  type TokenPageData,
  type TokenInfo,
} from './token-page.js';
export {
  renderError,
  renderOAuthConsent,
  renderAdmin,
  type ErrorPageData,
  type OAuthConsentPageData,
  type AdminPageData,
} from './misc-pages.js';
export {
  loadTemplateOverrides,
  resolveLogo,
  compileTemplate,
  applyOverride,
  TEMPLATE_NAMES,
  TEMPLATE_VARS,
  type TemplateOverrides,
  type TemplateName,
  type LogoFile,
} from './overrides.js';
