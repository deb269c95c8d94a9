import type { z } from 'zod';
import type { JsonObject } from '../util/json.js';
import type { Logger } from '../log.js';

/** One progress event while a server starts (hub-protocol.md §8). */
export interface SpawnProgress {
  progress?: number;
  message: string;
  html_message?: string;
}

/** Resource use of one running server, read now (the usage sampler's input). */
export interface ServerUsage {
  /** CPU seconds the server's processes have used since it started (a counter). */
  cpuSeconds: number;
  /** Memory in use now, in bytes. */
  memoryBytes: number;
  /** Where the figures come from: the server's cgroup, or its processes in /proc. */
  source: 'cgroup' | 'proc' | 'container' | 'metrics-api';
}

/** Spawner options shared by every spawner (JupyterHub's `Spawner.*` traits), already validated. */
export interface SpawnerOptions {
  cmd: string[];
  args: string[];
  /** Formatted (`{username}` replaced) notebook directory, or '' when not configured. */
  notebookDir: string;
  /** Formatted default URL, or '' when not configured. */
  defaultUrl: string;
  /** Extra environment (Spawner.environment), applied last. */
  environment: Record<string, string>;
  /** Names of hub process env vars to pass through (Spawner.env_keep). */
  envKeep: string[];
  ip: string;
  port: number;
  startTimeout: number;
  httpTimeout: number;
  pollInterval: number;
  memLimit: number | null;
  cpuLimit: number | null;
  /** Any other keys of the spawner's own config class. */
  extra: Record<string, unknown>;
}

/** Everything a spawner instance needs. One instance per (user, server name). */
export interface SpawnerContext {
  user: { id: number; name: string };
  /** '' for the default server. */
  serverName: string;
  /** The JUPYTERHUB_* environment computed by the hub (spawner/spawn-env.ts). */
  hubEnv: Record<string, string>;
  options: SpawnerOptions;
  /** The user_options of this spawn (spawn form or REST API), null/absent when none. */
  userOptions?: JsonObject | null;
  log: Logger;
  /**
   * Tell the hub that getState() now holds something it must save at once (e.g. the pid of a
   * process just launched): if the hub dies before it saves, whoever adopts the server could not
   * stop that process. The hub also saves changed state every 200 ms while start() runs.
   * Resolves once saved (rejects when it could not be: then do not launch).
   */
  stateChanged?(): Promise<void>;
}

/**
 * Starts, stops and watches one single-user server. Constructors do no I/O.
 *
 * - `start()` is called once per spawn by the hub's spawn lifecycle; it resolves with the URL
 *   the proxy should forward to (origin only, e.g. `http://127.0.0.1:45123`) as soon as the process
 *   is started; the hub then waits for the server to answer. It throws HubError
 *   LABHUB_ERR_SPAWN_FAILED with the reason when the process cannot be started (missing command,
 *   missing user, notebook dir not creatable...).
 * - `stop()` ends the server; `now` skips the graceful phases. Idempotent.
 * - `poll()` returns null while running, or the exit status (0 if unknown) once it has stopped.
 * - `getState()/loadState()` persist what is needed to reattach after a hub restart.
 * - `progress()` optionally yields progress events during start.
 * - `prepare()`, optional, is called before `start()` for one-time work that is not the server
 *   starting (building labhub's Python environment, pulling an image): start_timeout does not
 *   cover it. Its progress events come through `progress()` as well. Throws HubError.
 */
export interface Spawner {
  prepare?(): Promise<void>;
  start(): Promise<{ url: string }>;
  stop(opts?: { now?: boolean }): Promise<void>;
  poll(): Promise<number | null>;
  getState(): JsonObject;
  loadState(s: JsonObject): void;
  progress?(): AsyncIterable<SpawnProgress>;
  /**
   * Optional capability: the server's resource use now, or null when it is not running or
   * cannot be read. Called by the usage sampler every `Labhub.usage.sample_interval` seconds for
   * each running server, one after the other: keep it cheap (no process spawned per call).
   * Local spawners read the cgroup or /proc; container spawners would ask their runtime.
   */
  usage?(): Promise<ServerUsage | null>;
  /** Last output lines of the process (shown on the page when a spawn fails). Optional. */
  recentOutput?(): string;
  /**
   * Optional capability (docs/high-availability.md): after `loadState()` of a server whose
   * `start()` was interrupted (the hub replica driving it died), wait for that start to finish
   * and resolve with its URL as `start()` would. Throws HubError LABHUB_ERR_SPAWN_FAILED when
   * the server is gone. The hub bounds it by what is left of start_timeout.
   */
  resumeStart?(): Promise<{ url: string }>;
}

/** Something the hub says about its spawner at start (and `labhub doctor` reports). */
export interface SpawnerNotice {
  /** 'error': spawns will fail as configured (the hub still starts); 'warn': worth knowing. */
  level: 'warn' | 'error';
  message: string;
  /** What to do about it. */
  fix?: string;
}

/** A registered spawner plugin. */
export interface SpawnerDefinition {
  /** kebab-case id, e.g. `local-process`. */
  id: string;
  /** Names accepted in `JupyterHub.spawner_class`. */
  aliases: string[];
  /** JupyterHub config classes whose traits apply, most general first. */
  configClasses: string[];
  /**
   * Optional: the zod schema of the spawner's own options (`SpawnerOptions.extra`, snake_case
   * trait names); the hub checks the configured values against it at start, so a wrong value
   * is a LABHUB_ERR_CONFIG naming `Class.key` before any spawn.
   */
  options?: z.ZodType;
  create(ctx: SpawnerContext): Spawner;
  /**
   * Optional: called once when the hub starts, and by `labhub doctor`, with the spawner options
   * as configured (templates not filled in). Returns what the operator should know about this
   * deployment; throws HubError LABHUB_ERR_CONFIG for options that can never work.
   */
  startupNotices?(options: Pick<SpawnerOptions, 'cmd' | 'args' | 'extra'>): SpawnerNotice[];
  /** Optional: release what the plugin shares between servers (watches, connections) at hub stop. */
  close?(): Promise<void>;
  /**
   * Optional: the spawn page's HTML form derived from the configured options (the spawner's
   * `options_form` default), or '' for none. Used only when `Spawner.options_form` is not set.
   * Throws HubError LABHUB_ERR_CONFIG for a wrong option value.
   */
  optionsForm?(extra: Record<string, unknown>): string;
}
