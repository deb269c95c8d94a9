/**
 * The notebook container's environment before KubeSpawner.environment: the hub's JUPYTERHUB_*
 * variables, the resource variables of the (profile's) options, `JUPYTER_IMAGE(_SPEC)`, and
 * nothing of the hub's own process environment unless `env_keep` names it (KubeSpawner's
 * default: none). When the hub runs in a cluster and reaches its API on loopback, pods get the
 * hub Service's address (`HUB_SERVICE_HOST`/`HUB_SERVICE_PORT`, as Zero to JupyterHub's `hub`
 * Service) unless `hub_connect_url` says otherwise.
 */
import type { KubeOptions } from './options.js';

const pyFloat = (n: number) => (Number.isInteger(n) ? `${n}.0` : String(n));

function isLoopbackUrl(u: string): boolean {
  try {
    const h = new URL(u).hostname.replace(/^\[|\]$/g, '');
    return h === 'localhost' || h.startsWith('127.') || h === '::1' || h === '0.0.0.0';
  } catch {
    return false;
  }
}

/**
 * Where pods reach the hub API when the hub computed a loopback URL: the in-cluster hub
 * Service, or null to keep the hub's URL.
 */
export function inClusterHubApi(apiUrl: string, o: KubeOptions, env = process.env): string | null {
  if (o.hub_connect_url || !isLoopbackUrl(apiUrl)) return null;
  const host = env.HUB_SERVICE_HOST;
  const port = env.HUB_SERVICE_PORT;
  if (!env.KUBERNETES_SERVICE_HOST || !host || !port) return null;
  const u = new URL(apiUrl);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}${u.pathname.replace(/\/+$/, '')}`;
}

export function hubEnvForPod(
  hubEnv: Record<string, string>,
  o: KubeOptions,
  processEnv = process.env,
): Record<string, string> {
  // env_keep first (JupyterHub's order): the hub's variables win over kept ones.
  const env: Record<string, string> = {};
  for (const k of o.env_keep) if (processEnv[k] !== undefined) env[k] = processEnv[k]!;
  Object.assign(env, hubEnv);
  delete env.CONFIGPROXY_AUTH_TOKEN;
  delete env.JPY_COOKIE_SECRET;
  for (const k of ['MEM_LIMIT', 'MEM_GUARANTEE', 'CPU_LIMIT', 'CPU_GUARANTEE']) delete env[k];
  if (o.mem_limit) env.MEM_LIMIT = String(o.mem_limit);
  if (o.mem_guarantee) env.MEM_GUARANTEE = String(o.mem_guarantee);
  if (o.cpu_limit) env.CPU_LIMIT = pyFloat(o.cpu_limit);
  if (o.cpu_guarantee) env.CPU_GUARANTEE = pyFloat(o.cpu_guarantee);
  env.JUPYTER_IMAGE_SPEC = o.image;
  env.JUPYTER_IMAGE = o.image;
  const api = env.JUPYTERHUB_API_URL;
  const moved = api ? inClusterHubApi(api, o) : null;
  if (api && moved) {
    env.JUPYTERHUB_API_URL = moved;
    if (env.JUPYTERHUB_ACTIVITY_URL?.startsWith(api))
      env.JUPYTERHUB_ACTIVITY_URL = moved + env.JUPYTERHUB_ACTIVITY_URL.slice(api.length);
  }
  return env;
}
