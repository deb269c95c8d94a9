"""JupyterHub half of the benchmark's test spawner (tinyspawner.mjs is the labhub half).

start() asks the farm (bench/hub/farm.mjs, at $BENCH_FARM_URL) to open a tiny HTTP server and
returns its URL at once; stop() closes it; poll() asks whether it is still open. The state kept
in the database is {"port": N}, so a restarted hub reattaches. Loaded as
``c.JupyterHub.spawner_class = 'tinyspawner.TinySpawner'`` with bench/hub on PYTHONPATH.
"""
import json
import os

from jupyterhub.spawner import Spawner
from tornado.httpclient import AsyncHTTPClient


def _farm():
    url = os.environ.get("BENCH_FARM_URL")
    if not url:
        raise RuntimeError("BENCH_FARM_URL is not set: the tiny spawner needs the farm (bench/hub/farm.mjs)")
    return url.rstrip("/")


async def _call(method, path):
    resp = await AsyncHTTPClient().fetch(_farm() + path, method=method, body=b"" if method == "POST" else None)
    return json.loads(resp.body)


class TinySpawner(Spawner):
    port = None

    def load_state(self, state):
        super().load_state(state)
        self.port = state.get("port")

    def get_state(self):
        state = super().get_state()
        if self.port is not None:
            state["port"] = self.port
        return state

    def clear_state(self):
        super().clear_state()
        self.port = None

    async def start(self):
        self.port = (await _call("POST", "/start"))["port"]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self, now=False):
        if self.port is not None:
            await _call("POST", f"/stop?port={self.port}")
        self.port = None

    async def poll(self):
        if self.port is None:
            return 0
        running = (await _call("GET", f"/poll?port={self.port}"))["running"]
        return None if running else 0
