// Types of what the page scripts share through `window` (checked by tsconfig.static.json):
// common.js sets window.labhub, admin-common.js window.labhubAdmin, admin-accounts.js adds
// labhub.adminAccounts. Assigning an object of another shape there fails the type check.
type Fn = (...args: any[]) => any;

interface LabhubClient {
  t: Fn;
  api: Fn;
  seg: (s: string) => string;
  h: Fn;
  announce: Fn;
  relativeTime: Fn;
  timeElement: Fn;
  refreshTimes: Fn;
  labelCells: Fn;
  pageData: Fn;
  hubPrefix: string;
  baseUrl: string;
  xsrf: string;
  lang: string;
  /** The admin page's Linux-account option (admin-accounts.js). */
  adminAccounts?: { active: () => boolean; submit: Fn };
}

interface LabhubAdmin {
  root: HTMLElement;
  table: HTMLElement;
  status: HTMLElement;
  PAGED: string;
  pageSize: number;
  loaders: Record<string, Function>;
  say: Fn;
  fail: Fn;
  userPath: Fn;
  statusOf: Fn;
  badge: Fn;
  button: Fn;
  query: Fn;
  pageInfo: Fn;
  serverControls: Fn;
  onAction: Fn;
}

interface Window {
  labhub: LabhubClient;
  labhubAdmin: LabhubAdmin;
}
