"""Meilisearch helpers of ``bench/search_bench.py --backend meili``.

- ``throwaway_server``: when ``MEILI_URL`` is not set, start the given server binary
  (``--meili-bin``, else ``MEILI_BIN``, else ``../shared/bin/meilisearch``) on loopback with a
  temporary data folder and a random master key, and make a key scoped to the bench's indexes
  (the app never uses the master key, here neither).
- ``load_reference``: the reindex's reference, Meilisearch alone loading the same documents
  (already serialized, from a file) into a new index with the same settings, in the same
  batches: what the engine needs to index them with no database or application in front.
- ``reference_bodies`` and ``LUA``: the same query mix sent straight to Meilisearch with
  ``wrk`` (same connections and threads as the API run), each API call as ONE search asking
  every facet: what the engine can answer for a search page with no application in front.
  The API's throughput is reported as a ratio of it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_ACTIONS = ["search", "documents.*", "indexes.*", "settings.*", "tasks.*"]


def _tools():
    """``tools/with_meilisearch.py`` (not a package): its binary lookup and health wait."""
    path = ROOT / "tools" / "with_meilisearch.py"
    spec = importlib.util.spec_from_file_location("with_meilisearch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def find_binary(explicit: str | None) -> str | None:
    """``--meili-bin``, else what the live tests would start (MEILI_BIN, ../shared/bin, PATH)."""
    return explicit or _tools().find_binary()


@contextlib.contextmanager
def throwaway_server(binary: str, index_uid: str) -> Iterator[tuple[str, str]]:
    """(url, scoped key) of a new server, stopped and deleted on exit."""
    tools = _tools()
    workdir = Path(tempfile.mkdtemp(prefix="meili-bench-"))
    url = f"http://127.0.0.1:{tools.free_port()}"
    master = secrets.token_hex(24)
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [binary, "--db-path", str(workdir / "data"), "--http-addr", url.removeprefix("http://"),
         "--master-key", master, "--no-analytics", "--env", "development"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        tools.wait_healthy(url, server)
        body = {
            "name": "search bench",
            "actions": KEY_ACTIONS,
            "indexes": [index_uid, f"{index_uid}_tmp", f"{index_uid}_reference"],
            "expiresAt": None,
        }
        key = tools._call(f"{url}/keys", master, "POST", body)["key"]
        version = tools._call(f"{url}/version", master)["pkgVersion"]
        print(f"meilisearch {version}: started {binary} at {url} (pid {server.pid}, temp data)")
        yield url, key
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def reference_bodies(app, mix: list[dict], index_uid: str) -> list[str]:
    """For each API call of the mix, the one search (every facet) Meilisearch is asked directly.

    The query is parsed exactly as ``GET /api/v1/search`` parses it (a service named in the
    text becomes a filter, sorts default the same way), then sent as the adapter's main query
    with every facet group and the rating values counted.
    """
    from urllib.parse import urlencode

    from werkzeug.datastructures import MultiDict

    from directory.search.meili.filters import FACET_ATTRIBUTES, RATING_ATTRIBUTE
    from directory.search.meili.query import ALL, build_queries
    from directory.search.params import parse_search_args

    bodies = []
    for args in mix:
        with app.test_request_context(f"/api/v1/search?{urlencode(args)}"):
            query = parse_search_args(
                MultiDict({k: str(v) for k, v in args.items()}), strict=True
            ).query
        main = build_queries(index_uid, query, ALL)[0][0]
        main.pop("indexUid")
        main["facets"] = [FACET_ATTRIBUTES[f] for f in query.facets] + [RATING_ATTRIBUTE]
        bodies.append(json.dumps(main, ensure_ascii=False))
    return bodies


def load_reference(url: str, key: str, index_uid: str, ndjson: Path, batch: int) -> float:
    """Seconds Meilisearch takes to index ``ndjson`` into ``<index_uid>_reference`` (created
    with the app's settings, batches of ``batch`` posted at once, until the last succeeds)."""
    import time

    import requests

    from directory.search.meili.settings import index_settings

    uid, session = f"{index_uid}_reference", requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"

    def wait(task: dict) -> None:
        while True:
            state = session.get(f"{url}/tasks/{task['taskUid']}").json()
            if state["status"] in ("succeeded", "failed", "canceled"):
                if state["status"] != "succeeded" and state.get("error", {}).get("code") not in (
                    "index_not_found",
                    "index_already_exists",
                ):
                    raise RuntimeError(f"reference load: {state}")
                return
            time.sleep(0.05)

    wait(session.delete(f"{url}/indexes/{uid}").json())
    wait(session.post(f"{url}/indexes", json={"uid": uid, "primaryKey": "id"}).json())
    wait(session.patch(f"{url}/indexes/{uid}/settings", json=index_settings()).json())
    lines = ndjson.read_text(encoding="utf-8").splitlines()
    headers = {"Content-Type": "application/x-ndjson"}
    started = time.perf_counter()
    tasks = [
        session.post(
            f"{url}/indexes/{uid}/documents",
            data="\n".join(lines[i : i + batch]).encode(),
            headers=headers,
        ).json()
        for i in range(0, len(lines), batch)
    ]
    for task in tasks:
        wait(task)
    seconds = time.perf_counter() - started
    wait(session.delete(f"{url}/indexes/{uid}").json())
    return seconds


LUA = """
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local path = os.getenv("BENCH_PATH")
local headers = {["Content-Type"] = "application/json",
                 ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")}
local i = math.random(#bodies)
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", path, headers, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("P95_MS %.2f\\n", latency:percentile(95) / 1000))
end
"""
