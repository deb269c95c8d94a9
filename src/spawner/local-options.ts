/**
 * The options of the local spawners (`local-process`, `simple-local-process`), as zod schemas:
 * the traits of their config classes plus what the hub adds (the user environment and log
 * directories from Labhub.*). They arrive in `SpawnerOptions.extra` with JupyterHub's snake_case
 * names (or camelCase, as the hub and the tests write the keys it adds); a wrong value is
 * LABHUB_ERR_CONFIG naming `Class.key`.
 */
import { z } from 'zod';
import { simpleSpawnerTraits, spawnerTraits } from '../config/schema-classes.js';
import { parsePluginOptions } from '../plugins/options.js';

const dir = z.string().nullish();

/** What both local spawners read: stop timeouts, labhub's Python environment, server logs. */
const commonShape = {
  interrupt_timeout: spawnerTraits.interrupt_timeout,
  term_timeout: spawnerTraits.term_timeout,
  kill_timeout: spawnerTraits.kill_timeout,
  user_env: spawnerTraits.user_env,
  /** Labhub.user_env_dir, Labhub.user_env_requirements, Labhub.server_log_dir (from the hub). */
  user_env_dir: dir,
  user_env_requirements: dir,
  server_log_dir: dir,
  /** Labhub.shared_env_dir: its `current/site` goes on the servers' PYTHONPATH. */
  shared_env_dir: dir,
};

/** LocalProcessSpawner's options. */
export const localProcessOptionsSchema = z.object({
  ...commonShape,
  run_as_user: spawnerTraits.run_as_user,
  allow_root: spawnerTraits.allow_root,
});

/** SimpleLocalProcessSpawner's options. */
export const simpleOptionsSchema = z.object({
  ...commonShape,
  home_dir_template: simpleSpawnerTraits.home_dir_template,
});

type CommonLocalOptions = z.output<z.ZodObject<typeof commonShape>>;

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

/** `extra` with camelCase keys written snake_case (a snake_case key wins). */
export function snakeKeys(extra: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[snake(k)] ??= v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && k === snake(k)) out[k] = v;
  return out;
}

const commonSchema = z.object(commonShape);

/** The options `schema` reads from `extra`. Throws LABHUB_ERR_CONFIG naming `where.key`. */
export function localOptions<S extends z.ZodType>(
  schema: S,
  extra: Readonly<Record<string, unknown>>,
  where: string,
): z.output<S> {
  return parsePluginOptions(schema as z.ZodType<z.output<S>>, snakeKeys(extra), where);
}

/** The options both local spawners share (stop timeouts, Python environment, log directory). */
export function commonLocalOptions(extra: Readonly<Record<string, unknown>>): CommonLocalOptions {
  return localOptions(commonSchema, extra, 'Spawner');
}
