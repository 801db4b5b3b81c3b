"""Benchmark the badge endpoints against a trivial endpoint, under the same gunicorn.

    .venv/bin/python bench/badge_bench.py [--duration 10] [--runs 3] [--connections 32]

Starts gunicorn on a free loopback port (2 workers, gthread) serving ``bench/wsgi_bench.py`` on a
temporary SQLite database seeded with a few agencies, then measures with ``wrk`` (falling back to
a threaded Python load generator when wrk is missing): warm SVG, warm PNG, 304 revalidation, and
the trivial route, interleaved, ``--runs`` times each; reports medians. The cold PNG render is
timed in-process on the pure renderer with its cache cleared before every render.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REAL_CASES = ("svg (warm)", "png (warm)", "304 revalidation")
TARGETS = {"svg_ratio": 0.70, "not_modified_ratio": 0.90, "cold_png_ms": 20.0, "p99_ms": 50.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database_url: str) -> None:
    """Create the schema and a few listed agencies (one per tier, one provider)."""
    from directory import create_app
    from directory.db import db
    from directory.models import Agency, Certification

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        tiers = ["gold", "platinum", "diamond", "elite", None]
        for n, tier in enumerate(tiers, start=1):
            agency = Agency(
                slug=f"agency-{n}",
                name=f"Bench Agency {n} & Partners",
                program="partner" if tier else "provider",
                tier=tier,
                rating_avg=4.0 + n / 10,
                review_count=10 * n,
                status="published",
            )
            agency.certifications.append(
                Certification(
                    certificate_id=f"B-{n}",
                    issued_on=dt.date(2024, 1, 1),
                    expires_on=dt.date.today() + dt.timedelta(days=365),
                    status="verified",
                )
            )
            db.session.add(agency)
        db.session.commit()
        db.engine.dispose()


def gunicorn_command(port: int, workers: int, worker_class: str, threads: int) -> list[str]:
    """The server under test; every endpoint is measured against this same process."""
    return [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "2048",
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
        "bench.wsgi_bench:app",
    ]


def wait_until_up(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(url: str, headers: dict, connections: int, duration: int, threads: int) -> dict:
    """One wrk run: requests/s and latency percentiles (ms)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }
    for pct in ("50", "99"):
        result[f"p{pct}"] = _ms(re.search(rf"^\s+{pct}%\s+(\S+)", output, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", output)
    result["errors"] = errors.group(0) if errors else ""
    return result


def run_python_load(url: str, headers: dict, connections: int, duration: int, _t: int) -> dict:
    """Fallback load generator: one keep-alive connection per thread."""
    host_port, path = url.split("//", 1)[1].split("/", 1)
    port = int(host_port.split(":")[1])
    latencies: list[float] = []
    lock, stop = threading.Lock(), time.monotonic() + duration

    def worker() -> None:
        conn, local = http.client.HTTPConnection("127.0.0.1", port, timeout=5), []
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", "/" + path, headers=headers)
            conn.getresponse().read()
            local.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(local)

    pool = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    latencies.sort()
    return {
        "rps": len(latencies) / duration,
        "requests": len(latencies),
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[int(len(latencies) * 0.99)],
        "errors": "",
    }


def server_cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by the gunicorn master and its workers."""
    pids = [master]
    for children in Path(f"/proc/{master}/task").glob("*/children"):
        pids += [int(pid) for pid in children.read_text().split()]
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def cold_png_ms(samples: int = 200) -> dict:
    """Median and p99 of the pure PNG render with the render cache cleared each time.

    Wall time is the target's measure; CPU time is reported beside it because it does not
    grow when other processes compete for the machine.
    """
    import badges

    badge = badges.Badge.of("Bench Agency 1 & Partners", 4.1, 10, "partner", "gold")
    started = time.perf_counter()
    badges.render_png(badge, badges.Options())
    first = (time.perf_counter() - started) * 1000  # includes loading the fonts
    wall, cpu = [], []
    for _ in range(samples):
        badges.clear_caches()
        started, started_cpu = time.perf_counter(), time.thread_time()
        badges.render_png(badge, badges.Options())
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    wall.sort()
    return {
        "median": statistics.median(wall),
        "p99": wall[int(samples * 0.99) - 1],
        "cpu_median": statistics.median(cpu),
        "first_in_process": first,
    }


def in_process_cpu(blocks: int = 15, per_block: int = 200) -> dict:
    """Server CPU per request with no HTTP and no load generator: the WSGI app called directly.

    Each case runs ``blocks`` interleaved blocks; the minimum block is kept, since competing
    processes can only add to it. A ratio trivial/case estimates the req/s ratio on an idle box.
    """
    from werkzeug.test import EnvironBuilder

    from bench.wsgi_bench import app

    def call(environ):
        body = app.wsgi_app(dict(environ), lambda status, headers, exc_info=None: None)
        for _ in body:
            pass
        getattr(body, "close", lambda: None)()

    def environ(path, headers=None):
        return EnvironBuilder(path=path, headers=headers or {}).get_environ()

    etags = {}
    for path in ("/badges/agency-1.svg", "/_bench/cached-facts/agency-1.svg"):
        with app.test_client() as client:
            etags[path] = client.get(path).headers["ETag"]
    cases = {
        "trivial": environ("/_bench/trivial"),
        "svg (warm)": environ("/badges/agency-1.svg"),
        "png (warm)": environ("/badges/agency-1.png"),
        "304 revalidation": environ(
            "/badges/agency-1.svg", {"If-None-Match": etags["/badges/agency-1.svg"]}
        ),
        "trivial (app)": environ("/_bench/trivial-app"),
        "304 w/o query": environ(
            "/_bench/cached-facts/agency-1.svg",
            {"If-None-Match": etags["/_bench/cached-facts/agency-1.svg"]},
        ),
    }
    best = {name: float("inf") for name in cases}
    for _ in range(blocks):
        for name, env in cases.items():
            for _ in range(20):
                call(env)
            started = time.thread_time()
            for _ in range(per_block):
                call(env)
            best[name] = min(best[name], (time.thread_time() - started) / per_block * 1e6)
    print(
        f"\nin-process server CPU per request (min of {blocks} interleaved blocks of {per_block}):"
    )
    for name, cpu in best.items():
        print(f"  {name:<18} {cpu:>7.0f} us   capacity vs trivial {best['trivial'] / cpu:>4.0%}")
    return best


def machine_info() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    wrk = shutil.which("wrk")
    return {
        "cpu": cpu,
        "loadavg": os.getloadavg(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0]
        if wrk
        else "missing (Python load generator)",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()

    print("command:", " ".join([sys.executable, *sys.argv]))
    print("machine:", json.dumps(machine_info()))
    print("cold PNG render (in process):", json.dumps(cold_png := cold_png_ms()))

    tmp = Path(tempfile.mkdtemp(prefix="badge-bench-"))
    database_url = f"sqlite:///{tmp / 'bench.db'}"
    # Before anything imports directory.config, which reads the environment at import time.
    settings = {
        "DATABASE_URL": database_url,
        "APP_ENV": "development",
        "SECRET_KEY": "bench-only",
        "LOG_LEVEL": "WARNING",
        "INSTANCE_PATH": str(tmp),
    }
    os.environ.update(settings)
    seed(database_url)
    if not args.skip_in_process:
        in_process_cpu()
    port = free_port()
    command = gunicorn_command(port, args.workers, args.worker_class, args.threads)
    env = {**os.environ, **settings}
    print("server:", " ".join(command))
    server = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        wait_until_up(port)
        return measure(port, server.pid, args, cold_png)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


def measure(port: int, master: int, args, cold_png: dict) -> int:
    base = f"http://127.0.0.1:{port}"
    status, headers, _ = get(port, "/badges/agency-1.svg")
    assert status == 200, status
    cached = get(port, "/_bench/cached-facts/agency-1.svg")[1]["ETag"]
    cases = {
        "trivial": ("/_bench/trivial", {}),
        "svg (warm)": ("/badges/agency-1.svg", {}),
        "png (warm)": ("/badges/agency-1.png", {}),
        "304 revalidation": ("/badges/agency-1.svg", {"If-None-Match": headers["ETag"]}),
        "trivial (app)": ("/_bench/trivial-app", {}),
        "304 w/o query": ("/_bench/cached-facts/agency-1.svg", {"If-None-Match": cached}),
    }
    for path, extra in cases.values():  # warm every worker's render cache
        for _ in range(20):
            get(port, path, extra)
    load = run_wrk if shutil.which("wrk") else run_python_load
    example = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        base + "/badges/agency-1.svg",
    ]
    print("load:", " ".join(example), "(and likewise for each case)")
    results: dict[str, list[dict]] = {name: [] for name in cases}
    for run in range(args.runs):
        for name, (path, extra) in cases.items():
            cpu_before = server_cpu_seconds(master)
            outcome = load(base + path, extra, args.connections, args.duration, args.wrk_threads)
            cpu = server_cpu_seconds(master) - cpu_before
            outcome["cpu_us"] = cpu / max(outcome["requests"], 1) * 1e6
            results[name].append(outcome)
            print(
                f"  run {run + 1} {name:<18} {outcome['rps']:>9.0f} req/s  "
                f"p50 {outcome['p50']:.2f} ms  p99 {outcome['p99']:.2f} ms  "
                f"server CPU {outcome['cpu_us']:.0f} us/req {outcome['errors']}"
            )
    return report(results, cold_png, args.connections)


def report(results: dict[str, list[dict]], cold_png: dict, connections: int) -> int:
    medians = {
        name: {
            key: statistics.median(run[key] for run in runs)
            for key in ("rps", "p50", "p99", "cpu_us")
        }
        for name, runs in results.items()
    }
    trivial = medians["trivial"]["rps"]
    print(f"\nmedians of {len(results['trivial'])} runs at {connections} connections:")
    # Server CPU per request is the capacity measure that survives a busy shared machine.
    trivial_cpu = medians["trivial"]["cpu_us"]
    print(
        f"  {'case':<18} {'req/s':>9} {'vs trivial':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU us/req':>10} {'capacity vs trivial':>20}"
    )
    for name, m in medians.items():
        print(
            f"  {name:<18} {m['rps']:>9.0f} {m['rps'] / trivial:>9.0%} "
            f"{m['p50']:>8.2f} {m['p99']:>8.2f} {m['cpu_us']:>10.0f} "
            f"{trivial_cpu / m['cpu_us']:>19.0%}"
        )
    print(
        f"  cold PNG render: median {cold_png['median']:.2f} ms, p99 {cold_png['p99']:.2f} ms, "
        f"CPU median {cold_png['cpu_median']:.2f} ms "
        f"(first render in a process, fonts included: {cold_png['first_in_process']:.1f} ms)"
    )
    checks = {
        "warm SVG >= 70% of trivial": medians["svg (warm)"]["rps"] / trivial
        >= TARGETS["svg_ratio"],
        "304 >= 90% of trivial": medians["304 revalidation"]["rps"] / trivial
        >= TARGETS["not_modified_ratio"],
        "cold PNG <= 20 ms": cold_png["median"] <= TARGETS["cold_png_ms"],
        "p99 <= 50 ms (badge routes)": all(
            medians[name]["p99"] <= TARGETS["p99_ms"] for name in REAL_CASES
        ),
    }
    print("load average at the end:", os.getloadavg(), "(other work on this machine skews results)")
    print("\ntargets:")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
