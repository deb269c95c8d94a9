/** Spawner.env_keep's default, as in JupyterHub: variables a server inherits from the hub. */
export const SPAWNER_ENV_KEEP: readonly string[] = [
  'PATH',
  'PYTHONPATH',
  'CONDA_ROOT',
  'CONDA_DEFAULT_ENV',
  'VIRTUAL_ENV',
  'LANG',
  'LC_ALL',
  'JUPYTERHUB_SINGLEUSER_APP',
];
