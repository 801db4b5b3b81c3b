"""Throughput through the reference stack (deploy/stack.py): nginx in front of two web nodes.

    .venv/bin/python bench/stack_bench.py [--agencies 300] [--seconds 8] [--runs 3]

Starts the stack on loopback (needs nginx, redis-server, PostgreSQL and a Meilisearch binary,
e.g. MEILI_BIN=../shared/bin/meilisearch), warms the cache, then drives it with wrk (2 threads,
16 connections) for each case, ``--runs`` times in alternation:

- reference: nginx serving a static file (``/static/css/site.css``);
- cached anonymous profile pages (a few hundred, warmed: nginx answers from its cache);
- cached badges (SVG);
- uncached search (a unique query per request: every one reaches a web node and Meilisearch).

Prints req/s and p50/p99 (medians over the runs), each rate as a ratio of the static-file
reference measured in the same run, and the cache hit ratio read from nginx's access log.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "tools"))

from stack import Stack  # noqa: E402
from with_meilisearch import free_port  # noqa: E402

LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
local unique = os.getenv("BENCH_UNIQUE") == "1"
request = function()
  i = i % #paths + 1
  local path = paths[i]
  if unique then path = path .. "&u=" .. math.random(1, 1000000000) end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  io.write(string.format("LAT %.2f %.2f\\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000))
  io.write(string.format("ERRORS %d %d\\n", summary.errors.status, summary.errors.connect
                         + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def wrk(base: str, paths: list[str], seconds: int, work: Path, unique: bool = False) -> dict:
    """One wrk run cycling ``paths``: req/s, p50 and p99 in ms, error counts."""
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = work / "bench.lua"
    script.write_text(LUA)
    env = dict(os.environ, BENCH_PATHS=str(listing), BENCH_UNIQUE="1" if unique else "0")
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", str(script), base],
        capture_output=True, text=True, env=env, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    lat = re.search(r"LAT ([\d.]+) ([\d.]+)", out)
    errors = re.search(r"ERRORS (\d+) (\d+)", out)
    if lat is None:
        raise RuntimeError(f"wrk's Lua script did not run:\n{out}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": float(lat.group(1)),
        "p99": float(lat.group(2)),
        "errors": int(errors.group(1)) + int(errors.group(2)),
    }


def hit_ratio(log: Path, start: int, pattern: str) -> float:
    """Share of the requests logged after byte ``start`` matching ``pattern`` that were HITs."""
    with log.open("rb") as handle:
        handle.seek(start)
        lines = [line for line in handle.read().decode().splitlines() if pattern in line]
    if not lines:
        return 0.0
    return sum("cache=HIT" in line for line in lines) / len(lines)


def main() -> None:
    """Start the stack, run every case ``--runs`` times, print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stack-bench-"))
    stack = Stack(work / "stack", port=free_port(), agencies=options.agencies)
    stack.start()
    try:
        page = urllib.request.urlopen(f"{stack.url}/sitemap-1.xml", timeout=30).read().decode()
        profiles = sorted(set(re.findall(r"(/en/agencies/[a-z0-9-]+)</loc>", page)))[:300]
        badges = [p.replace("/en/agencies/", "/badges/") + ".svg" for p in profiles]
        for path in profiles + badges:  # warm nginx's cache
            urllib.request.urlopen(f"{stack.url}{path}", timeout=30).read()
        # Free text (a word naming a service exactly redirects to its landing page).
        words = ["marketing", "design", "agence", "growth", "paris", "digital", "studio", "lyon"]
        cases = {
            "static file (reference)": (["/static/css/site.css"], False, "/static/"),
            "cached profile pages": (profiles, False, "/en/agencies/"),
            "cached badges (SVG)": (badges, False, "/badges/"),
            "uncached search": ([f"/en/search?q={w}" for w in words], True, "/en/search"),
        }
        log = stack.workdir / "nginx" / "nginx-access.log"
        results: dict[str, list[dict]] = {name: [] for name in cases}
        ratios: dict[str, list[float]] = {name: [] for name in cases}
        hits: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(options.runs):
            reference = None
            for name, (paths, unique, pattern) in cases.items():
                start = log.stat().st_size
                figures = wrk(stack.url, paths, options.seconds, work, unique)
                time.sleep(0.5)  # let nginx flush its log
                results[name].append(figures)
                hits[name].append(hit_ratio(log, start, pattern))
                reference = reference or figures["rps"]
                ratios[name].append(figures["rps"] / reference)
    finally:
        stack.stop()
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"{options.agencies} agencies, wrk -t2 -c16 -d{options.seconds}s, {options.runs} runs "
        f"(medians; ratio = req/s over the static file's in the same run)"
    )
    header = ("case", "req/s", "ratio", "p50 ms", "p99 ms", "hits", "errors")
    print(f"{header[0]:<26}" + "".join(f"{h:>9}" for h in header[1:]))
    for name in cases:
        runs = results[name]
        print(
            f"{name:<26}{statistics.median(r['rps'] for r in runs):>9.0f}"
            f"{statistics.median(ratios[name]):>9.2f}"
            f"{statistics.median(r['p50'] for r in runs):>9.2f}"
            f"{statistics.median(r['p99'] for r in runs):>9.2f}"
            f"{statistics.median(hits[name]):>9.0%}{sum(r['errors'] for r in runs):>9}"
        )


if __name__ == "__main__":
    main()
