/**
 * Browser helpers for the page tests under test/ui/: the system Chromium through playwright-core
 * (never a downloaded browser), one browser per test file with a fresh context per person, and the checks every page
 * must pass: no console errors, no CSP violations, no serious or critical axe-core findings,
 * no English catalog text on a Chinese page, no sideways scrolling on a phone.
 *
 * axe-core is injected with `page.evaluate(source)` (CDP Runtime.evaluate), which the page's
 * CSP (`script-src 'self'`) does not apply to, so the hub needs no test-only route.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { en } from '../../src/http/i18n/en.js';
import { zh } from '../../src/http/i18n/zh.js';

export const CHROMIUM = process.env.LABHUB_CHROMIUM || '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export const PHONE = { width: 375, height: 740 } as const;
export const DESKTOP = { width: 1280, height: 860 } as const;

export interface PersonOptions {
  /** Browser locale; also sets Accept-Language (e.g. 'zh-CN'). Default 'en-US'. */
  locale?: string;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
}

/** One person's browser: its own context (cookies, storage) and problem log. */
export interface Person {
  context: BrowserContext;
  page: Page;
  /** Console errors/warnings, page errors and CSP violations seen so far (cleared by {@link Person.takeProblems}). */
  problems: string[];
  /** Returns and clears the problems list. */
  takeProblems(): string[];
  close(): Promise<void>;
}

let shared: Promise<Browser> | undefined;

/**
 * One Chromium per test file, started at the first person (a launch costs a second or more).
 * Without Chromium the page tests fail (never skip) and say what to install.
 */
function sharedBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The page tests need Chromium at ${CHROMIUM}: run \`node scripts/setup-tests.mjs\` (Debian: apt-get ` +
        'install chromium), or set LABHUB_CHROMIUM to its path.',
    );
  }
  shared ??= chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    timeout: 60_000,
  });
  return shared;
}

// Closed when the file's tests are done (a person still open is closed with it).
after(async () => {
  await (await shared?.catch(() => null))?.close();
});

/**
 * A fresh browser context (its own cookies and storage, as a new profile would have) in the
 * file's Chromium. `Failed to load resource` console lines for a document that was *meant* to
 * answer with an error status (the 404 page, a wrong password) are expected and can be allowed
 * per navigation with {@link expectStatus}.
 */
export async function openPerson(name: string, opts: PersonOptions = {}): Promise<Person> {
  const browser = await sharedBrowser();
  const context = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    viewport: opts.viewport ?? DESKTOP,
    colorScheme: opts.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  // Record CSP violations inside every document (an init script runs through CDP, not subject to CSP).
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(
        `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  const problems: string[] = [];
  const allowed = new Set<string>();
  const watch = (page: Page) => {
    page.on('dialog', (d) => void d.accept().catch(() => undefined));
    page.on('pageerror', (e) =>
      problems.push(`[${name}] page error at ${page.url()}: ${e.message}`),
    );
    page.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warning') return;
      const text = m.text();
      const where = m.location().url;
      if (
        /^Failed to load resource: the server responded with a status of (\d+)/.test(text) &&
        allowed.has(stripQuery(where))
      )
        return;
      problems.push(
        `[${name}] console ${m.type()} at ${page.url()}: ${text.slice(0, 300)} (${where})`,
      );
    });
  };
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  context.on('page', watch);
  const person: Person & { allow: Set<string> } = {
    context,
    page,
    problems,
    allow: allowed,
    takeProblems() {
      return problems.splice(0);
    },
    async close() {
      await context.close().catch(() => undefined);
    },
  };
  return person;
}

function stripQuery(u: string): string {
  return u.split('#')[0]!.split('?')[0]!;
}

/** Allow the `Failed to load resource` console line of a document that answers with an error status on purpose. */
export function expectStatus(person: Person, url: string): void {
  (person as Person & { allow: Set<string> }).allow.add(stripQuery(url));
}

/** Fail with every console error and CSP violation collected since the last call. */
export async function assertClean(person: Person, where: string): Promise<void> {
  const csp = await person.page
    .evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])
    .catch(() => [] as string[]);
  const problems = [...person.takeProblems(), ...csp.map((c) => `CSP: ${c}`)];
  if (problems.length)
    throw new Error(`${where}: the browser reported problems:\n  ${problems.join('\n  ')}`);
}

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_SOURCE = readFileSync(AXE_PATH, 'utf8');
/** The axe-core version in use (from its package.json). */
export const AXE_VERSION: string = (require('axe-core/package.json') as { version: string })
  .version;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * Run axe-core on the current page; fail on any serious or critical violation (WCAG 2 A/AA
 * rules plus best practices). Returns how many rules passed, so a caller can see axe really ran.
 */
export async function assertAccessible(page: Page, where: string): Promise<number> {
  const has = await page.evaluate(
    () => typeof (window as unknown as { axe?: unknown }).axe === 'object',
  );
  if (!has) await page.evaluate(`${AXE_SOURCE}\n;true`);
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            ctx: Document,
            o: unknown,
          ): Promise<{ violations: AxeViolation[]; passes: unknown[] }>;
        };
      }
    ).axe;
    const r = await axe.run(document, {
      resultTypes: ['violations'],
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      },
    });
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes
          .slice(0, 5)
          .map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      })),
      passes: r.passes.length,
    };
  });
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const lines = bad.map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}\n      ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)}`).join('\n      ')}`,
    );
    throw new Error(
      `${where} (${page.url()}): axe-core ${AXE_VERSION} found ${bad.length} serious/critical problem(s):\n    ${lines.join('\n    ')}`,
    );
  }
  return result.passes;
}

/**
 * English fragments that must never show on a Chinese page: the literal parts of every en
 * message that zh translates differently (placeholders cut out, fragments under 4 letters
 * dropped because they also occur inside names and URLs).
 */
export const ENGLISH_FRAGMENTS: string[] = (() => {
  const out = new Set<string>();
  for (const key of Object.keys(en) as Array<keyof typeof en>) {
    if (en[key] === zh[key]) continue;
    for (const part of en[key].split(/\{\w+\}/)) {
      const p = part.trim().replace(/^[,.:;!?()“”‘’"'\s–—-]+|[,.:;!?()“”‘’"'\s–—-]+$/g, '');
      // Names the translation keeps (labhub, JupyterHub, admin-ui) are not English text.
      if ((p.match(/[A-Za-z]/g) ?? []).length >= 4 && !zh[key].includes(p)) out.add(p);
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
})();

/** All text a person perceives: visible text, the title, and accessible names in attributes. */
export async function perceivableText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.title, document.body.innerText];
    for (const el of Array.from(
      document.querySelectorAll('[aria-label],[title],[alt],[placeholder]'),
    )) {
      for (const a of ['aria-label', 'title', 'alt', 'placeholder']) {
        const v = el.getAttribute(a);
        if (v) parts.push(v);
      }
    }
    for (const el of Array.from(
      document.querySelectorAll('input[type="submit"],input[type="button"]'),
    ))
      parts.push((el as HTMLInputElement).value);
    return parts.join('\n');
  });
}

/** Fail when a Chinese page shows any English catalog text. `allow` lists words the page legitimately shows (user names…). */
export async function assertNoEnglish(
  page: Page,
  where: string,
  allow: string[] = [],
): Promise<void> {
  const lang = await page.evaluate(() => document.documentElement.lang);
  if (lang !== 'zh-CN')
    throw new Error(
      `${where}: expected <html lang="zh-CN">, got ${JSON.stringify(lang)} at ${page.url()}`,
    );
  let text = await perceivableText(page);
  // Text marked lang="en" (a spawner's own progress words) is English on purpose.
  const marked = await page.evaluate(() =>
    Array.from(document.querySelectorAll('body [lang="en"]')).map((e) => e.textContent ?? ''),
  );
  for (const a of [...marked.filter(Boolean), ...allow]) text = text.split(a).join(' ');
  // Scopes, paths and URLs (read:users:activity!user, /hub/home) are code, not English text.
  text = text.replace(/[\w.-]*[:!=/][\w:!=/.?&%-]*/g, ' ');
  const found = ENGLISH_FRAGMENTS.filter((f) =>
    new RegExp(`(^|[^A-Za-z])${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`).test(text),
  );
  if (found.length) {
    const at = text.indexOf(found[0]);
    const context = text.slice(Math.max(0, at - 60), at + 60).replace(/\s+/g, ' ');
    throw new Error(
      `${where}: the Chinese page shows English catalog text: ${found.map((f) => JSON.stringify(f)).join(', ')} (${page.url()}), e.g. in "…${context}…"`,
    );
  }
}

/** Fail when the page scrolls sideways (content wider than the viewport). */
export async function assertNoHorizontalScroll(page: Page, where: string): Promise<void> {
  const m = await page.evaluate(() => {
    const wide = Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''} (right ${Math.round(el.getBoundingClientRect().right)})`,
      );
    return {
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      wide,
    };
  });
  if (m.scroll > m.client)
    throw new Error(
      `${where}: the page is ${m.scroll}px wide in a ${m.client}px viewport (${page.url()}); too wide: ${m.wide.join(', ')}`,
    );
}

/** Log in through the form (mouse-free is tested separately). Waits for the next page. */
export async function login(
  page: Page,
  base: string,
  user: string,
  password = 'pw',
  query = '',
): Promise<void> {
  await page.goto(`${base}/hub/login${query}`);
  await page.locator('#username').fill(user);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.endsWith('/hub/login')),
    page.locator('form button[type="submit"]').click(),
  ]);
}

/** Every check for a finished page: clean console/CSP, axe, and (zh) no English. Returns axe's pass count. */
export async function checkPage(
  person: Person,
  where: string,
  opts: { zh?: boolean; allowEnglish?: string[] } = {},
): Promise<number> {
  await assertClean(person, where);
  const passes = await assertAccessible(person.page, where);
  if (opts.zh) await assertNoEnglish(person.page, where, opts.allowEnglish);
  await assertClean(person, `${where} (after checks)`);
  return passes;
}
