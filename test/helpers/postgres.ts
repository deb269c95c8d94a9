/**
 * A throw-away PostgreSQL cluster for tests (Debian's postgresql package): initdb in a temp dir as
 * the `postgres` user, started on a free loopback port, removed at stop.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface TestPostgres {
  /** URL of the default `postgres` database. */
  url: string;
  /** Create a fresh database and return its URL (tests never share one). */
  createDatabase(name: string): Promise<string>;
  stop(): void;
}

function pgBin(): string {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base))
    throw new Error(
      'PostgreSQL is not installed: run scripts/install-system-deps.sh (Debian package postgresql)',
    );
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return join(base, versions[0], 'bin');
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'labhub-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const asPg = (cmd: string, args: string[]) => {
    const r = spawnSync(
      'setpriv',
      [
        '--reuid',
        String(uid),
        '--regid',
        String(gid),
        '--init-groups',
        '--',
        join(bin, cmd),
        ...args,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  asPg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  asPg('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`,
    'start',
  ]);
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const pg = await import('pg');
      const client = new (pg.default ?? pg).Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    stop() {
      try {
        asPg('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
