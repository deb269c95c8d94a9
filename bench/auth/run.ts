// Login benchmark: logins per second and hub CPU per login, labhub vs JupyterHub 6.1.1 +
// OAuthenticator 17 + ldapauthenticator 2 (PyPI, in <repo>/.venv-authbench), in one run, against
// the same OpenID provider (oidc-provider, test/auth/oauth/test-provider.ts) and the same slapd
// (test/auth/ldap/slapd.ts), both hubs reading the same jupyterhub_config_*.py.
//
//   npm run build
//   node --import tsx bench/auth/run.ts [--seconds 20] [--clients 4] [--hubs labhub,jupyterhub] [--flows oidc,ldap] [--cpu-prof-dir DIR]
//
// .venv-authbench is built from python/requirements-authbench.txt when missing (pip, about a minute).
//
// OIDC: a scripted client does the browser's redirects (no browser): GET /hub/oauth_login → the
// provider's authorization endpoint → its login form (POST) → back to /hub/oauth_callback, which
// must answer 302 with a session. LDAP: GET /hub/login, POST the form (with _xsrf) → 302. Each
// login is a new client (no cookies). Requests go to each hub's own port (hub_port, not through
// its proxy). CPU is the hub process's user+system time (/proc/<pid>/stat) over the measured
// seconds, divided by the login attempts (failed ones too); the provider (its own process) and
// slapd are not counted. BENCH_VERBOSE=1 prints why an LDAP login failed.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CookieClient } from '../../test/helpers/cookie-client.js';
import { freePort } from '../../test/helpers/ports.js';
import { PASSWORDS, startSlapd, type Slapd } from '../../test/auth/ldap/slapd.js';
import { ensureUserEnv } from '../../src/spawner/user-env.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');
const VENV = join(ROOT, '.venv-authbench');
const CHP = join(ROOT, 'node_modules/.bin/configurable-http-proxy');

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '4' },
    hubs: { type: 'string', default: 'labhub,jupyterhub' },
    flows: { type: 'string', default: 'oidc,ldap' },
    /** Write a CPU profile of the labhub process here (node --cpu-prof; /work/tools/prof.py reads it). */
    'cpu-prof-dir': { type: 'string' },
  },
});
const SECONDS = Number(opt.seconds);
const CLIENTS = Number(opt.clients);
/**
 * `labhub`, `jupyterhub`, or `labhub@DIR`: labhub built in another checkout DIR (its
 * bench/hub/labhub-start.mjs and dist/), e.g. the commit before a change, measured in the same run.
 * A hub named more than once is measured in each place and its rounds are summed.
 */
type HubKind = 'labhub' | 'jupyterhub' | `labhub@${string}`;
const HUBS = opt.hubs.split(',') as HubKind[];
const FLOWS = opt.flows.split(',') as ('oidc' | 'ldap')[];
const TICK = 100; // USER_HZ on Linux

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICK;
}

interface Provider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  proc: ChildProcess;
}

/** oidc-provider in a child process (provider.ts). */
async function startProvider(redirectUris: string[], accounts: string[]): Promise<Provider> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(HERE, 'provider.ts'), JSON.stringify({ redirectUris, accounts })],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
    });
    proc.once('exit', (c) => reject(new Error(`the OpenID provider exited (${c})`)));
  });
  return { ...(JSON.parse(line) as Omit<Provider, 'proc'>), proc };
}

interface RunningHub {
  proc: ChildProcess;
  base: string;
  tail: () => string;
}

/** labhub's start script in a labhub tree (bench/lib since round 3; bench/hub in older builds). */
function startScript(root: string): string {
  const lib = join(root, 'bench/lib/labhub-start.mjs');
  return existsSync(lib) ? lib : join(root, 'bench/hub/labhub-start.mjs');
}

async function startHub(
  kind: HubKind,
  config: string,
  env: Record<string, string>,
  hubPort: number,
): Promise<RunningHub> {
  const dir = mkdtempSync(join(tmpdir(), `labhub-authbench-${kind.split('@')[0]}-`));
  const labhubRoot = kind.startsWith('labhub@') ? kind.slice('labhub@'.length) : ROOT;
  const [port, apiPort] = [await freePort(), await freePort()];
  const common = { CONFIGPROXY_AUTH_TOKEN: 'authbench-proxy-token', ...env };
  const proc =
    kind === 'jupyterhub'
      ? spawn(
          join(VENV, 'bin/jupyterhub'),
          [
            '-f',
            config,
            `--port=${port}`,
            `--JupyterHub.hub_port=${hubPort}`,
            `--ConfigurableHTTPProxy.api_url=http://127.0.0.1:${apiPort}`,
            `--ConfigurableHTTPProxy.command=${CHP}`,
          ],
          {
            cwd: dir,
            env: { ...process.env, ...common, PATH: `${join(VENV, 'bin')}:${process.env.PATH}` },
          },
        )
      : spawn(
          process.execPath,
          [
            ...(opt['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${opt['cpu-prof-dir']}`] : []),
            startScript(labhubRoot),
            '--config',
            config,
            '--port',
            String(port),
            '--hub-port',
            String(hubPort),
            '--proxy-api-url',
            `http://127.0.0.1:${apiPort}`,
            '--log-level',
            'warn',
          ],
          { cwd: dir, env: { ...process.env, ...common } },
        );
  let out = '';
  const keep = (b: Buffer) => void (out = (out + b.toString()).slice(-4000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const base = `http://127.0.0.1:${hubPort}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${kind} exited during start:\n${out}`);
    const r = await fetch(`${base}/hub/api/`).catch(() => null);
    if (r?.ok) return { proc, base, tail: () => out };
    await sleep(200);
  }
  proc.kill('SIGTERM');
  throw new Error(`${kind} did not answer within 120 s:\n${out}`);
}

async function stopHub(h: RunningHub): Promise<void> {
  if (h.proc.exitCode !== null) return;
  const gone = new Promise((r) => h.proc.once('exit', r));
  h.proc.kill('SIGTERM');
  await Promise.race([gone, sleep(15_000)]);
  if (h.proc.exitCode === null) h.proc.kill('SIGKILL');
}

/** One OIDC login through the redirects; true when the hub answered its callback with a session. */
async function oidcLogin(base: string, idp: Provider, account: string): Promise<boolean> {
  const hub = new CookieClient(base);
  const start = await hub.fetch('/hub/oauth_login');
  if (start.status !== 302) return false;
  const at = new CookieClient(idp.issuer);
  let r = await at.fetch(new URL(start.headers.get('location')!, base).href);
  const interaction = new URL(r.headers.get('location')!, idp.issuer);
  r = await at.fetch(`${interaction.pathname}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ account }).toString(),
  });
  for (let i = 0; i < 8; i++) {
    const loc = new URL(r.headers.get('location') ?? '', idp.issuer);
    if (loc.origin === base) {
      const done = await hub.fetch(loc.href);
      await done.arrayBuffer();
      return done.status === 302 && [...hub.jar.keys()].some((k) => k === 'jupyterhub-hub-login');
    }
    r = await at.fetch(loc.href);
  }
  return false;
}

/** One LDAP login through the form; true on 302 with a session. */
async function ldapLogin(base: string, user: string): Promise<boolean> {
  const c = new CookieClient(base);
  const html = await (await c.fetch('/hub/login')).text();
  const xsrf =
    /name="_xsrf" value="([^"]+)"/.exec(html)?.[1] ??
    /<meta name="xsrf" content="([^"]+)"/.exec(html)?.[1] ??
    '';
  const r = await c.fetch('/hub/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user, password: PASSWORDS[user]!, _xsrf: xsrf }),
  });
  const body = await r.text();
  const ok = r.status === 302 && [...c.jar.keys()].some((k) => k === 'jupyterhub-hub-login');
  if (!ok && process.env.BENCH_VERBOSE)
    console.error(
      `ldap login of ${user}: ${r.status} ${body
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(-600)}`,
    );
  return ok;
}

interface Result {
  logins: number;
  failed: number;
  perSecond: number;
  cpuMsPerLogin: number;
  secs: number;
  cpuMs: number;
}

/** A hub named twice in --hubs (interleaved rounds on a busy machine): the rounds summed. */
function merge(a: Result | undefined, b: Result): Result {
  if (!a) return b;
  const logins = a.logins + b.logins;
  const failed = a.failed + b.failed;
  const secs = a.secs + b.secs;
  const cpuMs = a.cpuMs + b.cpuMs;
  return {
    logins,
    failed,
    secs,
    cpuMs,
    perSecond: logins / secs,
    cpuMsPerLogin: cpuMs / Math.max(1, logins + failed),
  };
}

async function measure(pid: number, login: (i: number) => Promise<boolean>): Promise<Result> {
  let warm = 0;
  for (let i = 0; i < 5; i++) if (await login(i)) warm++;
  if (!warm) throw new Error('every warm-up login failed: check the hub log above');
  let logins = 0;
  let failed = 0;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, k) => {
      for (let i = k; performance.now() < end; i += CLIENTS) {
        if (await login(i)) logins++;
        else failed++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = cpuMs(pid) - cpu0;
  return {
    logins,
    failed,
    perSecond: logins / secs,
    cpuMsPerLogin: cpu / Math.max(1, logins + failed),
    secs,
    cpuMs: cpu,
  };
}

if (HUBS.includes('jupyterhub')) {
  // Built (or reused while its pins are unchanged) as the tests' environments are.
  const env = await ensureUserEnv({
    venvDir: VENV,
    requirementsFile: join(ROOT, 'python/requirements-authbench.txt'),
    command: 'jupyterhub',
    searchPath: '',
    onProgress: (l) =>
      /^(Creating a Python|Installing the pinned|Python environment ready)/.test(l) &&
      console.log(`.venv-authbench: ${l}`),
  });
  if (!existsSync(env.command)) throw new Error(`no jupyterhub in ${VENV}`);
}
if (!existsSync(join(ROOT, 'dist/hub.js'))) {
  console.error('labhub is not built: npm run build');
  process.exit(1);
}

const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `user${i}`);
const LDAP_USERS = ['alice', 'bob', 'carol'];
const results: Record<string, Partial<Record<string, Result>>> = {};
const hubPorts: Record<string, number> = {};
for (const h of HUBS) hubPorts[h] = await freePort();
const work = mkdtempSync(join(tmpdir(), 'labhub-authbench-'));
const load0 = loadavg()[0]!;

try {
  if (FLOWS.includes('oidc')) {
    const idp = await startProvider(
      HUBS.map((h) => `http://127.0.0.1:${hubPorts[h]}/hub/oauth_callback`),
      ACCOUNTS,
    );
    try {
      for (const kind of HUBS) {
        const hub = await startHub(
          kind,
          join(HERE, 'jupyterhub_config_oidc.py'),
          {
            OAUTH2_AUTHORIZE_URL: `${idp.issuer}/auth`,
            OAUTH2_TOKEN_URL: `${idp.issuer}/token`,
            OAUTH2_USERDATA_URL: `${idp.issuer}/me`,
            OAUTH_CLIENT_ID: idp.clientId,
            OAUTH_CLIENT_SECRET: idp.clientSecret,
            OAUTH_CALLBACK_URL: `http://127.0.0.1:${hubPorts[kind]}/hub/oauth_callback`,
          },
          hubPorts[kind],
        );
        try {
          const r = (results[kind] ??= {});
          r.oidc = merge(
            r.oidc,
            await measure(hub.proc.pid!, (i) =>
              oidcLogin(hub.base, idp, ACCOUNTS[i % ACCOUNTS.length]!),
            ),
          );
        } catch (e) {
          console.error(`${kind} oidc: ${(e as Error).message}\n${hub.tail()}`);
        } finally {
          await stopHub(hub);
        }
      }
    } finally {
      idp.proc.kill('SIGTERM');
    }
  }
  if (FLOWS.includes('ldap')) {
    const slapd: Slapd = await startSlapd();
    const config = join(work, 'jupyterhub_config_ldap.py');
    copyFileSync(join(HERE, 'jupyterhub_config_ldap.py'), config);
    appendFileSync(config, `c.LDAPAuthenticator.server_port = ${slapd.port}\n`);
    try {
      for (const kind of HUBS) {
        const hub = await startHub(kind, config, {}, hubPorts[kind]);
        try {
          const r = (results[kind] ??= {});
          r.ldap = merge(
            r.ldap,
            await measure(hub.proc.pid!, (i) =>
              ldapLogin(hub.base, LDAP_USERS[i % LDAP_USERS.length]!),
            ),
          );
        } catch (e) {
          console.error(`${kind} ldap: ${(e as Error).message}\n${hub.tail()}`);
        } finally {
          await stopHub(hub);
        }
      }
    } finally {
      await slapd.stop();
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const f = (n: number | undefined, d = 1) => (n === undefined ? '-' : n.toFixed(d));
console.log(
  `\nLogins, ${SECONDS} s per hub and flow, ${CLIENTS} concurrent clients; ${cpus().length} cores, load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.\n`,
);
console.log('| flow | hub | logins/s | hub CPU ms per login attempt | failed attempts |');
console.log('|---|---|---|---|---|');
for (const flow of FLOWS)
  for (const kind of new Set(HUBS)) {
    const r = results[kind]?.[flow];
    console.log(
      `| ${flow} | ${kind} | ${f(r?.perSecond)} | ${f(r?.cpuMsPerLogin)} | ${r?.failed ?? '-'} |`,
    );
  }
for (const flow of FLOWS) {
  const l = results.labhub?.[flow];
  const j = results.jupyterhub?.[flow];
  if (l && j)
    console.log(
      `${flow}: labhub ${(l.perSecond / j.perSecond).toFixed(2)}× the logins/s, ${(j.cpuMsPerLogin / l.cpuMsPerLogin).toFixed(2)}× less hub CPU per login`,
    );
}
