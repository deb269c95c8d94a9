"""KubeSpawner 7.1's pod and PVC manifests for given configs, without a cluster.

Reads a JSON list of cases from stdin:
  {"user": {"name", "id"}, "server": "", "prefix": "/user/x/", "api_url": "...",
   "token": "...", "config": {trait: value}, "user_options": {...}}
and prints a JSON list of {"pod": {...}, "pvc": {...}} in the API's camelCase, as KubeSpawner
would send them (get_pod_manifest() / get_pvc_manifest() after load_user_options()).
Used by test/kubernetes/parity.test.ts with .venv-kubespawner.
"""

import asyncio
import json
import os
import sys
import tempfile

KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
"""


class Obj:
    pass


async def build(case):
    from kubernetes_asyncio.client import ApiClient
    from kubespawner import KubeSpawner
    from jupyterhub.utils import url_escape_path
    from traitlets.config import Config

    cfg = Config()
    for k, v in case["config"].items():
        setattr(cfg.KubeSpawner, k, v)
    user = Obj()
    user.name = case["user"]["name"]
    user.id = case["user"]["id"]
    user.url = case["user_url"]
    user.escaped_name = url_escape_path(user.name)
    hub = Obj()
    hub.public_host = ""
    hub.url = case["hub_url"]
    hub.base_url = case["hub_url"]
    hub.api_url = case["api_url"]
    the_server = Obj()
    the_server.base_url = case["prefix"]

    class Spawner(KubeSpawner):
        # JupyterHub reads these from the database objects; this has none.
        name = case["server"]
        server = the_server

    spawner = Spawner(config=cfg, user=user, hub=hub)
    spawner.api_token = case["token"]
    spawner.oauth_client_id = case["client_id"]
    spawner.oauth_access_scopes = case["access_scopes"]
    spawner.oauth_client_allowed_scopes = []
    spawner.user_options = case.get("user_options") or {}
    await spawner.load_user_options()
    api = ApiClient()
    pod = api.sanitize_for_serialization(await spawner.get_pod_manifest())
    pvc = api.sanitize_for_serialization(spawner.get_pvc_manifest())
    await api.close()
    return {"pod": pod, "pvc": pvc}


async def main():
    cases = json.load(sys.stdin)
    out = [await build(c) for c in cases]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(KUBECONFIG)
    os.environ["KUBECONFIG"] = f.name
    os.environ.pop("KUBERNETES_SERVICE_HOST", None)
    try:
        asyncio.run(main())
    finally:
        os.unlink(f.name)
