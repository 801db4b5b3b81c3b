"""The reference deployment (deploy/stack.py) driven for real: nginx, two web nodes, a worker,
PostgreSQL, Redis and Meilisearch on loopback.

Marker ``stack``: skipped with a reason when nginx, redis-server, PostgreSQL or a Meilisearch
binary is missing; ``.ci/run`` installs them all, so CI runs these.
"""

from __future__ import annotations

import glob
import re
import shutil
import signal
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from ..support.web import CSRF_FIELD

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "tools"))

pytestmark = pytest.mark.stack

CACHE_SECONDS = 4  # the promised lifetime, short here so the test is quick
ADMIN = "stack-admin@example.com"
PASSWORD = "a long stack test passphrase 42"


def _missing() -> str | None:
    from with_meilisearch import find_binary

    if find_binary() is None:
        return "no Meilisearch binary (MEILI_BIN or meilisearch on PATH)"
    for tool in ("nginx", "redis-server", "redis-cli"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is not installed"
    if not glob.glob("/usr/lib/postgresql/*/bin/postgres"):
        return "PostgreSQL is not installed"
    return None


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The whole stack, started once for this module."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from stack import Stack
    from with_meilisearch import free_port

    running = Stack(tmp_path_factory.mktemp("stack"), port=free_port(), agencies=120)
    running.env.update(PUBLIC_CACHE_SECONDS=str(CACHE_SECONDS), PUBLIC_CACHE_STALE_SECONDS="2")
    running.start()
    try:
        running.flask("create-admin", ADMIN, input=f"{PASSWORD}\n{PASSWORD}\n")
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, url
    return CSRF_FIELD.search(page.text).group(1)


def _sign_in(base: str) -> requests.Session:
    session = requests.Session()
    token = _token(session, f"{base}/en/account/login")
    answer = session.post(
        f"{base}/en/account/login",
        data={"csrf_token": token, "email": ADMIN, "password": PASSWORD},
        timeout=10,
    )
    assert answer.status_code == 200 and "/account/login" not in answer.url, answer.url
    return session


def _an_agency(stack) -> str:
    page = requests.get(f"{stack.url}/en/search?sort=name", timeout=10)
    return re.search(r'href="/en/agencies/([a-z0-9-]+)"', page.text).group(1)


def test_anonymous_pages_come_from_the_cache_and_an_edit_on_node_a_shows_in_time(stack):
    slug = _an_agency(stack)
    profile = f"{stack.url}/en/agencies/{slug}"
    requests.get(profile, timeout=10)
    cached = requests.get(profile, timeout=10)
    assert cached.headers["X-Cache-Status"] == "HIT"
    assert "Set-Cookie" not in cached.headers

    admin = _sign_in(stack.node_url("web1"))  # node A, not through nginx
    edit = f"{stack.node_url('web1')}/en/admin/agencies/{slug}"
    token = _token(admin, edit)
    changed = admin.post(
        f"{edit}/program",
        data={"csrf_token": token, "program": "partner", "tier": "elite"},
        timeout=10,
    )
    assert changed.status_code == 200, changed.status_code
    edited_at = time.monotonic()

    while "Elite" not in requests.get(profile, timeout=10).text:
        assert time.monotonic() - edited_at <= CACHE_SECONDS + 3, "the edit never showed"
        time.sleep(0.25)


def test_killing_a_web_node_under_load_loses_no_request(stack):
    failures: list[int] = []
    lock = threading.Lock()

    def fetch(i: int) -> None:
        # Unique queries: every request reaches a node (no cached copy).
        url = f"{stack.url}/en/search?q=agency+{uuid.uuid4().hex[:6]}&n={i}"
        try:
            status = requests.get(url, timeout=30).status_code
        except requests.RequestException:
            status = -1
        if status != 200:
            with lock:
                failures.append(status)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(fetch, i) for i in range(240)]
        time.sleep(1.0)
        stack.kill("web1", signal.SIGKILL)
        for future in futures:
            future.result()
    stack.start_web("web1")
    # nginx retried the idempotent GETs on the other node: at most those in flight are lost.
    assert len(failures) <= 8, failures
    assert failures == [], f"{len(failures)} lost (in flight at the kill): {failures}"


def test_killing_the_worker_loses_no_search_update(stack):
    slug = _an_agency(stack)
    admin = _sign_in(stack.url)
    stack.kill("worker", signal.SIGKILL)
    edit = f"{stack.url}/en/admin/agencies/{slug}"
    token = _token(admin, edit)
    # With Meilisearch frozen the request cannot push: the change waits in the outbox.
    stack.kill("meilisearch", signal.SIGSTOP)
    try:
        changed = admin.post(
            f"{edit}/program",
            data={"csrf_token": token, "program": "partner", "tier": "gold"},
            timeout=30,
        )
        assert changed.status_code == 200
    finally:
        stack.kill("meilisearch", signal.SIGCONT)
    stack.start_worker()
    deadline = time.monotonic() + 60
    while True:
        check = stack.flask("search-check", "--dry-run", check=False)
        if check.returncode == 0:
            break
        assert time.monotonic() < deadline, check.stdout + check.stderr
        time.sleep(1)


def test_a_rate_limit_counts_across_both_nodes(stack):
    # Runs last: it spends this client's allowance. Password resets: 10 per hour per client
    # in all, not 10 per gunicorn process (2 nodes x 2 workers here would allow 40).
    session = requests.Session()
    statuses = []
    token = _token(session, f"{stack.url}/en/account/forgot")  # one token: POSTs alternate nodes
    for i in range(12):
        answer = session.post(
            f"{stack.url}/en/account/forgot",
            data={"csrf_token": token, "email": f"someone{i}@example.com"},
            timeout=30,
        )
        statuses.append(answer.status_code)
    upstreams = re.findall(
        r"POST /en/account/forgot .* upstream=(\S+)",
        (stack.workdir / "nginx" / "nginx-access.log").read_text(),
    )
    assert len(set(upstreams)) == 2  # both nodes answered some of them
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429], statuses


def test_sign_in_backoff_counts_across_both_nodes(stack):
    # One account from one client: 5 free failures in all, whichever node answers each.
    session = requests.Session()
    token = _token(session, f"{stack.url}/en/account/login")
    statuses = [
        session.post(
            f"{stack.url}/en/account/login",
            data={"csrf_token": token, "email": "victim@example.com", "password": "not it"},
            timeout=30,
        ).status_code
        for _ in range(6)
    ]
    upstreams = re.findall(
        r"POST /en/account/login .* upstream=(\S+)",
        (stack.workdir / "nginx" / "nginx-access.log").read_text(),
    )
    assert len(set(upstreams[-6:])) == 2
    assert statuses == [401] * 5 + [429], statuses
