import { pickServerPort } from '../../src/spawner/server-ports.js';

/**
 * A TCP port that was free a moment ago on 127.0.0.1, picked the way the hub picks its servers'
 * ports: at random outside the kernel's ephemeral range, so that no outgoing connection of this
 * busy machine (the tests' own clients, PostgreSQL's, the proxies') takes it before the test's
 * server listens, and never the same twice in one test process.
 */
export async function freePort(): Promise<number> {
  return (await pickServerPort('127.0.0.1')).port;
}
