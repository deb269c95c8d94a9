# Shared by both hubs of the Kubernetes benchmark (bench/kubernetes/run.mjs): JupyterHub 6.1.1 +
# KubeSpawner 7.1.0 runs it, labhub reads it (literal subset). The cluster comes from $KUBECONFIG
# (each hub its own API-server user, so the audit log tells their requests apart), the namespace
# from c.KubeSpawner.namespace given on each hub's command line; ports and the proxy API URL too.
c = get_config()

c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.db_url = 'sqlite:///jupyterhub.sqlite'
c.JupyterHub.authenticator_class = 'dummy'
c.Authenticator.allow_all = True

c.JupyterHub.spawner_class = 'kubespawner.KubeSpawner'
# The node agent runs images it knows; this one is its "stand-in" (an HTTP server answering 200).
c.KubeSpawner.image = 'bench/stand-in:1'
c.KubeSpawner.cmd = ['jupyterhub-singleuser']
c.KubeSpawner.start_timeout = 900
c.KubeSpawner.http_timeout = 300

# 1,000 servers start at once: no throttling by either hub; servers outlive a hub restart.
c.JupyterHub.concurrent_spawn_limit = 0
c.JupyterHub.active_server_limit = 0
c.JupyterHub.cleanup_servers = False

c.JupyterHub.services = [
    {'name': 'bench', 'api_token': 'bench-service-token-0123456789abcdef'},
]
c.JupyterHub.load_roles = [
    {
        'name': 'bench-admin',
        'description': 'what bench/kubernetes/run.mjs needs',
        'scopes': ['admin:users', 'admin:servers', 'list:users', 'read:users', 'servers', 'read:servers', 'proxy'],
        'services': ['bench'],
    },
]
