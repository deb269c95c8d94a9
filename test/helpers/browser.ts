/**
 * Real-browser helpers for end-to-end tests: launch the system Chromium through playwright-core,
 * one isolated context per user, screenshots of every open page on failure, and a few JupyterLab
 * helpers (wait for the shell, create/open a notebook, run a cell and read its output).
 *
 * Never downloads a browser: the executable is /usr/bin/chromium (Debian), or $LABHUB_CHROMIUM.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from 'playwright-core';

/** Generous: the first JupyterLab load takes 10–20 s on a small, busy machine. */
export const LAB_TIMEOUT_MS = 90_000;

const CHROMIUM_ARGS = [
  '--no-sandbox', // we may run as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** The system Chromium, or null when it is not installed. */
export function chromiumPath(): string | null {
  const p = process.env.LABHUB_CHROMIUM || '/usr/bin/chromium';
  return existsSync(p) ? p : null;
}

export interface TestBrowser {
  browser: Browser;
  /** Directory holding screenshots (kept after the test when it failed, or when asked to). */
  shotDir: string;
  /** A fresh context (own cookies and storage) for one user, with the test's default timeouts. */
  newUser(name: string): Promise<BrowserContext>;
  /** Screenshot of one page, `<shotDir>/<nn>-<label>.png`; never throws. Returns the path or null. */
  screenshot(page: Page, label: string): Promise<string | null>;
  /** A step screenshot: taken only when LABHUB_E2E_SHOTS is set (then the directory is kept). */
  step(page: Page, label: string): Promise<void>;
  /** Screenshot every open page of every context (on failure); returns the paths. */
  screenshotAll(label: string): Promise<string[]>;
  /** Messages the pages logged as errors, and page crashes (for failure reports). */
  problems: string[];
  /** Close the browser; remove the screenshot directory unless keepShots. */
  close(opts?: { keepShots?: boolean }): Promise<void>;
}

/** Launch headless Chromium. Throws with a clear message when Chromium is missing. */
export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    throw new Error(
      'The browser end-to-end test needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium) or a path in LABHUB_CHROMIUM; none was found.',
    );
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  const shotDir = mkdtempSync(join(tmpdir(), 'labhub-e2e-shots-'));
  const contexts = new Map<string, BrowserContext>();
  const problems: string[] = [];
  let n = 0;
  const tb: TestBrowser = {
    browser,
    shotDir,
    problems,
    async newUser(name) {
      const ctx = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        locale: 'en-US',
      });
      ctx.setDefaultTimeout(30_000);
      ctx.setDefaultNavigationTimeout(LAB_TIMEOUT_MS);
      ctx.on('page', (page) => {
        // JupyterLab asks before leaving a page with unsaved changes; a person would confirm.
        page.on('dialog', (d) => void d.accept().catch(() => undefined));
        page.on('pageerror', (e) =>
          problems.push(`[${name}] page error at ${page.url()}: ${e.message}`),
        );
        page.on('crash', () => problems.push(`[${name}] page crashed at ${page.url()}`));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning')
            problems.push(`[${name}] console ${m.type()}: ${m.text().slice(0, 300)}`);
          if (process.env.LABHUB_E2E_DEBUG)
            console.error(`[${name}] console ${m.type()}: ${m.text().slice(0, 300)}`);
        });
      });
      contexts.set(name, ctx);
      return ctx;
    },
    async screenshot(page, label) {
      const file = join(
        shotDir,
        `${String(++n).padStart(2, '0')}-${label.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`,
      );
      try {
        await page.screenshot({ path: file, timeout: 10_000 });
        return file;
      } catch {
        return null;
      }
    },
    async step(page, label) {
      if (process.env.LABHUB_E2E_SHOTS) await tb.screenshot(page, label);
    },
    async screenshotAll(label) {
      const out: string[] = [];
      for (const [user, ctx] of contexts) {
        for (const [i, page] of ctx.pages().entries()) {
          const f = await tb.screenshot(page, `${label}-${user}-${i}`);
          if (f) out.push(`${f} (${page.url()})`);
        }
      }
      return out;
    },
    async close(opts = {}) {
      await browser.close().catch(() => undefined);
      if (!opts.keepShots) rmSync(shotDir, { recursive: true, force: true });
    },
  };
  return tb;
}

/** Log in through the hub's login form (the page must be reachable at `url`). */
export async function loginViaForm(
  page: Page,
  url: string,
  username: string,
  password = 'pw',
): Promise<void> {
  await page.goto(url);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await Promise.all([
    page.waitForEvent('framenavigated', { timeout: LAB_TIMEOUT_MS }),
    page.locator('form button[type="submit"]').click(),
  ]);
}

/** Wait until JupyterLab's shell is up and the application has finished restoring. */
export async function waitForLab(page: Page): Promise<void> {
  await page.locator('#jp-main-dock-panel').waitFor({ state: 'visible', timeout: LAB_TIMEOUT_MS });
  // The splash screen goes away once the application is restored.
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: LAB_TIMEOUT_MS });
}

/** The JupyterLab server's `_xsrf` cookie value (the singleuser sets it on its own path). */
export async function labXsrf(page: Page): Promise<string> {
  const cookies = await page.context().cookies(page.url());
  const c = cookies.find((x) => x.name === '_xsrf');
  if (!c)
    throw new Error(
      `no _xsrf cookie for ${page.url()} (cookies: ${cookies.map((x) => `${x.name}@${x.path}`).join(', ') || 'none'})`,
    );
  return c.value;
}

/**
 * Create `<name>` (a notebook with the python3 kernelspec, one empty code cell) through the
 * Jupyter contents REST API, from inside the page (its cookie and XSRF token), then open it.
 * `serverPrefix` is e.g. `/user/bob/`.
 */
export async function createNotebookViaApi(
  page: Page,
  serverPrefix: string,
  name: string,
): Promise<void> {
  const xsrf = await labXsrf(page);
  const model = {
    type: 'notebook',
    format: 'json',
    content: {
      cells: [{ cell_type: 'code', source: '', metadata: {}, outputs: [], execution_count: null }],
      metadata: {
        kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
      },
      nbformat: 4,
      nbformat_minor: 5,
    },
  };
  const res = await page.evaluate(
    async ({ url, body, xsrf }) => {
      const r = await fetch(url, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-XSRFToken': xsrf },
        body: JSON.stringify(body),
      });
      return { status: r.status, text: await r.text() };
    },
    { url: `${serverPrefix}api/contents/${encodeURIComponent(name)}`, body: model, xsrf },
  );
  if (res.status !== 201 && res.status !== 200)
    throw new Error(
      `creating ${name} through the contents API answered ${res.status}: ${res.text.slice(0, 300)}`,
    );
  await openNotebook(page, serverPrefix, name);
}

/** Open a notebook by URL (`<prefix>lab/tree/<name>`) and wait until it shows a cell. */
export async function openNotebook(page: Page, serverPrefix: string, name: string): Promise<void> {
  await page.goto(new URL(`${serverPrefix}lab/tree/${encodeURIComponent(name)}`, page.url()).href);
  await waitForLab(page);
  await notebookPanel(page)
    .locator('.jp-Cell')
    .first()
    .waitFor({ state: 'visible', timeout: LAB_TIMEOUT_MS });
}

/** Create a notebook from the launcher's "Python 3 (ipykernel)" card; returns its file name. */
export async function createNotebookViaLauncher(page: Page): Promise<string> {
  const card = page.locator('.jp-Launcher .jp-LauncherCard[data-category="Notebook"]').first();
  await card.waitFor({ state: 'visible', timeout: LAB_TIMEOUT_MS });
  await card.click();
  const panel = notebookPanel(page);
  await panel.locator('.jp-Cell').first().waitFor({ state: 'visible', timeout: LAB_TIMEOUT_MS });
  const title = await page
    .locator(
      '.jp-mod-current.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel, .lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel',
    )
    .first()
    .textContent();
  return (title ?? '').trim();
}

/** The notebook panel that is currently shown in the main area. */
export function notebookPanel(page: Page): Locator {
  return page.locator('#jp-main-dock-panel .jp-NotebookPanel:not(.lm-mod-hidden)').first();
}

/**
 * Type `code` into the last cell of the current notebook (which must be empty), run it with
 * Shift+Enter, and return the text of its output once the kernel has answered.
 */
export async function runInLastCell(
  page: Page,
  code: string,
  opts: { timeout?: number } = {},
): Promise<string> {
  const timeout = opts.timeout ?? LAB_TIMEOUT_MS;
  await page.bringToFront();
  const panel = notebookPanel(page);
  const cells = panel.locator('.jp-Notebook .jp-Cell');
  await cells.first().waitFor({ state: 'visible', timeout });
  // A cell run before the session's kernel is connected is silently not executed ("[ ]"): wait
  // until the status bar says "<kernel> | Idle" for the current notebook. (That text follows the
  // session's connected kernel; the toolbar's execution indicator starts as "idle" and cannot be used.)
  await page
    .locator('#jp-main-statusbar .jp-StatusBar-TextItem[title^="Change kernel for"]', {
      hasText: /\|\s*Idle\s*$/,
    })
    .first()
    .waitFor({ state: 'visible', timeout });
  // By index: Shift+Enter on the last cell appends a new one, and `.last()` would move to it.
  const cell = cells.nth((await cells.count()) - 1);
  const editor = cell.locator('.cm-content');
  await editor.waitFor({ state: 'visible', timeout });
  const before = (await editor.textContent()) ?? '';
  if (before.trim())
    throw new Error(`the last cell is not empty (it holds ${JSON.stringify(before.slice(0, 80))})`);
  await editor.click();
  // Real key presses. (A single insertText event is applied by the editor a frame later, so a
  // Shift+Enter right after it can run the cell while its model is still empty.)
  await page.keyboard.type(code);
  const typed = (await editor.textContent()) ?? '';
  if (typed !== code)
    throw new Error(`the cell holds ${JSON.stringify(typed)} after typing ${JSON.stringify(code)}`);
  await page.keyboard.press('Shift+Enter');
  // A run request shows "[*]" at once, then the execution count ("[3]:"); "[ ]" means it never ran.
  const prompt = cell.locator('.jp-InputPrompt');
  await prompt
    .filter({ hasText: /\[(\*|\d+)\]/ })
    .waitFor({ timeout: 15_000 })
    .catch(async () => {
      throw new Error(
        `the cell was not run after Shift+Enter (prompt ${JSON.stringify(await prompt.textContent())})`,
      );
    });
  await prompt.filter({ hasText: /\[\d+\]/ }).waitFor({ timeout });
  const output = cell.locator('.jp-OutputArea-output');
  await output.first().waitFor({ state: 'visible', timeout });
  return (await output.allTextContents()).join('\n').trim();
}

/**
 * Save the current notebook with Ctrl+S, confirming JupyterLab's "Rename file" question that the
 * first save of an Untitled notebook asks (keeping the name), and wait until it is saved.
 */
export async function saveNotebook(page: Page): Promise<void> {
  await page.keyboard.press('Control+s');
  const rename = page.locator('.jp-Dialog button', { hasText: 'Rename and Save' });
  const tab = page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current');
  // Either the dialog shows up or the save completes (the tab loses its "dirty" mark).
  await Promise.race([
    rename.waitFor({ state: 'visible' }),
    tab.and(page.locator(':not(.jp-mod-dirty)')).waitFor({ state: 'attached' }),
  ]);
  if (await rename.isVisible()) await rename.click();
  await page.locator('.jp-Dialog').waitFor({ state: 'detached' });
  await page
    .locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current.jp-mod-dirty')
    .waitFor({ state: 'detached' });
}

/** Click a JupyterLab main-menu entry, e.g. `clickMenu(page, 'File', 'hub:logout')` (by command id). */
export async function clickMenu(page: Page, menu: string, command: string): Promise<void> {
  await page
    .locator('#jp-menu-panel .lm-MenuBar-item', { hasText: new RegExp(`^${menu}$`) })
    .click();
  const item = page.locator(`.lm-Menu .lm-Menu-item[data-command="${command}"]`).first();
  await item.waitFor({ state: 'visible' });
  await item.click();
}
