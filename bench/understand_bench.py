"""Query understanding micro-benchmark: the cost ``understand()`` adds to a search.

    .venv/bin/python bench/understand_bench.py [--queries 10000]

Times building the lookup tables (once per process), then ``--queries`` distinct queries
(service, place, filler and brand words, typos; none seen before, so no cache hit), then the
same queries again (the per-process cache), and prints the mean and p95 per query.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = [
    "agence", "seo", "lyon", "référencement", "paris", "agency", "in", "the", "best", "ppc",
    "london", "allemagne", "germany", "crm", "revops", "francophone", "german-speaking", "à",
    "de", "marketing", "automation", "montreal", "île-de-france", "santé", "healthcare",
    "wordpress", "bordeaux", "referencment", "markting", "berlin", "new", "york", "google",
    "ads", "studio", "digital", "nordlicht", "brightwave", "zzyzx", "growth", "web", "design",
]  # fmt: skip


def _queries(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        words = rng.sample(WORDS, rng.randint(1, 5))
        out.append(" ".join(words) + f" brand{i}")  # a unique word: every query is new
    return out


def _time_each(function, queries: list[str]) -> list[float]:
    times = []
    for text in queries:
        started = time.perf_counter()
        function(text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _report(label: str, times: list[float]) -> None:
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"{label}: mean {statistics.fmean(times):.3f} ms, p95 {p95:.3f} ms, n={len(times)}")


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=10_000)
    args = parser.parse_args()
    from directory.search.understanding import table, understand

    started = time.perf_counter()
    table()
    print(f"tables built in {time.perf_counter() - started:.2f} s ({len(table().phrases)} phrases)")
    queries = _queries(args.queries)
    _report("first reading (uncached)", _time_each(understand, queries))
    _report("same query again (cached)", _time_each(understand, queries))


if __name__ == "__main__":
    main()
