/**
 * The shared environment admins manage (`labhub env`, the admin page): Python packages for every
 * user server, on top of the servers' own environment, in a directory labhub owns
 * (Labhub.shared_env_dir):
 *
 *   <dir>/current -> versions/<id>     (a symlink, swapped atomically)
 *   <dir>/versions/<id>/site/          (the packages: on the servers' PYTHONPATH)
 *   <dir>/versions/<id>/requirements.txt  (what admins asked for, pinned name==version)
 *   <dir>/versions/<id>/installed.json    (everything in site/, with the dependencies)
 *
 * Every change builds a new version from the whole pinned list: pip resolves it against the
 * servers' environment without changing anything (`--dry-run --report`), installs exactly what
 * it resolved into a new directory, then `current` is swapped. A failure at any step removes the
 * new directory: the environment stays exactly as it was. One change at a time (`<dir>/.lock`).
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HubError } from '../errors.js';
import {
  installedVersions,
  installInto,
  pipError,
  resolveInstall,
  serverPython,
  type Dist,
  type PythonSource,
} from './shared-env-pip.js';

export interface SharedEnvListing {
  /** What admins asked for, pinned (sorted by name). */
  packages: Dist[];
  /** What those brought along that the servers' environment did not have. */
  dependencies: Dist[];
  /** When the current version was made (ISO), or null when nothing was installed yet. */
  updated: string | null;
}

/** The directory to put on the servers' PYTHONPATH for the shared environment at `dir`. */
export function sharedEnvSitePath(dir: string): string {
  return join(resolve(dir), 'current', 'site');
}

/** PEP 503 normalized name (`Foo_Bar` → `foo-bar`). */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const VERSION = /^[A-Za-z0-9!+._-]+$/;

/** `name` or `name==version`; anything else is refused (the environment stays pinned). */
export function parseSpec(spec: string): { name: string; version: string | null } {
  const s = spec.trim();
  const m = /^([^=<>!~\s[\]]+)(?:==([^=\s]+))?$/.exec(s);
  if (!m || !NAME.test(m[1]) || (m[2] !== undefined && !VERSION.test(m[2])))
    throw new HubError(
      'LABHUB_ERR_SHARED_ENV',
      400,
      `${JSON.stringify(spec)} is not a package name or name==version (ranges, extras and URLs are not supported: the shared environment is pinned). Example: labhub env install requests==2.32.3`,
    );
  return { name: m[1], version: m[2] ?? null };
}

/** Reads `requirements.txt` of a version: `name==version` lines. */
function readPins(file: string): Dist[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, version] = l.split('==');
      return { name, version };
    });
}

/** chmod a+rX over `dir`: servers run as other Linux users read it. */
function readableByAll(dir: string): void {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) return;
  const want = st.isDirectory() || st.mode & 0o100 ? st.mode | 0o555 : st.mode | 0o444;
  if ((st.mode & 0o7777) !== (want & 0o7777)) chmodSync(dir, want & 0o7777);
  if (st.isDirectory()) for (const n of readdirSync(dir)) readableByAll(join(dir, n));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The shared environment at `dir`, changed with the Python that runs the user servers. */
export class SharedEnv {
  readonly dir: string;

  constructor(
    dir: string,
    private readonly python: PythonSource,
  ) {
    this.dir = resolve(dir);
  }

  /** What is installed now (nothing when the environment was never changed). */
  list(): SharedEnvListing {
    const cur = join(this.dir, 'current');
    if (!existsSync(cur)) return { packages: [], dependencies: [], updated: null };
    const packages = readPins(join(cur, 'requirements.txt'));
    const meta = JSON.parse(readFileSync(join(cur, 'installed.json'), 'utf8')) as {
      installed: Dist[];
      updated: string;
    };
    const asked = new Set(packages.map((p) => normalizeName(p.name)));
    return {
      packages,
      dependencies: meta.installed.filter((d) => !asked.has(normalizeName(d.name))),
      updated: meta.updated,
    };
  }

  /** Adds (or re-pins) packages: `name` (the newest version pip finds, then pinned) or `name==version`. */
  async install(specs: string[], onLine?: (l: string) => void): Promise<SharedEnvListing> {
    const parsed = specs.map(parseSpec);
    if (!parsed.length)
      throw new HubError('LABHUB_ERR_SHARED_ENV', 400, 'Name at least one package to install.');
    return this.change(onLine, (pins) => {
      const next = new Map(pins.map((p) => [normalizeName(p.name), `${p.name}==${p.version}`]));
      for (const p of parsed)
        next.set(normalizeName(p.name), p.version ? `${p.name}==${p.version}` : p.name);
      return [...next.values()];
    });
  }

  /** Removes packages admins added (with what only they needed). */
  async remove(names: string[], onLine?: (l: string) => void): Promise<SharedEnvListing> {
    const gone = new Set(names.map((n) => normalizeName(parseSpec(n).name)));
    return this.change(onLine, (pins) => {
      const missing = [...gone].filter((n) => !pins.some((p) => normalizeName(p.name) === n));
      if (missing.length)
        throw new HubError(
          'LABHUB_ERR_SHARED_ENV',
          404,
          `Not in the shared environment: ${missing.join(', ')} (\`labhub env list\` shows what is).`,
        );
      return pins
        .filter((p) => !gone.has(normalizeName(p.name)))
        .map((p) => `${p.name}==${p.version}`);
    });
  }

  private async change(
    onLine: ((l: string) => void) | undefined,
    nextSpecs: (pins: Dist[]) => string[],
  ): Promise<SharedEnvListing> {
    mkdirSync(join(this.dir, 'versions'), { recursive: true, mode: 0o755 });
    const release = this.lock();
    const id = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
    const work = join(this.dir, 'versions', `.new-${id}`);
    try {
      const specs = nextSpecs(this.list().packages);
      const python = serverPython(this.python);
      mkdirSync(join(work, 'site'), { recursive: true });
      const resolved = await this.resolve(python, specs, work, onLine);
      await this.pip('installing', specs, () =>
        installInto(python, resolved.install, join(work, 'site'), onLine),
      );
      const updated = new Date().toISOString();
      writeFileSync(
        join(work, 'requirements.txt'),
        '# The shared environment of labhub (`labhub env list`); changed with `labhub env install/remove`.\n' +
          resolved.pins.map((p) => `${p.name}==${p.version}\n`).join(''),
      );
      writeFileSync(
        join(work, 'installed.json'),
        JSON.stringify({ python, updated, installed: resolved.install }, null, 2) + '\n',
      );
      readableByAll(work);
      this.swap(work, id);
      return this.list();
    } finally {
      rmSync(work, { recursive: true, force: true });
      release();
    }
  }

  /** pip's resolution of `specs` against the servers' environment, and the pins to record. */
  private async resolve(
    python: string,
    specs: string[],
    work: string,
    onLine?: (l: string) => void,
  ): Promise<{ install: Dist[]; pins: Dist[] }> {
    if (!specs.length) return { install: [], pins: [] };
    const install = await this.pip('resolving', specs, () =>
      resolveInstall(python, specs, join(work, 'report.json'), onLine),
    );
    rmSync(join(work, 'report.json'), { force: true });
    const byName = new Map(install.map((d) => [normalizeName(d.name), d]));
    const names = specs.map((s) => parseSpec(s).name);
    // Asked-for packages the servers' environment already has are not in pip's report.
    const missing = names.filter((n) => !byName.has(normalizeName(n)));
    const have = missing.length ? await installedVersions(python, missing) : new Map();
    const pins = names.map((n) => {
      const d = byName.get(normalizeName(n));
      const version = d?.version ?? have.get(n);
      if (!version)
        throw new HubError(
          'LABHUB_ERR_SHARED_ENV',
          500,
          `pip resolved the request but did not say which version of ${n} it would use; nothing was changed.`,
        );
      return { name: d?.name ?? n, version };
    });
    return { install, pins: pins.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  private async pip<T>(step: string, specs: string[], run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof HubError) throw e;
      throw new HubError(
        'LABHUB_ERR_SHARED_ENV',
        400,
        `pip failed ${step} ${specs.join(' ')}; the shared environment was not changed.\n${pipError(e)}`,
      );
    }
  }

  /** Moves the new version in place and points `current` at it (rename: atomic). */
  private swap(work: string, id: string): void {
    const versions = join(this.dir, 'versions');
    renameSync(work, join(versions, id));
    const tmpLink = join(this.dir, `.current-${id}`);
    symlinkSync(join('versions', id), tmpLink);
    renameSync(tmpLink, join(this.dir, 'current'));
    for (const n of readdirSync(versions))
      if (n !== id) rmSync(join(versions, n), { recursive: true, force: true });
  }

  /** Takes `<dir>/.lock` (one change at a time; a lock of a process that died is taken over). */
  private lock(): () => void {
    const file = join(this.dir, '.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
        return () => rmSync(file, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number(readFileSync(file, 'utf8').trim());
        if (pid && pid !== process.pid && alive(pid))
          throw new HubError(
            'LABHUB_ERR_CONFLICT',
            409,
            `The shared environment is being changed by another process (pid ${pid}); try again when it has finished.`,
          );
        if (pid === process.pid)
          throw new HubError(
            'LABHUB_ERR_CONFLICT',
            409,
            'The shared environment is being changed already; try again when that has finished.',
          );
        rmSync(file, { force: true });
      }
    }
    throw new HubError('LABHUB_ERR_CONFLICT', 409, `Cannot take the lock ${file}.`);
  }

  /** The version `current` points at (for tests and `labhub doctor`), or null. */
  currentVersion(): string | null {
    try {
      return readlinkSync(join(this.dir, 'current'));
    } catch {
      return null;
    }
  }
}
