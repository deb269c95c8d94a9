/**
 * The spawn sequence of hub-protocol.md §1.4, steps 1–5: the server's token and OAuth client,
 * its command and environment, start within start_timeout, wait for HTTP, then the proxy route.
 * SpawnManager runs it and cleans up when it throws.
 */
import type { Logger } from '../../log.js';
import { HubError } from '../../errors.js';
import type { ServerRecord, User } from '../../db/index.js';
import type { Spawner, SpawnerOptions } from '../../spawner/types.js';
import type { JsonObject } from '../../util/json.js';
import { ProgressChannel, readyEvent, type ProgressEvent } from './progress.js';
import { withTimeout } from './timeouts.js';
import { issueServerCredentials } from './server-credentials.js';
import type { ServerRoutes } from './server-routes.js';
import { bindUrlFor, buildHubEnv, serverPrefixFor } from '../../spawner/spawn-env.js';
import type { SpawnManagerDeps } from './spawn-deps.js';
import { waitForHttp } from './wait-http.js';

/** A server this hub process is driving right now (spawning, running or stopping). */
export interface Live {
  serverId: number;
  userName: string;
  serverName: string;
  spawner: Spawner;
  progress: ProgressChannel;
  /** user_options of the current spawn (what the spawner gets as SpawnerContext.userOptions). */
  userOptions?: JsonObject | null;
  /** Settles when the current spawn finishes (resolves on success, rejects with the reason). */
  spawning: Promise<void> | null;
  stopping: Promise<void> | null;
}

/** What the steps need: the manager's dependencies, its routes, and the server's options. */
export type SpawnStepsDeps = SpawnManagerDeps & {
  routes: ServerRoutes;
  options: SpawnerOptions;
  /** The replica driving this spawn: the row must still be its own when the spawn ends. */
  owner: string;
};

/**
 * Run steps 1–5 for `rec`; `live.spawner` is set as soon as the spawner exists. Throws whatever
 * a step throws (HubError LABHUB_ERR_SPAWN_TIMEOUT, LABHUB_ERR_SPAWN_FAILED 'Spawn cancelled',
 * LABHUB_ERR_CONFLICT, LABHUB_ERR_UNSAFE_ROUTE, LABHUB_ERR_PROXY, or a spawner's own error).
 */
export async function runSpawnSteps(
  d: SpawnStepsDeps,
  user: User,
  rec: ServerRecord,
  live: Live,
  log: Logger,
): Promise<void> {
  const s = d.settings;
  const prefix = serverPrefixFor(s.baseUrl, user.name, rec.name);
  const full = `${user.name}/${rec.name}`;
  // 1. the server's own API token (scopes of §1.4 step 2) and its OAuth client (step 3)
  const { token, accessScope } = await issueServerCredentials(d, user, rec, prefix, log);

  // 2. the command (labhub may have to create its Python environment first)
  const options = d.options;
  if (d.resolveCommand) {
    const resolved = await d.resolveCommand(options.cmd, (msg) =>
      live.progress.push({ progress: 10, message: msg }),
    );
    options.cmd = resolved.cmd;
    if (resolved.pathPrefix) options.extra = { ...options.extra, pathPrefix: resolved.pathPrefix };
  }
  const accessScopes = s.spawner.oauthAccessScopes.length
    ? [...s.spawner.oauthAccessScopes]
    : [accessScope, `access:servers!user=${user.name}`];
  const hubEnv = buildHubEnv({
    userName: user.name,
    serverName: rec.name,
    apiToken: token,
    hubApiUrl: s.spawner.hubApiUrl ?? s.hubApiUrl,
    baseUrl: s.baseUrl,
    serverPrefix: prefix,
    bindUrl: bindUrlFor(s.spawner.ip, s.spawner.port, prefix),
    oauthAccessScopes: accessScopes,
    oauthClientAllowedScopes: [...s.spawner.oauthClientAllowedScopes],
    rootDir: options.notebookDir || undefined,
    defaultUrl: options.defaultUrl || undefined,
    debug: s.spawner.debug,
    disableUserConfig: s.spawner.disableUserConfig,
    publicUrl: s.publicUrl ?? undefined,
    memLimit: s.spawner.memLimit,
    cpuLimit: s.spawner.cpuLimit,
  });
  const fromAuthState = d.authStateEnv ? await d.authStateEnv(user) : {};
  if (Object.keys(fromAuthState).length)
    options.environment = { ...fromAuthState, ...options.environment };
  const saver = new StateSaver(d, rec.id);
  const spawner = d.spawner.create({
    user: { id: user.id, name: user.name },
    serverName: rec.name,
    hubEnv,
    options,
    userOptions: live.userOptions ?? null,
    log,
    stateChanged: () => saver.save(spawner),
  });
  live.spawner = spawner;

  // 3. start, within start_timeout. Its progress is read once start() (or prepare(), one-time
  // work start_timeout does not cover) has begun, as JupyterHub does: a spawner's progress()
  // may end at once when it is not starting.
  live.progress.push({ progress: 50, message: 'Spawning server...' });
  if (spawner.prepare) {
    const preparing = spawner.prepare();
    pipeProgress(spawner, live.progress);
    await preparing;
    if (live.stopping) throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');
  }
  const starting = spawner.start();
  if (!spawner.prepare) pipeProgress(spawner, live.progress);
  // Save the spawner's state (e.g. the pid) as soon as it has one, not only once the server
  // listens: if this replica dies meanwhile, the replica adopting the row can stop the process.
  const saving = saver.whileStarting(spawner, starting);
  const started = await withTimeout(
    starting,
    s.spawner.startTimeout * 1000,
    () =>
      new HubError(
        'LABHUB_ERR_SPAWN_TIMEOUT',
        500,
        `The server did not start within ${s.spawner.startTimeout} seconds (Spawner.start_timeout).`,
      ),
  );
  await saving;
  await saver.idle();
  if (
    !(await d.store.servers.updateIfOwner(rec.id, d.owner, {
      target: started.url,
      state: spawner.getState(),
    }))
  )
    throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');

  // 4. wait until it answers HTTP (fails at once if the process exits)
  live.progress.push({ progress: 75, message: 'Waiting for the server to answer...' });
  const version = await waitForHttp(
    `${started.url}${prefix}api`,
    s.spawner.httpTimeout,
    async () => {
      const status = await spawner.poll();
      if (status === null) return null;
      const tail = spawner.recentOutput?.().trim();
      return `The server process exited with status ${status} before it was ready.${tail ? `\nLast output:\n${tail}` : ''}`;
    },
  );
  if (live.stopping) throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');

  // 5. route it
  await d.routes.add(user.name, rec.name, started.url);
  // spawning → running only if no stop arrived meanwhile (from any replica) and the row is ours.
  if (!(await d.store.servers.finishSpawn(rec.id, d.owner, { serverVersion: version })))
    throw new HubError('LABHUB_ERR_SPAWN_FAILED', 500, 'Spawn cancelled');
  d.metrics.runningServers.inc();
  log.info({ url: started.url }, `Server ${full} ready at ${prefix}`);
  live.progress.push(readyEvent(prefix));
}

/**
 * Writes a starting server's spawner state when it changed: at once when the spawner says so
 * (SpawnerContext.stateChanged, e.g. a pid), and every 200 ms until start() settles. Writes run
 * one after the other, so the last state written is the newest.
 */
class StateSaver {
  private saved = '{}';
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly d: SpawnStepsDeps,
    private readonly id: number,
  ) {}

  /** Resolves once this state is written (rejects if that write failed). */
  save(spawner: Spawner): Promise<void> {
    const state = spawner.getState();
    const text = JSON.stringify(state);
    if (text === this.saved) return this.chain;
    this.saved = text;
    const write = this.chain.then(async () => {
      // Not once another replica took the row over (its own state is saved there then).
      await this.d.store.servers.updateIfOwner(this.id, this.d.owner, { state });
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Resolves once the writes asked for so far are done. */
  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * Saves every 200 ms while start() runs, and ends as soon as start() settles: a spawn never
   * waits for the next 200 ms tick once its server has started.
   */
  async whileStarting(spawner: Spawner, starting: Promise<unknown>): Promise<void> {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let wake: () => void = () => undefined;
    const end = () => {
      done = true;
      clearTimeout(timer);
      wake();
    };
    starting.then(end, end);
    // Bounded even if start() never settles (start_timeout then fails the spawn anyway).
    const until = Date.now() + this.d.settings.spawner.startTimeout * 1000 + 5000;
    while (!done && Date.now() < until) {
      await new Promise<void>((r) => {
        wake = r;
        timer = setTimeout(r, 200);
      });
      if (!done) await this.save(spawner).catch(() => undefined);
    }
  }
}

function pipeProgress(spawner: Spawner, channel: ProgressChannel): void {
  if (!spawner.progress) return;
  void (async () => {
    try {
      for await (const ev of spawner.progress!()) {
        if (channel.isClosed) break;
        const { ready: _r, ...rest } = ev as ProgressEvent;
        channel.push(rest);
      }
    } catch {
      /* progress is best effort */
    }
  })();
}
