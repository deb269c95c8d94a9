/**
 * A real, throw-away Kubernetes API server for tests: etcd v3.6.16 + kube-apiserver v1.35.4
 * (built once per machine by scripts/setup-k8s.mjs), started on 127.0.0.1 with free ports and a
 * fresh PKI made with openssl, RBAC on. No scheduler, controllers or kubelet run: pair it with
 * test/helpers/kube-node-agent.ts for pods. One cluster is meant to be shared by the tests of one
 * file (start ~4 s): give each test its own namespace (createNamespace).
 *
 *   const cluster = await startKubeCluster();
 *   const kc = cluster.kubeConfig();           // @kubernetes/client-node KubeConfig, admin
 *   ...
 *   await cluster.stop();                      // kills only its own etcd + apiserver, removes dir
 *
 * What a bare API server lacks, and what this helper does instead:
 * - the `default` ServiceAccount of a namespace (kube-controller-manager makes it; pod creation is
 *   refused without it): createNamespace() creates the namespace and that ServiceAccount;
 * - PVC deletion would hang on the pvc-protection finalizer: the StorageObjectInUseProtection
 *   admission plugin is off, so PVCs are deleted at once;
 * - ResourceQuota status (the quota controller fills status.hard): createResourceQuota() writes
 *   it, so the API server's quota admission refuses pods over the quota like a real cluster;
 * - namespaces stay Terminating when deleted (no namespace controller): use fresh names.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { freePort } from './ports.js';

const K8S_VERSION = 'v1.35.4';

const HELM_VERSION = 'v3.21.4';
const SETUP_COMMAND = 'node scripts/setup-k8s.mjs';

/** Paths of the cached binaries (same rule as scripts/setup-k8s.mjs). */
function kubeBinaries(): { kubeApiserver: string; etcd: string; helm: string } {
  const cache = process.env.LABHUB_CACHE || '/var/cache/labhub-tests';
  return {
    kubeApiserver: join(cache, `k8s-${K8S_VERSION}`, 'bin', 'kube-apiserver'),
    etcd: join(cache, `k8s-${K8S_VERSION}`, 'bin', 'etcd'),
    helm: join(cache, `helm-${HELM_VERSION}`, 'bin', 'helm'),
  };
}

/** Throws with the command to run when a binary is missing (tests fail, never skip). */
export function requireKubeBinary(name: 'kubeApiserver' | 'etcd' | 'helm'): string {
  const path = kubeBinaries()[name];
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: build the Kubernetes test binaries with \`${SETUP_COMMAND}\` ` +
        '(once per machine, 10-17 min; npm test runs it in its set-up)',
    );
  return path;
}

export interface KubeClusterUser {
  /** Bearer token accepted by the API server (static token file). */
  token: string;
  /** A kubeconfig file for this user (same cluster, namespace `default`). */
  kubeconfig: string;
}

export interface KubeCluster {
  /** https://127.0.0.1:PORT */
  server: string;
  /** PEM of the cluster CA (the API server's serving certificate is signed by it). */
  ca: string;
  caFile: string;
  /** Bearer token of `admin` (group system:masters). */
  token: string;
  /** kubeconfig file of the admin user; context `test`, namespace `default`. */
  kubeconfig: string;
  /** Users given to startKubeCluster({ users }), without system:masters: RBAC applies to them. */
  users: Record<string, KubeClusterUser>;
  /** Scratch folder of this cluster (PKI, logs, etcd data); removed by stop(). */
  dir: string;
  /** A fresh client-node KubeConfig for the admin, or for one of `users`. */
  kubeConfig(user?: string): k8s.KubeConfig;
  /** Creates a namespace and its `default` ServiceAccount (the controller-manager's job). */
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  /** Creates a ResourceQuota and fills its status like the quota controller would. */
  createResourceQuota(namespace: string, name: string, hard: Record<string, string>): Promise<void>;
  /** Last lines of the API server's log (for failure messages). */
  apiserverLog(lines?: number): string;
  /** Stops the API server then etcd (only these two PIDs) and removes `dir`. */
  stop(): Promise<void>;
}

export interface KubeClusterOptions {
  /** Extra users (no system:masters group), each with its own token and kubeconfig. */
  users?: { name: string; groups?: string[] }[];
  /** Extra kube-apiserver flags. */
  apiserverArgs?: string[];
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error) throw new Error(`openssl is missing (Debian package openssl): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

function makePki(dir: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=labhub-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  ]);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=kube-apiserver',
    '-keyout',
    'apiserver.key',
    '-out',
    'apiserver.csr',
  ]);
  writeFileSync(
    join(dir, 'apiserver.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,' +
      'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1\n' +
      'extendedKeyUsage=serverAuth\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'apiserver.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    'apiserver.ext',
    '-out',
    'apiserver.crt',
  ]);
  openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function kubeconfigYaml(server: string, caFile: string, user: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    `  cluster: {server: "${server}", certificate-authority: "${caFile}"}`,
    'users:',
    `- name: ${user}`,
    `  user: {token: "${token}"}`,
    'contexts:',
    '- name: test',
    `  context: {cluster: test, user: ${user}, namespace: default}`,
    'current-context: test',
    '',
  ].join('\n');
}

function get(url: string, ca?: string, token?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(
      url,
      { ca, headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 2000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Waits until `url` answers 200, failing early when `child` exits. */
async function waitReady(
  child: ChildProcess,
  what: string,
  log: string,
  url: string,
  ca?: string,
  token?: string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(log, 30)}`,
      );
    if ((await get(url, ca, token)) === 200) return;
    await sleep(100);
  }
  throw new Error(`${what} not ready after 60 s (${url}):\n${tail(log, 30)}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startKubeCluster(options: KubeClusterOptions = {}): Promise<KubeCluster> {
  const apiserverBin = requireKubeBinary('kubeApiserver');
  const etcdBin = requireKubeBinary('etcd');
  const dir = mkdtempSync(join(tmpdir(), 'labhub-kube-'));
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  // A test process that dies without stop() must not leave the servers behind.
  process.once('exit', killAll);
  try {
    makePki(dir);
    const token = randomBytes(24).toString('hex');
    const users: Record<string, KubeClusterUser> = {};
    const tokenLines = [`${token},admin,admin-uid,"system:masters"`];
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const caFile = join(dir, 'ca.crt');
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const server = `https://127.0.0.1:${apiPort}`;
    for (const u of options.users ?? []) {
      if (!/^[a-z0-9][a-z0-9:._-]*$/.test(u.name) || u.name === 'admin')
        throw new Error(`bad user name ${u.name}`);
      const t = randomBytes(24).toString('hex');
      tokenLines.push(`${t},${u.name},${u.name}-uid,"${(u.groups ?? []).join(',')}"`);
      const kubeconfig = join(dir, `kubeconfig-${u.name}`);
      writeFileSync(kubeconfig, kubeconfigYaml(server, caFile, u.name, t));
      users[u.name] = { token: t, kubeconfig };
    }
    writeFileSync(join(dir, 'tokens.csv'), tokenLines.join('\n') + '\n');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(server, caFile, 'admin', token));

    const etcdLog = join(dir, 'etcd.log');
    const etcdOut = openSync(etcdLog, 'a');
    const etcd = spawn(
      etcdBin,
      [
        '--name=test',
        `--data-dir=${join(dir, 'etcd-data')}`,
        '--unsafe-no-fsync',
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=test=http://127.0.0.1:${peerPort}`,
      ],
      { stdio: ['ignore', etcdOut, etcdOut] },
    );
    closeSync(etcdOut);
    children.push(etcd);
    await waitReady(etcd, 'etcd', etcdLog, `http://127.0.0.1:${etcdPort}/health`);

    const apiLog = join(dir, 'apiserver.log');
    const apiOut = openSync(apiLog, 'a');
    const apiserver = spawn(
      apiserverBin,
      [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${join(dir, 'apiserver.crt')}`,
        `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
        `--client-ca-file=${caFile}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        '--allow-privileged=true',
        '--profiling=false',
        '--endpoint-reconciler-type=none',
        '--disable-admission-plugins=StorageObjectInUseProtection',
        `--cert-dir=${join(dir, 'certs')}`,
        ...(options.apiserverArgs ?? []),
      ],
      { stdio: ['ignore', apiOut, apiOut] },
    );
    closeSync(apiOut);
    children.push(apiserver);
    await waitReady(apiserver, 'kube-apiserver', apiLog, `${server}/readyz`, ca, token);

    const kubeConfig = (user?: string) => {
      const kc = new k8s.KubeConfig();
      if (user !== undefined && !users[user]) throw new Error(`no user ${user} in this cluster`);
      kc.loadFromFile(user === undefined ? kubeconfig : users[user].kubeconfig);
      return kc;
    };
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    return {
      server,
      ca,
      caFile,
      token,
      kubeconfig,
      users,
      dir,
      kubeConfig,
      async createNamespace(name, labels) {
        await core.createNamespace({ body: { metadata: { name, labels } } });
        await core.createNamespacedServiceAccount({
          namespace: name,
          body: { metadata: { name: 'default' } },
        });
      },
      async createResourceQuota(namespace, name, hard) {
        await core.createNamespacedResourceQuota({
          namespace,
          body: { metadata: { name }, spec: { hard } },
        });
        const used = Object.fromEntries(Object.keys(hard).map((k) => [k, '0']));
        await core.replaceNamespacedResourceQuotaStatus({
          namespace,
          name,
          body: {
            ...(await core.readNamespacedResourceQuota({ namespace, name })),
            status: { hard, used },
          },
        });
      },
      apiserverLog: (lines = 50) => tail(apiLog, lines),
      async stop() {
        await stopChild(apiserver);
        await stopChild(etcd);
        process.removeListener('exit', killAll);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killAll();
    process.removeListener('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
