/**
 * The docker spawner against a real, private dockerd (Debian's docker.io) with the test image
 * built by scripts/setup-docker.mjs: the spawner contract, reattach by a new instance (a hub
 * restart), a per-user named volume that outlives its removed container, the image choice of
 * allowed_images, and clear failures. The servers here are a tiny Python HTTP server from the
 * image (no Jupyter), except in the whole-hub test on a user-defined bridge network (the image's
 * jupyterhub-singleuser): the JupyterLab journey is journey-cases.ts. Registered by docker.test.ts,
 * which starts the dockerd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHubError } from '../../src/errors.js';
import { dockerSpawner } from '../../src/spawner/docker/index.js';
import type { JsonObject } from '../../src/util/json.js';
import { spawnerContractSuite } from '../contracts/spawner-suite.js';
import type { PrivateDockerd } from '../helpers/dockerd.js';
import { createSpawner as create, dockerContext } from './helpers/context.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { freePort } from '../helpers/ports.js';

/** Answers any path with 200 and, on /env, its environment; writes /data/<path> on PUT. */
const SERVER = `
import os, json, http.server, urllib.parse
u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(s):
        body = json.dumps({'env': dict(os.environ), 'uid': os.getuid(),
            'files': sorted(os.listdir('/home/jovyan'))}).encode()
        s.send_response(200); s.send_header('content-type', 'application/json'); s.end_headers(); s.wfile.write(body)
    def do_PUT(s):
        open('/home/jovyan/' + s.path.strip('/'), 'w').write('x')
        s.send_response(201); s.end_headers()
    def log_message(s, *a): pass
print('test server listening on', u.port, flush=True)
http.server.HTTPServer((u.hostname or '0.0.0.0', u.port), H).serve_forever()
`;

/** The context of the cases: the test server, Spawner.environment FROM_CONFIG=yes. */
function context(
  dockerd: PrivateDockerd,
  userName: string,
  extra: Record<string, unknown> = {},
  o: { cmd?: string[]; notebookDir?: string; userOptions?: JsonObject } = {},
) {
  return dockerContext(dockerd, userName, {
    cmd: o.cmd ?? ['python3', '-c', SERVER],
    notebookDir: o.notebookDir,
    userOptions: o.userOptions,
    environment: { FROM_CONFIG: 'yes' },
    extra,
  });
}

async function info(url: string) {
  const res = await fetch(url + '/');
  return (await res.json()) as { env: Record<string, string>; uid: number; files: string[] };
}

function spawnFailed(re: RegExp) {
  return (e: unknown) => {
    assert.ok(isHubError(e), `HubError expected, got ${String(e)}`);
    assert.equal(e.code, 'LABHUB_ERR_SPAWN_FAILED');
    assert.match(e.userMessage, re);
    return true;
  };
}

/** The spawner cases against the dockerd `docker()` returns (started in a before hook). */
export function spawnerCases(docker: () => PrivateDockerd): void {
  // The contract on the default network (bridge, the server's port published on 127.0.0.1). The
  // notebook directory of the contract is a host path: it reaches the container as a bind mount
  // of the same path, which dockerd creates when missing.
  spawnerContractSuite({
    definition: dockerSpawner,
    makeContext: (req) =>
      context(
        docker(),
        req.userName,
        {
          remove: true,
          extra_host_config: { init: true },
          ...(req.notebookDir ? { volumes: { [req.notebookDir]: req.notebookDir } } : {}),
        },
        { ...(req.cmd ? { cmd: req.cmd } : {}), notebookDir: req.notebookDir ?? '' },
      ),
  });

  test('the container gets the hub environment, Spawner.environment, JUPYTER_IMAGE_SPEC, limits and the named container', async () => {
    const ctx = context(docker(), 'alice.smith', { prefix: 'lab' });
    ctx.options.memLimit = 256 * 1024 * 1024;
    ctx.options.cpuLimit = 0.5;
    const sp = create(ctx);
    const progress: string[] = [];
    const starting = sp.start();
    void (async () => {
      for await (const ev of sp.progress!()) progress.push(ev.message);
    })();
    const { url } = await starting;
    const { env, uid } = await info(url);
    assert.equal(env.JUPYTERHUB_USER, 'alice.smith');
    assert.equal(env.FROM_CONFIG, 'yes');
    assert.equal(env.JUPYTER_IMAGE_SPEC, docker().image);
    assert.equal(env.JUPYTERHUB_API_TOKEN, 'a'.repeat(32));
    assert.equal(uid, 1000, "the image's USER (jovyan)");
    // DockerSpawner's escaping: '.' is -2e.
    const inspect = JSON.parse(docker().cli(['inspect', 'lab-alice-2esmith']))[0];
    assert.equal(inspect.HostConfig.Memory, 256 * 1024 * 1024);
    assert.equal(inspect.HostConfig.CpuQuota, 50_000);
    assert.equal(inspect.HostConfig.CpuPeriod, 100_000);
    assert.ok(
      progress.some((m) => /Created container lab-alice-2esmith/.test(m)),
      progress.join('\n'),
    );
    // The server's output reaches recentOutput() (and the progress while starting) from the log stream.
    for (let k = 0; k < 100 && !/test server listening/.test(sp.recentOutput!()); k++)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(sp.recentOutput!(), /test server listening on \d+/);
    assert.deepEqual(sp.getState(), { object_id: inspect.Id, object_name: 'lab-alice-2esmith' });
    await sp.stop({ now: true });
  });

  test('a new instance given the state reattaches to the running container (hub restart); use_internal_ip reaches the container IP', async () => {
    const sp = create(context(docker(), 'reattach', { use_internal_ip: true }));
    const { url } = await sp.start();
    assert.match(url, /^http:\/\/172\.\d+\.\d+\.\d+:8888$/, 'the container IP on bridge');
    const state = JSON.parse(JSON.stringify(sp.getState())) as JsonObject;
    const again = create(context(docker(), 'reattach', { use_internal_ip: true }));
    again.loadState(state);
    assert.equal(await again.poll(), null);
    assert.equal((await info(url)).env.JUPYTERHUB_USER, 'reattach');
    await again.stop({ now: true });
    assert.equal(typeof (await sp.poll()), 'number');
    // remove is false: the stopped container is kept until the next start, which replaces it.
    assert.match(docker().cli(['ps', '-a', '--format', '{{.Names}}']), /jupyter-reattach/);
    const third = create(context(docker(), 'reattach', { use_internal_ip: true }));
    await third.start();
    const ids = docker()
      .cli(['ps', '-a', '-q', '--filter', 'name=jupyter-reattach'])
      .trim()
      .split('\n');
    assert.equal(ids.length, 1, 'one container per server');
    await third.stop({ now: true });
  });

  test('a start whose hub died after creating the container is resumed from the saved state (resumeStart)', async () => {
    const ctx = context(docker(), 'resumed', { remove: true });
    const sp = create(ctx);
    const saved: JsonObject[] = [];
    // The "replica" saves the name, then the id, and freezes there (as if killed): the container
    // exists, created, never started by it.
    ctx.stateChanged = () => {
      saved.push(JSON.parse(JSON.stringify(sp.getState())) as JsonObject);
      return saved.length === 1 ? Promise.resolve() : new Promise<void>(() => {});
    };
    void sp.start().catch(() => undefined);
    for (let i = 0; i < 300 && saved.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(saved[0], { object_name: 'jupyter-resumed' }, 'the name, before creating');
    assert.equal(typeof saved[1]?.object_id, 'string', 'then the id');
    const before = JSON.parse(docker().cli(['inspect', 'jupyter-resumed']))[0];
    assert.equal(before.State.Status, 'created');
    // The adopter, from each saved state: the first (the name alone) finds the container too.
    for (const state of [saved[0]!, saved[1]!]) {
      const adopter = create(context(docker(), 'resumed', { remove: true }));
      adopter.loadState(state);
      const { url } = await adopter.resumeStart!();
      assert.equal((await info(url)).env.JUPYTERHUB_USER, 'resumed');
      assert.equal(await adopter.poll(), null);
    }
    const adopter = create(context(docker(), 'resumed', { remove: true }));
    adopter.loadState(saved[1]!);
    await adopter.stop({ now: true });
    assert.doesNotMatch(docker().cli(['ps', '-a', '--format', '{{.Names}}']), /jupyter-resumed/);
  });

  test("a per-user named volume keeps the user's files across a removed container", async () => {
    const extra = {
      remove: true,
      extra_host_config: { init: true },
      volumes: { 'jupyterhub-user-{username}': '/home/jovyan' },
    };
    const sp = create(context(docker(), 'vol-user', extra));
    const { url } = await sp.start();
    const put = await fetch(url + '/notes.txt', { method: 'PUT' });
    assert.equal(
      put.status,
      201,
      'jovyan can write its home (the volume takes the image ownership)',
    );
    await sp.stop();
    assert.doesNotMatch(docker().cli(['ps', '-a', '--format', '{{.Names}}']), /jupyter-vol-2duser/);
    assert.match(
      docker().cli(['volume', 'ls', '--format', '{{.Name}}']),
      /jupyterhub-user-vol-2duser/,
    );
    const again = create(context(docker(), 'vol-user', extra));
    const { url: url2 } = await again.start();
    assert.ok((await info(url2)).files.includes('notes.txt'), 'the file is back');
    await again.stop();
    // Another user does not see it.
    const other = create(context(docker(), 'vol-other', extra));
    const { url: url3 } = await other.start();
    assert.ok(!(await info(url3)).files.includes('notes.txt'));
    await other.stop();
  });

  test('allowed_images: the user choice picks the image; one outside the list is refused; the form lists them', async () => {
    const extra = { allowed_images: { 'Test image': docker().image, Other: 'labhub-test/none:1' } };
    const sp = create(
      context(docker(), 'chooser', extra, { userOptions: { image: ['Test image'] } }),
    );
    const { url } = await sp.start();
    assert.equal((await info(url)).env.JUPYTER_IMAGE_SPEC, docker().image);
    await sp.stop({ now: true });
    const bad = create(
      context(docker(), 'chooser2', extra, { userOptions: { image: 'evil/image' } }),
    );
    await assert.rejects(bad.start(), (e: unknown) => {
      assert.ok(isHubError(e));
      assert.match(e.userMessage, /not in the allowed list: Test image, Other/);
      return true;
    });
    const none = create(
      context(docker(), 'chooser3', {}, { userOptions: { image: docker().image } }),
    );
    await assert.rejects(none.start(), /not allowed/);
    const form = dockerSpawner.optionsForm!({ image: 'x', ...extra });
    assert.match(form, /<select[^>]*name="image"/);
    assert.match(form, /<option value="Test image">Test image<\/option>/);
    assert.equal(dockerSpawner.optionsForm!({ image: 'x' }), '', 'no choice, no form');
  });

  test('a missing image with pull_policy never fails with a message saying what to do', async () => {
    const sp = create(context(docker(), 'nopull', { image: 'labhub-test/missing:0' }));
    await assert.rejects(sp.start(), spawnFailed(/labhub-test\/missing:0 is not present.*'never'/));
    assert.equal(await sp.poll(), 0);
  });

  test('a server that exits at once fails the start with its last output', async () => {
    const sp = create(
      context(
        docker(),
        'crash',
        {},
        { cmd: ['python3', '-c', 'import sys; print("boom-7f3"); sys.exit(3)'] },
      ),
    );
    await assert.rejects(
      sp.start(),
      spawnFailed(/exited \(status 3\) before its server listened[\s\S]*boom-7f3/),
    );
    assert.equal(await sp.poll(), 3);
  });

  test('extra_host_config and extra_create_kwargs (docker-py names) reach the container, templates filled', async () => {
    const sp = create(
      context(docker(), 'extras', {
        extra_host_config: { extra_hosts: { 'hub.example': '10.0.0.1' }, shm_size: '64M' },
        extra_create_kwargs: { labels: { owner: '{username}' }, working_dir: '/tmp' },
      }),
    );
    await sp.start();
    const c = JSON.parse(docker().cli(['inspect', 'jupyter-extras']))[0];
    assert.deepEqual(c.HostConfig.ExtraHosts, ['hub.example:10.0.0.1']);
    assert.equal(c.HostConfig.ShmSize, 64 * 1024 * 1024);
    assert.equal(c.Config.Labels.owner, 'extras');
    assert.equal(c.Config.WorkingDir, '/tmp');
    await sp.stop({ now: true });
  });

  test('a whole hub on a user-defined bridge network: the proxy reaches the container by its IP there, the server reaches the hub at the gateway (hub_connect_url)', async () => {
    const net = `labhub-net-${process.pid}`;
    docker().cli(['network', 'create', '--driver', 'bridge', net]);
    const gateway = JSON.parse(docker().cli(['network', 'inspect', net]))[0].IPAM.Config[0]
      .Gateway as string;
    assert.match(gateway, /^\d+\.\d+\.\d+\.\d+$/, 'the network has a gateway on the host');
    let t: TestHub | undefined;
    try {
      const hubPort = await freePort();
      t = await startTestHub({
        realSingleuser: true,
        config: {
          // The hub listens on every address; the containers reach it at the network's gateway.
          JupyterHub: { spawner_class: 'docker', hub_ip: '0.0.0.0', hub_port: hubPort },
          Spawner: { hub_connect_url: `http://${gateway}:${hubPort}` },
          DockerSpawner: {
            image: docker().image,
            pull_policy: 'never',
            network_name: net,
            use_internal_ip: true,
            remove: true,
            client_kwargs: { base_url: `unix://${docker().socketPath}` },
          },
        },
      });
      const admin = await t.token('admin', { admin: true });
      const alice = await t.token('alice');
      const started = await fetch(`${t.api}/users/alice/server`, {
        method: 'POST',
        headers: { Authorization: `token ${admin}` },
      });
      assert.ok([201, 202].includes(started.status), `spawn: ${started.status}`);
      for (let i = 0; ; i++) {
        const m = await (
          await fetch(`${t.api}/users/alice`, { headers: { Authorization: `token ${admin}` } })
        ).json();
        if (m.servers?.['']?.ready) break;
        assert.ok(
          m.servers?.[''] && i < 600,
          `alice's server did not become ready: ${JSON.stringify(m)}`,
        );
        await new Promise((r) => setTimeout(r, 200));
      }
      const c = JSON.parse(docker().cli(['inspect', 'jupyter-alice']))[0];
      const ip = c.NetworkSettings.Networks[net].IPAddress as string;
      assert.ok(ip, 'the container has an address on the network');
      assert.deepEqual(c.HostConfig.PortBindings ?? {}, {}, 'no port published on the host');
      assert.ok(
        (c.Config.Env as string[]).includes(
          `JUPYTERHUB_API_URL=http://${gateway}:${hubPort}/hub/api`,
        ),
        'the server is told to reach the hub at the gateway',
      );
      const routes = await (
        await fetch(`${t.proxyApiUrl}/api/routes`, {
          headers: { Authorization: `token ${t.proxyToken}` },
        })
      ).json();
      assert.equal(
        routes['/user/alice']?.target,
        `http://${ip}:8888`,
        'the proxy targets the container IP',
      );
      // Through labhub-proxy to the container; the server checks alice's token with the hub's API
      // at the gateway address (it answers 403 when it cannot).
      const res = await fetch(`${t.url}/user/alice/api/status`, {
        headers: { Authorization: `token ${alice}` },
      });
      assert.equal(
        res.status,
        200,
        `the server through the proxy: ${res.status} ${await res.text()}`,
      );
      await fetch(`${t.api}/users/alice/server`, {
        method: 'DELETE',
        headers: { Authorization: `token ${admin}` },
      });
    } finally {
      await t?.stop();
      try {
        docker().cli(['rm', '-f', 'jupyter-alice']);
      } catch {
        /* removed with the server */
      }
      docker().cli(['network', 'rm', net]);
    }
  });
}
