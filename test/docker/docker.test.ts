/**
 * Every Docker test in one process around one private dockerd (test/helpers/dockerd.ts): starting
 * a dockerd and loading the test image into it costs about 12 s, stopping it about 5 s, so the
 * cases share it instead of each file starting its own. The cases, by concern:
 * - spawner-cases.ts: the spawner contract and DockerSpawner's options on the real daemon;
 * - usage-cases.ts: usage() from the container's stats;
 * - journey-cases.ts: the browser journey into JupyterLab in a container, and a hub restart.
 * Their container, volume and network names differ, so they do not see each other's.
 */
import { after, before } from 'node:test';
import { startDockerd, type PrivateDockerd } from '../helpers/dockerd.js';
import { stopLiveSpawners } from './helpers/context.js';
import { journeyCases } from './journey-cases.js';
import { spawnerCases } from './spawner-cases.js';
import { usageCases } from './usage-cases.js';

let dockerd: PrivateDockerd | undefined;
before(async () => {
  dockerd = await startDockerd();
});
const docker = () => {
  if (!dockerd) throw new Error('the private dockerd did not start (see the before hook)');
  return dockerd;
};

spawnerCases(docker);
usageCases(docker);
journeyCases(docker);

// Registered last, so it runs after the contract suite's own clean-up: the servers, then dockerd.
after(async () => {
  await stopLiveSpawners();
  await dockerd?.stop();
});
