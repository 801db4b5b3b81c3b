"""Benchmark ``flask --app app import-agencies`` on generated contract lines.

Generates N lines with the demo generator (directory/services/demo/seed.py), then runs the real
command in a child process against a fresh temporary SQLite database, and reports agencies per
second and the child's peak memory. A naive reference (reading and ``json.loads`` of every
line, in this process) is timed in the same run, so figures compare across machines: the ratio
import/reference matters more than the absolute rate on a busy or slow box.

    .venv/bin/python bench/import_bench.py                      # 3 runs of 20,000 + 1 of 100,000
    .venv/bin/python bench/import_bench.py --small 5000 --full 0 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(path: Path, count: int, seed: int) -> None:
    """Write ``count`` contract lines made by the demo generator."""
    from directory import create_app
    from directory.services.demo.seed import generate_agencies

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context(), path.open("w", encoding="utf-8") as out:
        for record in generate_agencies(count, seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def create_schema(url: str) -> None:
    """An empty database with the models' schema (what migrations will produce)."""
    from directory import create_app
    from directory.db import db

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def run_measured(path: Path, url: str) -> dict:
    """Like run_command, but with the child's own peak RSS from wait4."""
    command = [sys.executable, "-m", "flask", "--app", "app", "import-agencies", str(path)]
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        errors = err.read()
    return {
        "seconds": elapsed,
        "status": child.returncode,
        # Kilobytes on Linux: the largest of the command and the worker processes it waited
        # for (each one's peak, not their sum; forked workers share most pages with it).
        "peak_mb": usage.ru_maxrss / 1024,
        # CPU time is far less sensitive than wall time to other work on a busy machine;
        # it includes the worker processes that check lines.
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "summary": lines[-1] if lines else errors[-300:],
        "errors": errors.count("\n"),
    }


def naive_reference(path: Path) -> float:
    """Lines per second for reading the file and ``json.loads`` of each line."""
    started = time.perf_counter()
    count = 0
    with path.open("rb") as f:
        for line in f:
            json.loads(line)
            count += 1
    return count / (time.perf_counter() - started)


def import_runs(path: Path, count: int, runs: int, workdir: Path) -> dict:
    """Median over ``runs`` fresh-database imports, then a re-import of the same file."""
    created, unchanged, peaks, cpu = [], [], [], []
    for n in range(runs):
        url = f"sqlite:///{workdir / f'bench-{count}-{n}.db'}"
        create_schema(url)
        first = run_measured(path, url)
        assert first["status"] == 0, first
        again = run_measured(path, url)
        assert again["status"] == 0 and f"unchanged {count}" in again["summary"], again
        created.append(first["seconds"])
        unchanged.append(again["seconds"])
        peaks.append(max(first["peak_mb"], again["peak_mb"]))
        cpu.append(first["cpu_s"])
        print(f"  run {n + 1}: {first['summary']} in {first['seconds']:.1f} s "
              f"({count / first['seconds']:,.0f}/s, {first['cpu_s']:.1f} s CPU, "
              f"peak {first['peak_mb']:.0f} MB); "
              f"again: {again['summary']} in {again['seconds']:.1f} s")  # fmt: skip
        Path(url.removeprefix("sqlite:///")).unlink()
    return {
        "count": count,
        "runs": runs,
        "create_s": statistics.median(created),
        "create_per_s": count / statistics.median(created),
        "unchanged_s": statistics.median(unchanged),
        "unchanged_per_s": count / statistics.median(unchanged),
        "peak_mb": max(peaks),
        "create_cpu_s": statistics.median(cpu),
        "create_per_cpu_s": count / statistics.median(cpu),
    }


def startup_seconds(workdir: Path) -> float:
    """Time of the command on an empty file: interpreter, app and imports."""
    empty = workdir / "empty.jsonl"
    empty.write_text("")
    url = f"sqlite:///{workdir / 'empty.db'}"
    create_schema(url)
    return statistics.median(run_measured(empty, url)["seconds"] for _ in range(3))


def _workers() -> int:
    from directory.services.imports.pipeline import default_workers

    return default_workers()


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "import_worker_processes": _workers(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20_000, help="lines per repeated run")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs of --small")
    parser.add_argument("--full", type=int, default=100_000, help="lines of the single big run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    print("command line:", " ".join([Path(sys.executable).name, *sys.argv]))
    info = {"machine": machine(), "args": vars(args) | {"json": str(args.json)}}
    print("machine:", json.dumps(info["machine"]))
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        workdir = Path(tmp)
        info["startup_s"] = startup_seconds(workdir)
        print(f"command startup (empty file): {info['startup_s']:.2f} s")
        for label, count, runs in (("small", args.small, args.runs), ("full", args.full, 1)):
            if count <= 0 or runs <= 0:
                continue
            path = workdir / f"agencies-{count}.jsonl"
            started = time.perf_counter()
            generate(path, count, args.seed)
            size_mb = path.stat().st_size / 1e6
            print(f"{label}: {count:,} lines, {size_mb:.0f} MB, generated in "
                  f"{time.perf_counter() - started:.0f} s")  # fmt: skip
            reference = statistics.median(naive_reference(path) for _ in range(3))
            result = import_runs(path, count, runs, workdir)
            result["reference_lines_per_s"] = reference
            result["file_mb"] = size_mb
            result["create_per_s_after_startup"] = count / max(
                result["create_s"] - info["startup_s"], 1e-9
            )
            info[label] = result
            print(f"{label}: import {result['create_per_s']:,.0f} agencies/s "
                  f"(median of {runs}), re-import unchanged {result['unchanged_per_s']:,.0f}/s, "
                  f"peak {result['peak_mb']:.0f} MB; naive json.loads reference "
                  f"{reference:,.0f} lines/s (import = {result['create_per_s'] / reference:.1%} "
                  f"of it); without the command's startup "
                  f"{result['create_per_s_after_startup']:,.0f} agencies/s; "
                  f"{result['create_per_cpu_s']:,.0f} agencies per CPU-second "
                  f"({result['create_cpu_s']:.1f} CPU-s, command and its workers, "
                  f"startup included)")  # fmt: skip
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print("load average at end:", info["load_average_at_end"])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
