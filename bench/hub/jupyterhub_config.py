# Shared by both hubs of the hub benchmark (bench/hub/run.mjs): JupyterHub 6.1.1 runs it,
# labhub reads it (literal subset). Ports, the proxy API URL and the proxy command differ per
# hub and come from each hub's command line; the database and cookie secret are relative to
# each hub's own working directory (bench/hub/.run/<hub>/).
c = get_config()

c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.db_url = 'sqlite:///jupyterhub.sqlite'

c.JupyterHub.authenticator_class = 'dummy'
c.Authenticator.allow_all = True

# bench/hub/tinyspawner.py (JupyterHub, via PYTHONPATH) / bench/hub/tinyspawner.mjs (labhub,
# via LABHUB_PLUGIN_PATH): a tiny HTTP server started at once.
c.JupyterHub.spawner_class = 'tinyspawner.TinySpawner'

# The spawn storm starts 200 servers at once: no throttling by either hub.
c.JupyterHub.concurrent_spawn_limit = 0
# Servers outlive a hub restart (the startup measurement reattaches to 500 of them).
c.JupyterHub.cleanup_servers = False

# The benchmark's client: a service token with admin scopes.
c.JupyterHub.services = [
    {'name': 'bench', 'api_token': 'bench-service-token-0123456789abcdef'},
]
c.JupyterHub.load_roles = [
    {
        'name': 'bench-admin',
        'description': 'what bench/hub/run.mjs needs',
        'scopes': ['admin:users', 'admin:servers', 'list:users', 'read:users', 'servers', 'read:servers', 'proxy'],
        'services': ['bench'],
    },
]
