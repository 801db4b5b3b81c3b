"""Embedded index snapshot: time and size of storing and loading it, data-only format vs pickle.

    .venv/bin/python bench/snapshot_bench.py [--count 100000] [--base 5000]

Builds ``--base`` agencies with the search benchmark's generator into a throwaway database,
turns them into search documents, and repeats them (new ids, each with a brand word of its
own) up to ``--count`` documents. Then times ``snapshot.dumps``/``loads`` against pickle of
the same model (pickle only as the reference the format replaced; it is never loaded from an
index file).
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_bench import brand_words, make_records, populate


def documents(count: int, base: int) -> list[dict]:
    """``count`` search documents built by the real pipeline from ``base`` agencies."""
    from directory import create_app
    from directory.search.documents import iter_documents

    work = Path(tempfile.mkdtemp(prefix="snapshot-bench-"))
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}",
            "SEARCH_INDEX_PATH": str(work / "search"),
        }
    )
    populate(app, make_records(base))
    with app.app_context():
        seeds = list(iter_documents())
    rng = random.Random(5)
    brands = brand_words(count // 2, rng)
    out = []
    for i in range(count):
        doc = dict(seeds[i % len(seeds)])
        brand = rng.choice(brands)
        doc["id"] = i + 1
        doc["name"] = f"{brand} {doc['name']}"
        doc["tagline"] = f"{brand}: {doc.get('tagline') or ''}"
        out.append(doc)
    return out


def timed(function, runs: int = 3) -> tuple[float, object]:
    """Median seconds of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=5000)
    options = parser.parse_args()
    os.environ["SEARCH_PRELOAD"] = "0"
    from directory.search.embedded import snapshot
    from directory.search.embedded.model import Model

    print(f"$ python {' '.join(sys.argv)}  ({platform.platform()}, {os.cpu_count()} CPUs)")
    docs = documents(options.count, options.base)
    model = Model()
    for doc in docs:
        model.add(doc)
    print(f"{model.count} documents, {len(model.postings)} terms")
    dump_s, blob = timed(lambda: snapshot.dumps(model, 0))
    load_s, (loaded, _) = timed(lambda: snapshot.loads(blob))
    assert loaded.__getstate__().keys() == model.__getstate__().keys()
    pdump_s, pblob = timed(lambda: pickle.dumps((4, model, 0), protocol=pickle.HIGHEST_PROTOCOL))
    pload_s, _ = timed(lambda: pickle.loads(pblob))  # our own bytes: the reference only
    print(f"data-only: store {dump_s:.2f} s, load {load_s:.2f} s, {len(blob) / 1e6:.1f} MB")
    print(f"pickle:    store {pdump_s:.2f} s, load {pload_s:.2f} s, {len(pblob) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
