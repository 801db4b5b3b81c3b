"""The reference production shape on one machine, on loopback: one command starts it all.

    .venv/bin/python deploy/stack.py [--dir instance/stack] [--port 8080] [--agencies 300]

nginx (cache for anonymous pages and badges, static files) in front of two gunicorn web
nodes, one worker (search sync and the daily jobs), PostgreSQL, Redis (rate limits shared by
every node) and Meilisearch. Ctrl-C (or SIGTERM) stops every process cleanly. Needs Debian's
``postgresql``, ``redis-server`` and ``nginx``, and a Meilisearch binary (``MEILI_BIN``, or
``meilisearch`` on PATH). ``make stack`` runs it; the stack tests drive it through ``Stack``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from with_meilisearch import find_binary, free_port, scoped_key, wait_healthy  # noqa: E402

VENV_BIN = Path(sys.executable).parent


class NginxTemplate(Template):
    """``@{name}`` placeholders: nginx's own ``$variables`` stay as they are."""

    delimiter = "@"


MEILI_ACTIONS = ["search", "documents.*", "indexes.*", "settings.*", "tasks.*"]


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"stack: PostgreSQL's {name} not found (apt-get install postgresql)")
    return path


def _wait_http(url: str, seconds: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"stack: {url} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers: up
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"stack: {url} did not answer within {seconds:.0f} s")


@dataclass
class Stack:
    """Every process of the stack, started in order and stopped in reverse."""

    workdir: Path
    port: int = 8080
    agencies: int = 300
    web_workers: int = 2
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    pg_home: Path | None = None

    @property
    def url(self) -> str:
        """Where nginx answers."""
        return f"http://127.0.0.1:{self.port}"

    def node_url(self, name: str) -> str:
        """Where one web node answers directly (``web1`` or ``web2``)."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def log(self, name: str) -> Path:
        """The output file of process ``name``."""
        return self.workdir / "logs" / f"{name}.log"

    # -- start -------------------------------------------------------------------------------

    def start(self) -> Stack:
        """Start everything; on any failure stop what was started and raise."""
        for sub in ("logs", "nginx/tmp", "nginx/cache"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        try:
            self._start_postgres()
            self._start_redis()
            self._start_meilisearch()
            self._configure()
            self._release()
            for name in ("web1", "web2"):
                self.start_web(name)
            self.start_worker()
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, name: str, command: list[str], **kwargs) -> subprocess.Popen:
        out = self.log(name).open("ab")
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )
        out.close()
        self.processes[name] = process
        return process

    def _postgres_dir(self) -> Path:
        """Where PostgreSQL keeps its data: under the stack's folder, or, as root, in a folder
        of the ``postgres`` user (the server runs as that user and must reach it)."""
        if os.geteuid() != 0:
            return self.workdir / "postgres"
        if self.pg_home is None:
            self.pg_home = Path(tempfile.mkdtemp(prefix="directory-stack-pg-"))
            pg = pwd.getpwnam("postgres")
            os.chown(self.pg_home, pg.pw_uid, pg.pw_gid)
        return self.pg_home

    def _start_postgres(self) -> None:
        home = self._postgres_dir()
        data, sockets = home / "data", home / "sock"
        if not sockets.exists():
            subprocess.run(_as_postgres(["mkdir", "-p", str(sockets)]), check=True)
        if not data.exists():
            subprocess.run(
                _as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--no-sync"]),
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        port = self.ports["postgres"] = free_port()
        self._spawn("postgres", _as_postgres(
            [_pg_bin("postgres"), "-D", str(data), "-k", str(sockets), "-p", str(port),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        ))  # fmt: skip
        for _ in range(100):
            ready = subprocess.run(
                [_pg_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)], check=False
            )
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        subprocess.run(
            _as_postgres([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port),
                          "-U", "postgres", "directory"]),
            check=False, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def _start_redis(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise SystemExit("stack: redis-server not found (apt-get install redis-server)")
        port = self.ports["redis"] = free_port()
        self._spawn("redis", [
            server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(self.workdir),
        ])  # fmt: skip
        for _ in range(100):
            ping = subprocess.run(
                ["redis-cli", "-p", str(port), "ping"], capture_output=True, check=False
            )
            if ping.stdout.strip() == b"PONG":
                return
            time.sleep(0.1)
        raise SystemExit("stack: redis did not start")

    def _start_meilisearch(self) -> None:
        binary = find_binary()
        if binary is None:
            raise SystemExit("stack: no Meilisearch binary (MEILI_BIN or meilisearch on PATH)")
        port = self.ports["meilisearch"] = free_port()
        url = f"http://127.0.0.1:{port}"
        master = secrets.token_hex(24)
        process = self._spawn("meilisearch", [
            binary, "--db-path", str(self.workdir / "meili"), "--http-addr", f"127.0.0.1:{port}",
            "--master-key", master, "--no-analytics", "--env", "production",
        ])  # fmt: skip
        wait_healthy(url, process)
        self.env["MEILI_URL"] = url
        self.env["MEILI_API_KEY"] = scoped_key(
            url, master, indexes=["agencies", "agencies_tmp"], actions=MEILI_ACTIONS
        )

    def _configure(self) -> None:
        self.ports["web1"], self.ports["web2"] = free_port(), free_port()
        secret = self.workdir / "secret_key"
        if not secret.exists():
            secret.write_text(secrets.token_hex(32))
            secret.chmod(0o600)
        self.env.update(
            APP_ENV="production",
            SECRET_KEY=secret.read_text(),
            DATABASE_URL=f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/directory",
            REDIS_URL=f"redis://127.0.0.1:{self.ports['redis']}/0",
            PUBLIC_URL=self.url,
            PROXY_COUNT="1",
            SESSION_COOKIE_SECURE="false",  # plain HTTP on loopback; true behind TLS
            MAIL_BACKEND="file",
            MAIL_OUTBOX_DIR=str(self.workdir / "outbox"),
            INSTANCE_PATH=str(self.workdir / "instance"),
            LOG_FORMAT="json",
        )

    def process_env(self) -> dict[str, str]:
        """The environment every app process of the stack runs with."""
        return {**os.environ, **self.env}

    def flask(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess:
        """Run ``flask --app app ARGS`` against the stack (as the release step does)."""
        return subprocess.run(
            [str(VENV_BIN / "flask"), "--app", "app", *args], input=input,
            cwd=ROOT, env=self.process_env(), check=check, capture_output=True, text=True,
        )  # fmt: skip

    def _release(self) -> None:
        self.flask("db", "upgrade")
        self.flask("search-setup")
        self.flask("seed-demo", "--if-empty", "--count", str(self.agencies))
        self.flask("reindex", "--if-empty")

    def start_web(self, name: str) -> None:
        """Start (or restart) web node ``name`` and wait until it answers."""
        port = self.ports[name]
        process = self._spawn(name, [
            str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
            "--workers", str(self.web_workers), "--threads", "4", "--graceful-timeout", "5",
            "app:app",
        ], cwd=ROOT, env=self.process_env())  # fmt: skip
        _wait_http(f"http://127.0.0.1:{port}/healthz", 60, process)

    def start_worker(self) -> None:
        """Start (or restart) the search sync worker with the daily jobs."""
        self._spawn("worker", [
            str(VENV_BIN / "flask"), "--app", "app", "search-sync", "--follow", "--daily",
        ], cwd=ROOT, env=self.process_env())  # fmt: skip

    def _start_nginx(self) -> None:
        state = self.workdir / "nginx"
        template = NginxTemplate((ROOT / "deploy" / "nginx.conf.template").read_text())
        conf = state / "nginx.conf"
        conf.write_text(
            template.substitute(
                user_line="user root;" if os.geteuid() == 0 else "",
                state=state, root=ROOT, listen=f"127.0.0.1:{self.port}",
                web1=f"127.0.0.1:{self.ports['web1']}", web2=f"127.0.0.1:{self.ports['web2']}",
            )
        )  # fmt: skip
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        process = self._spawn(
            "nginx", [nginx, "-p", str(state), "-c", str(conf), "-g", "daemon off;"]
        )
        _wait_http(f"{self.url}/healthz", 30, process)

    # -- stop --------------------------------------------------------------------------------

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to process ``name`` and its whole group (gunicorn's workers too)."""
        process = self.processes[name]
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        if sig in (signal.SIGKILL, signal.SIGTERM):
            process.wait(timeout=30)

    def stop(self) -> None:
        """Stop every process, newest first: TERM, then KILL after a grace period."""
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)
                except ProcessLookupError:
                    pass
        self.processes.clear()
        if self.pg_home is not None:
            shutil.rmtree(self.pg_home, ignore_errors=True)
            self.pg_home = None


def _stop_once(*_) -> None:
    """First SIGTERM: unwind into ``stack.stop()``; later ones must not interrupt it."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(0)


def main() -> None:
    """Start the stack and keep it up until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default=str(ROOT / "instance" / "stack"))
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--agencies", type=int, default=300)
    options = parser.parse_args()
    stack = Stack(Path(options.dir).resolve(), options.port, options.agencies)
    signal.signal(signal.SIGTERM, _stop_once)
    stack.start()
    print(json.dumps({"url": stack.url, "ports": stack.ports}), flush=True)
    print(f"stack: {stack.url} (nginx → web1, web2); logs in {stack.workdir}/logs; Ctrl-C stops")
    try:
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        down = [n for n, p in stack.processes.items() if p.poll() is not None]
        print(f"stack: {', '.join(down)} stopped; stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
