/**
 * usage() of Docker servers against a real, private dockerd (Debian's docker.io) with the cached
 * test image: CPU seconds and memory from the container's one-shot stats, for a server that burns
 * a known amount of CPU and holds a known amount of memory; nothing for a stopped container.
 * Registered by docker.test.ts, which starts the dockerd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PrivateDockerd } from '../helpers/dockerd.js';
import { createSpawner as create, dockerContext } from './helpers/context.js';

const MB = 1024 * 1024;

/** Burns at least 1.5 s of CPU, then holds 96 MB (touched) while it serves HTTP. */
const SERVER = `
import os, time, http.server, urllib.parse
t = time.process_time()
while time.process_time() - t < 1.5: pass
hold = bytearray(96 * 1024 * 1024)
for i in range(0, len(hold), 4096): hold[i] = 1
u = urllib.parse.urlparse(os.environ['JUPYTERHUB_SERVICE_URL'])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(s):
        s.send_response(200); s.end_headers(); s.wfile.write(b'ok')
    def log_message(s, *a): pass
http.server.HTTPServer((u.hostname or '0.0.0.0', u.port), H).serve_forever()
`;

/** The usage() case against the dockerd `docker()` returns (started in a before hook). */
export function usageCases(docker: () => PrivateDockerd): void {
  test('usage() of a Docker server: CPU seconds and memory from the container stats; null once stopped', async () => {
    const sp = create(
      dockerContext(docker(), 'usage-docker', {
        cmd: ['python3', '-c', SERVER],
        extra: { remove: false },
      }),
    );
    assert.equal(await sp.usage!(), null, 'no container yet');
    await sp.start();
    const u = await sp.usage!();
    assert.ok(u, 'a reading for the running container');
    assert.equal(u.source, 'container');
    assert.ok(u.cpuSeconds >= 1.4 && u.cpuSeconds < 60, `cpu ${u.cpuSeconds} s`);
    assert.ok(
      u.memoryBytes >= 90 * MB && u.memoryBytes < 400 * MB,
      `memory ${u.memoryBytes / MB} MB`,
    );
    // The same figures as the docker CLI's stats (memory: usage minus inactive file cache).
    const name = String(sp.getState().object_name);
    const cli = JSON.parse(
      docker().cli(['stats', '--no-stream', '--format', '{{json .}}', name]),
    ) as {
      MemUsage: string;
    };
    const cliMiB = Number(/^([\d.]+)MiB/.exec(cli.MemUsage)?.[1]);
    assert.ok(
      Math.abs(cliMiB - u.memoryBytes / MB) < 8,
      `docker stats ${cli.MemUsage} vs ${u.memoryBytes / MB} MiB`,
    );
    const again = await sp.usage!();
    assert.ok(again && again.cpuSeconds >= u.cpuSeconds, 'the CPU counter does not go back');
    await sp.stop({ now: true });
    assert.equal(await sp.usage!(), null, 'a stopped container has no reading');
  });
}
