"""Suggestions-as-you-type and search-analytics benchmark (issue 12).

    .venv/bin/python bench/suggest_bench.py [--count 100000] [--work DIR --reuse]

1. Fills a throwaway SQLite database with ``--count`` listed agencies (search_bench's records).
2. Times building the per-process suggestion index (what the first request after a refresh pays).
3. Times ``GET /<lang>/search/suggest`` in-process (Flask test client: routing, lookup, JSON)
   over a mix of what people type (prefixes of services, places, brand and agency names, service
   and place pairs, French labels, strings that match nothing), and a trivial JSON route in the
   same app and run as the reference: the difference is the suggestion work itself.
4. Times the search analytics on the search path: the buffered ``record_search`` call, and one
   flush (a single multi-row upsert) of as many distinct queries as the buffer holds at most.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import make_records, percentile, populate  # noqa: E402


def summary(values: list[float]) -> str:
    """p50/p95/p99/max of ``values`` in milliseconds."""
    return (
        f"p50 {percentile(values, 50):.3f} ms, p95 {percentile(values, 95):.3f} ms, "
        f"p99 {percentile(values, 99):.3f} ms, max {max(values):.3f} ms (n={len(values)})"
    )


def typed_mix(records: list[dict], n: int, seed: int = 5) -> list[tuple[str, str]]:
    """``(lang, text)`` pairs as people type them: 2–8 letters of a real word, or a pair."""
    from directory import taxonomy

    rng = random.Random(seed)
    services = [t for term in taxonomy.SERVICES.values() for t in (term.en, term.fr)]
    cities = sorted({loc["city"] for r in records for loc in r["locations"] if loc.get("city")})
    names = [r["name"] for r in records]
    mix = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.3:
            word = rng.choice(services)
        elif kind < 0.5:
            word = rng.choice(cities)
        elif kind < 0.8:
            word = rng.choice(names).split()[rng.randrange(2)]
        elif kind < 0.9:
            word = f"{rng.choice(['seo', 'crm', 'web design', 'branding'])} {rng.choice(cities)}"
        else:
            word = "".join(rng.choice("qwxzjkv") for _ in range(rng.randint(2, 6)))
        cut = rng.randint(2, max(2, min(len(word), 8 if " " not in word else len(word) - 2)))
        mix.append((rng.choice(["en", "fr"]), word[:cut]))
    return mix


def time_get(client, paths: list[str], passes: int) -> list[float]:
    """Milliseconds per GET, after one warm-up pass."""
    for path in paths[:50]:
        client.get(path)
    times = []
    for _ in range(passes):
        for path in paths:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--work", default=None, help="Work directory (default: a temp dir).")
    parser.add_argument("--reuse", action="store_true", help="Reuse the --work database.")
    options = parser.parse_args()

    work = Path(options.work or tempfile.mkdtemp(prefix="suggest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DATABASE_URL=f"sqlite:///{work / 'bench.db'}",
        SEARCH_INDEX_PATH=str(work / "search"),
        INSTANCE_PATH=str(work / "instance"),
        RATELIMIT_ENABLED="0",
        LOG_LEVEL="WARNING",
        SEARCH_PRELOAD="0",
        SEARCH_BACKEND="embedded",
        PUBLIC_CACHE_SECONDS="0",
    )
    from urllib.parse import quote

    from flask import jsonify

    from directory import create_app
    from directory.search.suggest import build_index
    from directory.services import search_analytics

    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    app = create_app()

    @app.get("/bench-reference")
    def reference():
        return jsonify({"query": "", "suggestions": []})

    records = make_records(options.count)
    marker = work / f"filled-{options.count}"
    if options.reuse and marker.exists():
        print("database reused (--reuse)")
    else:
        started = time.perf_counter()
        populate(app, records)
        marker.touch()
        print(
            f"database filled with {options.count} agencies in {time.perf_counter() - started:.1f}s"
        )

    with app.app_context():
        started = time.perf_counter()
        index = build_index()
        build = time.perf_counter() - started
        keys = sum(len(table.keys) for table in index.tables.values())
        print(f"index build: {build:.2f}s, {len(index.entries)} entries, {keys} keys")

    mix = typed_mix(records, options.queries)
    paths = [f"/{lang}/search/suggest?q={quote(text)}" for lang, text in mix]
    client = app.test_client()
    client.get(paths[0])  # starts the process's index build (in the background)
    started = time.perf_counter()
    while "index" not in app.extensions.get("suggest_index", {}):
        time.sleep(0.1)
    print(f"background build until the first suggestion: {time.perf_counter() - started:.1f}s")
    reference_ms = time_get(client, ["/bench-reference"] * len(paths), options.passes)
    suggest_ms = time_get(client, paths, options.passes)
    empty = sum(1 for p in paths[:200] if not client.get(p).json["suggestions"])
    print(f"reference route (trivial JSON): {summary(reference_ms)}")
    print(f"GET /search/suggest:            {summary(suggest_ms)}")
    print(
        f"  of which suggestions (p50 difference): "
        f"{percentile(suggest_ms, 50) - percentile(reference_ms, 50):.3f} ms; "
        f"{empty}/200 typed strings had no suggestion"
    )
    with app.app_context():
        lookup = []
        for _ in range(options.passes):
            for _, text in mix:
                started = time.perf_counter()
                index.lookup(text)
                lookup.append((time.perf_counter() - started) * 1000)
    print(f"index lookup alone:             {summary(lookup)}")

    # Search analytics on the search path: a buffered call, then one flush.
    app.config["SEARCH_LOG_FLUSH_SECONDS"] = 3600
    texts = [f"{text} {i}" for i, (_, text) in enumerate(mix * 2)][
        : search_analytics.FLUSH_ENTRIES - 1
    ]
    recorded = []
    with app.test_request_context("/en/search"):
        for text in texts:
            started = time.perf_counter()
            search_analytics.record_search(text, 3)
            recorded.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        rows = search_analytics.flush_search_log()
        flush = (time.perf_counter() - started) * 1000
    print(f"record_search (buffered):       {summary(recorded)}")
    print(
        f"flush: {rows} distinct queries in one upsert: {flush:.1f} ms "
        f"({flush / max(rows, 1):.3f} ms per query, off the request path)"
    )
    print(f"work dir: {work}")


if __name__ == "__main__":
    main()
