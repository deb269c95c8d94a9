/**
 * A real OpenLDAP `slapd` for tests: its own throw-away cn=config directory built with slapadd
 * from LDIF (no debconf, nothing under /etc/ldap is touched), a small directory of users and
 * groups, listening on free loopback ports (ldap:// with StartTLS and ldaps:// when `tls`), as the
 * unprivileged `openldap` user when the tests run as root. Stopped by its PID (also when the test
 * process exits). Needs Debian's slapd and ldap-utils: `sudo bash scripts/install-system-deps.sh`.
 *
 * The directory (base dc=example,dc=org):
 * - ou=people: alice, bob, carol, eve (uid=<name>; eve's cn is `*`), and "Doe, Jane"
 *   (cn=Doe\, Jane, uid jdoe, so her DN has an escaped comma), passwords {@link PASSWORDS};
 * - ou=services: cn=search, the lookup_dn_search_user (password `search-pw-1`);
 * - ou=groups: cn=jupyter (groupOfNames: alice, Jane Doe), cn=posix-jupyter (posixGroup:
 *   memberUid bob), cn=staff (groupOfNames: carol).
 * Anonymous binds see nothing but may authenticate; bound users read everything but passwords.
 * With `tls`, a password bind needs an encrypted connection (olcSecurity simple_bind=1).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports.js';

export const BASE = 'dc=example,dc=org';
export const PEOPLE = `ou=people,${BASE}`;
export const GROUPS = `ou=groups,${BASE}`;
export const SEARCH_USER = `cn=search,ou=services,${BASE}`;
export const SEARCH_PASSWORD = 'search-pw-1';
export const JANE_DN = `cn=Doe\\, Jane,${PEOPLE}`;
export const PASSWORDS: Record<string, string> = {
  alice: 'alice-pw-1',
  bob: 'bob-pw-1',
  carol: 'carol-pw-1',
  jdoe: 'jane-pw-1',
  eve: 'eve-pw-1',
};

const INSTALL = 'sudo bash scripts/install-system-deps.sh   (Debian packages slapd and ldap-utils)';
const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const SCHEMA_DIR = '/etc/ldap/schema';

export interface Slapd {
  /** Loopback address slapd listens on. */
  host: string;
  /** ldap:// port (StartTLS offered when started with `tls`). */
  port: number;
  /** ldaps:// port (0 without `tls`). */
  ldapsPort: number;
  /** The CA that signed the server certificate (PEM file), when started with `tls`. */
  caFile: string;
  /** Another CA's certificate, which did NOT sign the server's (for "untrusted" cases). */
  otherCaFile: string;
  dir: string;
  pid: number;
  /** Kill slapd (by PID) and remove its directory unless `keepFiles` (e.g. the CA, still named in a config). */
  stop(opts?: { keepFiles?: boolean }): Promise<void>;
}

/** Why slapd cannot run here, with the command that fixes it; null when it can. */
export function slapdMissing(): string | null {
  for (const f of [SLAPD, SLAPADD, join(SCHEMA_DIR, 'core.ldif')])
    if (!existsSync(f)) return `${f} is missing: run  ${INSTALL}`;
  return null;
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.status ?? r.error?.message}): ${r.stderr}${r.stdout}`,
    );
}

/** A CA and a server certificate for 127.0.0.1/localhost signed by it, plus an unrelated CA. */
function makeCertificates(dir: string): void {
  const ossl = (...args: string[]) => run('openssl', args, dir);
  for (const ca of ['ca', 'other-ca'])
    ossl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=labhub test ${ca}`,
    );
  ossl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  ossl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
}

function configLdif(dir: string, tls: boolean): string {
  const schemas = ['core', 'cosine', 'inetorgperson', 'nis']
    .map((s) => readFileSync(join(SCHEMA_DIR, `${s}.ldif`), 'utf8').trim())
    .join('\n\n');
  const tlsLines = tls
    ? [
        `olcTLSCACertificateFile: ${dir}/ca.pem`,
        `olcTLSCertificateFile: ${dir}/server.pem`,
        `olcTLSCertificateKeyFile: ${dir}/server.key`,
        // Simple binds (passwords) only over TLS: a client that skips encryption is refused.
        'olcSecurity: simple_bind=1',
      ]
    : [];
  return `dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: ${dir}/slapd.pid
${tlsLines.join('\n')}

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

${schemas}

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: ${BASE}
olcDbDirectory: ${dir}/db
olcRootDN: cn=admin,${BASE}
olcDbMaxSize: 10485760
olcAccess: {0}to attrs=userPassword by self read by anonymous auth by * none
olcAccess: {1}to * by users read by * none
`.replace(/\n\n\n+/g, '\n\n');
}

function person(
  uid: string,
  cn: string,
  sn: string,
  n: number,
  dn = `uid=${uid},${PEOPLE}`,
): string {
  return `dn: ${dn}
objectClass: inetOrgPerson
objectClass: posixAccount
uid: ${uid}
cn: ${cn}
sn: ${sn}
mail: ${uid}@example.org
uidNumber: ${10000 + n}
gidNumber: ${10000 + n}
homeDirectory: /home/${uid}
userPassword: ${PASSWORDS[uid]}
`;
}

function dataLdif(): string {
  return [
    `dn: ${BASE}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n`,
    ...['people', 'services', 'groups'].map(
      (ou) => `dn: ou=${ou},${BASE}\nobjectClass: organizationalUnit\nou: ${ou}\n`,
    ),
    person('alice', 'Alice Liddell', 'Liddell', 1),
    person('bob', 'Bob Builder', 'Builder', 2),
    person('carol', 'Carol Danvers', 'Danvers', 3),
    person('jdoe', 'Doe, Jane', 'Doe', 4, JANE_DN),
    person('eve', '*', 'Star', 5),
    `dn: ${SEARCH_USER}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: search\nuserPassword: ${SEARCH_PASSWORD}\n`,
    `dn: cn=jupyter,${GROUPS}\nobjectClass: groupOfNames\ncn: jupyter\nmember: uid=alice,${PEOPLE}\nmember: ${JANE_DN}\n`,
    `dn: cn=posix-jupyter,${GROUPS}\nobjectClass: posixGroup\ncn: posix-jupyter\ngidNumber: 20000\nmemberUid: bob\n`,
    `dn: cn=staff,${GROUPS}\nobjectClass: groupOfNames\ncn: staff\nmember: uid=carol,${PEOPLE}\n`,
  ].join('\n');
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) if (p.pid) process.kill(p.pid, 'SIGKILL');
});

/**
 * Start slapd. Throws (with the install command) when slapd is not installed: a test that needs
 * it fails rather than skips.
 */
export async function startSlapd(opts: { tls?: boolean } = {}): Promise<Slapd> {
  const missing = slapdMissing();
  if (missing) throw new Error(`slapd is needed for the LDAP tests: ${missing}`);
  const tls = opts.tls === true;
  const dir = mkdtempSync(join(tmpdir(), 'labhub-slapd-'));
  const host = '127.0.0.1';
  run('mkdir', ['conf', 'db'], dir);
  if (tls) makeCertificates(dir);
  writeFileSync(join(dir, 'config.ldif'), configLdif(dir, tls));
  writeFileSync(join(dir, 'data.ldif'), dataLdif());
  run(SLAPADD, ['-n', '0', '-F', 'conf', '-l', 'config.ldif'], dir);
  run(SLAPADD, ['-n', '1', '-F', 'conf', '-l', 'data.ldif'], dir);
  const asRoot = process.getuid?.() === 0;
  const dropTo =
    asRoot && spawnSync('id', ['openldap']).status === 0
      ? ['-u', 'openldap', '-g', 'openldap']
      : [];
  if (dropTo.length) run('chown', ['-R', 'openldap:openldap', dir], dir);

  const port = await freePort();
  const ldapsPort = tls ? await freePort() : 0;
  const urls = [`ldap://${host}:${port}/`, ...(tls ? [`ldaps://${host}:${ldapsPort}/`] : [])];
  let log = '';
  const child = spawn(
    SLAPD,
    ['-d', '0', '-F', join(dir, 'conf'), '-h', urls.join(' '), ...dropTo],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  let exited = false;
  child.once('exit', () => {
    exited = true;
    running.delete(child);
  });

  const stop = async (o: { keepFiles?: boolean } = {}): Promise<void> => {
    if (!exited && child.pid) {
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(() => child.pid && !exited && process.kill(child.pid, 'SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    if (!o.keepFiles) rmSync(dir, { recursive: true, force: true });
  };

  for (let i = 0; ; i++) {
    if (exited) {
      await stop();
      throw new Error(`slapd exited at start: ${log.slice(-2000)}`);
    }
    if ((await canConnect(host, port)) && (!tls || (await canConnect(host, ldapsPort)))) break;
    if (i > 200) {
      await stop();
      throw new Error(`slapd did not listen on ${urls.join(' ')} within 20 s: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    port,
    ldapsPort,
    caFile: join(dir, 'ca.pem'),
    otherCaFile: join(dir, 'other-ca.pem'),
    dir,
    pid: child.pid!,
    stop,
  };
}
