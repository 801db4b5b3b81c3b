"""Search benchmark: index build, backend latency, HTTP under gunicorn, edit-to-searchable.

    .venv/bin/python bench/search_bench.py [--backend embedded|meili] [--count 100000]

1. Fills a throwaway SQLite database with ``--count`` listed agencies (profiles from the demo
   seed generator, each given its own brand word so the vocabulary grows like a real one).
2. Times ``reindex`` from the database (documents + engine) and the engine's build alone.
3. Times ``backend.search`` over a fixed mix of 500 queries (1–3 words, typos, filters,
   browse pages, sorts), several passes, and a broad query (most agencies) separately.
4. Serves ``GET /api/v1/search`` and a trivial JSON route from the same gunicorn (2 workers)
   and drives both with ``wrk`` (16 connections, Lua script cycling the mix).
5. Edits agencies and times commit → searchable from another reader ("another worker").
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYLLABLES = [
    "ka", "lo", "mi", "zen", "tra", "vo", "ri", "nu", "sel", "dor", "pa", "quin", "ber", "ta",
    "mo", "lex", "fi", "sa", "gro", "vi", "an", "el", "or", "is", "ul", "ex", "op", "ra", "ne",
]  # fmt: skip
SERVICE_WORDS = [
    "marketing", "seo", "référencement", "design", "web", "crm", "ecommerce", "video",
    "branding", "automation", "inbound", "content", "sales", "training", "formation",
    "migration", "integration", "analytics", "social media", "google ads", "site web",
    "développement", "conseil", "email", "support", "onboarding", "hubspot", "agency", "agence",
]  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50):.2f} ms, p95 {percentile(values, 95):.2f} ms, "
        f"p99 {percentile(values, 99):.2f} ms, max {max(values):.2f} ms (n={len(values)})"
    )


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "swap", "sub"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


# -- data ----------------------------------------------------------------------------------------


def brand_words(n: int, rng: random.Random) -> list[str]:
    words = set()
    while len(words) < n:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        words.add(word.capitalize())
    return sorted(words)


def make_records(count: int, seed: int = 7) -> list[dict]:
    """``count`` import-shaped agencies: demo profiles, each with a brand word of its own."""
    from directory.services.demo.seed import generate_agencies

    rng = random.Random(seed)
    pool = [r for r in generate_agencies(min(count, 2500), seed) if r.get("status") == "published"]
    brands = brand_words(max(1000, count // 2), rng)
    records = []
    for i in range(count):
        record = dict(pool[i % len(pool)])
        brand = rng.choice(brands)
        record["name"] = f"{brand} {record['name']}"[:120]
        record["external_id"] = f"bench-{i}"
        record["slug"] = f"bench-{i}"
        record["tagline"] = f"{brand}: {record.get('tagline') or ''}"[:160]
        records.append(record)
    return records


def populate(app, records: list[dict]) -> None:
    """Insert the agencies, tags, offices and certifications with bulk inserts."""
    from sqlalchemy import insert

    from directory.db import db, utcnow
    from directory.models import Agency, AgencyTag, Certification, Office

    rng = random.Random(11)
    now = utcnow()
    on = dt.date.today()
    with app.app_context():
        db.drop_all()
        db.create_all()
        for start in range(0, len(records), 5000):
            chunk = records[start : start + 5000]
            agencies, tags, offices, certs = [], [], [], []
            for offset, r in enumerate(chunk):
                agency_id = start + offset + 1
                count = int(rng.expovariate(1 / 6))
                rating = round(rng.uniform(3.2, 5.0), 2) if count else None
                bayes = ((3.5 * 5) + (rating or 0) * count) / (5 + count)
                agencies.append(
                    {
                        "id": agency_id, "external_id": r["external_id"], "slug": r["slug"],
                        "name": r["name"], "tagline": r.get("tagline"),
                        "description": r.get("description"), "program": r["program"],
                        "tier": r.get("tier"), "min_budget_usd": r.get("min_budget_usd"),
                        "status": "published", "review_count": count, "rating_avg": rating,
                        "bayesian_score": round(bayes, 4),
                        "created_at": now - dt.timedelta(days=rng.randint(0, 2000)),
                        "updated_at": now, "version": 1,
                    }
                )  # fmt: skip
                for kind, key in (
                    ("service", "services"), ("industry", "industries"),
                    ("language", "languages"), ("product", "products"),
                    ("client_size", "client_sizes"), ("accreditation", "accreditations"),
                ):  # fmt: skip
                    for position, value in enumerate(dict.fromkeys(r.get(key) or ())):
                        tags.append(
                            {"agency_id": agency_id, "kind": kind, "value": value,
                             "position": position}
                        )  # fmt: skip
                for position, loc in enumerate(r["locations"]):
                    offices.append(
                        {
                            "agency_id": agency_id, "country": loc["country"],
                            "region": loc.get("region"), "city": loc.get("city"),
                            "lat": loc.get("lat"), "lng": loc.get("lng"),
                            "is_headquarters": bool(loc.get("headquarters", position == 0)),
                            "position": position,
                        }
                    )  # fmt: skip
                certs.append(
                    {
                        "agency_id": agency_id, "certificate_id": f"C-{agency_id}",
                        "issued_on": on - dt.timedelta(days=300),
                        "expires_on": on + dt.timedelta(days=400), "status": "verified",
                        "verified_by_label": "import", "reminders_sent": "",
                    }
                )  # fmt: skip
            db.session.execute(insert(Agency), agencies)
            db.session.execute(insert(AgencyTag), tags)
            db.session.execute(insert(Office), offices)
            db.session.execute(insert(Certification), certs)
            db.session.commit()


def query_mix(records: list[dict], n: int = 500, seed: int = 3) -> list[dict]:
    """A fixed mix of API argument dicts: text (with and without typos), filters, browse."""
    from directory.taxonomy import SERVICES

    rng = random.Random(seed)
    cities = [loc["city"] for r in records[:3000] for loc in r["locations"] if loc.get("city")]
    countries = sorted({loc["country"] for r in records[:3000] for loc in r["locations"]})
    brands = [r["name"].split()[0] for r in records[:5000]]
    mix = []
    for _ in range(n):
        args: dict = {}
        kind = rng.random()
        if kind < 0.3:  # browse: filters, a page, maybe a sort
            args["country"] = rng.choice(countries)
            if rng.random() < 0.5:
                args["service"] = rng.choice(list(SERVICES))
            args["page"] = rng.choice([1, 1, 1, 2, 3, 5])
            args["sort"] = rng.choice(["relevance", "relevance", "rating", "reviews", "name"])
        else:
            words = []
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                pick = rng.random()
                if pick < 0.45:
                    words.append(rng.choice(SERVICE_WORDS))
                elif pick < 0.75:
                    words.append(rng.choice(cities))
                else:
                    words.append(rng.choice(brands))
            if rng.random() < 0.3:
                i = rng.randrange(len(words))
                words[i] = typo(words[i], rng)
            args["q"] = " ".join(words)
            if rng.random() < 0.35:
                args["country"] = rng.choice(countries)
            if rng.random() < 0.15:
                args["tier"] = rng.choice(["gold", "platinum", "diamond", "elite"])
            if rng.random() < 0.1:
                args["sort"] = "rating"
        mix.append(args)
    return mix


def to_query(args: dict):
    from directory.search.base import SearchQuery

    filters = {k: (v,) for k, v in args.items() if k in ("country", "service", "tier")}
    return SearchQuery(
        text=args.get("q", ""),
        filters=filters,
        sort=args.get("sort", "relevance"),
        page=int(args.get("page", 1)),
    )


# -- measurements ----------------------------------------------------------------------------------


CPU: list[list[float]] = []  # CPU milliseconds of each timed pass (contention-free view)


def time_searches(backend, queries, passes: int) -> list[list[float]]:
    """Wall-clock milliseconds per search, per pass (CPU milliseconds go to ``CPU``)."""
    runs = []
    for _ in range(passes):
        times, cpu = [], []
        for query in queries:
            started, started_cpu = time.perf_counter(), time.thread_time()
            backend.search(query)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        runs.append(times)
        CPU.append(cpu)
    return runs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("P95_MS %.2f\\n", latency:percentile(95) / 1000))
end
"""


def wrk(url_base: str, paths_file: Path, lua: Path, seconds: int) -> dict:
    env = dict(os.environ, BENCH_PATHS=str(paths_file))
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", str(lua), url_base],
        capture_output=True, text=True, env=env, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    if "P95_MS" not in out:  # the script failed: wrk then requests "/" only, which proves nothing
        raise RuntimeError(f"wrk's Lua script did not run:\n{out}")
    result = {"raw": out}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "75%", "90%", "99%"):
            result[parts[0]] = parts[1]
        if line.strip().endswith("read") and "requests in" in line:
            result["requests"] = int(parts[0])
        if line.startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
        if line.startswith("P95_MS"):
            result["95%"] = f"{float(parts[1]):.2f}ms"
        if "Non-2xx" in line:
            result["non2xx"] = line.strip()
    return result


def server_cpu_seconds(master: int) -> float:
    """User + system CPU of a process and its children (gunicorn's master and workers)."""
    pids = [master]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        pids += [int(pid) for pid in children]
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


# Threads per gunicorn worker. Embedded: searches hold the engine's lock and the GIL, threads
# add nothing. Meilisearch: a worker mostly waits on the server, so serve as the Procfile does.
THREADS = {"embedded": 1, "meili": 4}


def start_gunicorn(env: dict, threads: int) -> tuple[subprocess.Popen, str]:
    """gunicorn (2 workers) serving bench.search_wsgi on a free port, once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "--threads", str(threads),
         "--preload", "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "bench.search_wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(60):
        try:
            subprocess.run(
                ["curl", "-fsS", "-o", "/dev/null", f"{base}/_bench/search-trivial"],
                check=True, timeout=5, capture_output=True,
            )  # fmt: skip
            break
        except subprocess.SubprocessError:
            time.sleep(0.5)
    return server, base


def http_bench(
    targets: list[dict], mix_paths: Path, work: Path, seconds: int, runs: int
) -> tuple[list[str], dict[str, dict]]:
    """Drive every target with wrk, one run of each in turn (so noise hits them alike).

    A target is ``{"label", "base", "file", "lua", "pid"}`` (``pid``: a gunicorn master whose
    CPU is measured, or None). Returns printable lines and, per label, the medians.
    """
    lua = work / "cycle.lua"
    lua.write_text(LUA)
    for target in targets:
        target.setdefault("lua", lua)
        base = target["base"]
        if target["pid"] is None:
            continue
        status = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
             f"{base}/api/v1/search?q=marketing"],
            capture_output=True, text=True, timeout=120,
        ).stdout  # fmt: skip
        print(f"{target['label']}: GET /api/v1/search?q=marketing → HTTP {status}")
        for path in mix_paths.read_text().splitlines()[:40]:  # warm both workers
            subprocess.run(["curl", "-s", "-o", "/dev/null", base + path],
                           timeout=120, check=False)  # fmt: skip
    results: dict[str, list[dict]] = {t["label"]: [] for t in targets}
    cpu: dict[str, list[float]] = {t["label"]: [] for t in targets}
    for _ in range(runs):
        for target in targets:
            before = server_cpu_seconds(target["pid"]) if target["pid"] else 0.0
            result = wrk(target["base"], target["file"], target["lua"], seconds)
            if target["pid"]:
                spent = server_cpu_seconds(target["pid"]) - before
                cpu[target["label"]].append(spent * 1000 / max(result.get("requests", 0), 1))
            results[target["label"]].append(result)
    lines, medians = [], {}
    for target in targets:
        label, done = target["label"], results[target["label"]]
        rps = [r.get("rps", 0.0) for r in done]
        p95 = [float(r["95%"].removesuffix("ms")) for r in done if "95%" in r]
        medians[label] = {"rps": statistics.median(rps), "p95": statistics.median(p95 or [0])}
        extra = "; ".join({r["non2xx"] for r in done if "non2xx" in r})
        lines.append(
            f"{label}: req/s {medians[label]['rps']:.0f} (runs {[round(x) for x in rps]}),"
            f" p50 {[r.get('50%', '?') for r in done]}, p95 {[r.get('95%', '?') for r in done]},"
            f" p99 {[r.get('99%', '?') for r in done]}{' ; ' + extra if extra else ''}"
        )
        if cpu[label]:
            lines.append(
                f"  gunicorn CPU per request (master + workers, /proc): median "
                f"{statistics.median(cpu[label]):.2f} ms (runs {[round(x, 2) for x in cpu[label]]})"
            )
    lines.append(f"  load average after the HTTP runs: {os.getloadavg()}")
    return lines, medians


def edit_to_searchable(app, backend_path: str, edits: int) -> list[float]:
    """Commit a rename, then poll another reader until the new name is found."""
    from directory.db import db
    from directory.models import Agency
    from directory.search.base import SearchQuery
    from directory.search.embedded import EmbeddedBackend

    reader = EmbeddedBackend(backend_path)
    reader.count()
    times = []
    rng = random.Random(5)
    with app.app_context():
        for k in range(edits):
            agency = db.session.get(Agency, rng.randint(1, 1000))
            token = f"Edited{k}x{rng.randint(0, 10**6)}"
            started = time.perf_counter()
            agency.name = f"{token} Agency"
            db.session.commit()
            while True:
                if reader.search(SearchQuery(text=token, facets=())).total:
                    break
                if time.perf_counter() - started > 30:
                    raise RuntimeError("edit never became searchable")
                time.sleep(0.001)
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "meili"], default="embedded")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument(
        "--runs", "--wrk-runs", dest="runs", type=int, default=3,
        help="wrk runs of each HTTP target, interleaved; medians are reported",
    )  # fmt: skip
    parser.add_argument(
        "--meili-bin", default=None,
        help="Meilisearch server to start for the run when MEILI_URL is not set "
        "(default: MEILI_BIN, then ../shared/bin/meilisearch, then PATH)",
    )  # fmt: skip
    parser.add_argument(
        "--cache-off-too", action="store_true",
        help="meili: also serve the API with the facet cache off (MEILI_CACHE_SIZE=0)",
    )  # fmt: skip
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--work", default=None, help="Work directory (default: a temp dir).")
    parser.add_argument("--reuse", action="store_true", help="Reuse the --work database.")
    parser.add_argument("--skip-build", action="store_true", help="With --reuse: keep the index.")
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if options.backend == "meili" and not os.environ.get("MEILI_URL"):
            from bench.search_meili import find_binary, throwaway_server

            binary = find_binary(options.meili_bin)
            if binary is None:
                raise SystemExit("--backend meili: set MEILI_URL, or give --meili-bin / MEILI_BIN")
            index = os.environ.get("MEILI_INDEX", "bench_agencies")
            url, key = stack.enter_context(throwaway_server(binary, index))
            os.environ.update(MEILI_URL=url, MEILI_API_KEY=key, MEILI_INDEX=index)
        run(options)


def run(options: argparse.Namespace) -> None:
    """The whole benchmark, with ``MEILI_URL`` set for ``--backend meili``."""
    work = Path(options.work or tempfile.mkdtemp(prefix="search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{work / 'bench.db'}",
        SEARCH_INDEX_PATH=str(work / "search"),
        INSTANCE_PATH=str(work / "instance"),
        RATELIMIT_ENABLED="0",
        LOG_LEVEL="WARNING",
        SEARCH_BACKEND="meilisearch" if options.backend == "meili" else "embedded",
    )
    if options.backend == "meili":
        env.setdefault("MEILI_INDEX", "bench_agencies")
    os.environ.update(env)
    os.environ["SEARCH_PRELOAD"] = "0"  # this process rebuilds; gunicorn (env) preloads
    if not options.skip_build:
        shutil.rmtree(work / "search", ignore_errors=True)

    from directory import create_app
    from directory.search import get_backend
    from directory.search.base import FACETS, SearchQuery
    from directory.search.documents import iter_documents_for_rebuild

    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    if options.backend == "meili":
        print(
            f"meilisearch at {env['MEILI_URL']}, index {env['MEILI_INDEX']}; API facet cache "
            f"{os.environ.get('MEILI_CACHE_SIZE', '2000')} entries, "
            f"{os.environ.get('MEILI_CACHE_SECONDS', '30')} s"
        )
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    app = create_app()
    started = time.perf_counter()
    records = make_records(options.count)
    print(f"generated {len(records)} agencies in {time.perf_counter() - started:.1f}s")
    marker = work / f"filled-{options.count}"
    if options.reuse and marker.exists():
        print("database reused (--reuse)")
    else:
        started = time.perf_counter()
        populate(app, records)
        marker.touch()
        print(f"database filled in {time.perf_counter() - started:.1f}s")

    with app.app_context():
        backend = get_backend()
        backend.apply_settings()
        spent = [0.0]

        ndjson = (work / "documents.ndjson").open("w", encoding="utf-8")

        def timed_documents():
            source = iter_documents_for_rebuild()
            while True:
                started = time.perf_counter()
                doc = next(source, None)
                spent[0] += time.perf_counter() - started
                if doc is None:
                    return
                if options.backend == "meili":  # kept for the engine-alone reference
                    ndjson.write((getattr(doc, "json", None) or json.dumps(doc)) + "\n")
                yield doc

        started = time.perf_counter()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        count = backend.count() if options.skip_build else backend.rebuild(timed_documents())
        total_s = time.perf_counter() - started
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        cpu_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        engine_cpu = cpu.ru_utime + cpu.ru_stime - usage.ru_utime - usage.ru_stime
        reader_cpu = (
            cpu_children.ru_utime + cpu_children.ru_stime - children.ru_utime - children.ru_stime
        )
        if options.skip_build:
            print(f"index kept (--skip-build): {count} documents")
        else:
            print(
                f"reindex from the database: {count} documents in {total_s:.1f}s "
                f"(waiting for documents {spent[0]:.1f}s); CPU: indexing process {engine_cpu:.1f}s,"
                f" document reader process {reader_cpu:.1f}s"
            )
        ndjson.close()
        print(f"  load average now: {os.getloadavg()}")
        if options.backend == "meili" and not options.skip_build:
            from bench.search_meili import load_reference
            from directory.search.meili.backend import REBUILD_BATCH_SIZE

            alone = load_reference(
                env["MEILI_URL"], env.get("MEILI_API_KEY") or "", env["MEILI_INDEX"],
                work / "documents.ndjson", REBUILD_BATCH_SIZE,
            )  # fmt: skip
            print(
                f"reference: Meilisearch alone indexing the same {count} documents from a file "
                f"(same settings and batches): {alone:.1f}s; RATIO reindex / reference "
                f"{total_s / alone:.2f} (target: reindex <= 60 s)"
            )
        if options.backend == "embedded":
            from directory.search.embedded import EmbeddedBackend

            started = time.perf_counter()
            EmbeddedBackend(env["SEARCH_INDEX_PATH"]).count()
            print(f"a new worker loads the index in {time.perf_counter() - started:.2f}s")

        mix = query_mix(records)
        queries = [to_query(a) for a in mix]
        runs = time_searches(backend, queries, options.passes)
        for i, (times, cpu) in enumerate(zip(runs, CPU[-len(runs) :], strict=True), 1):
            print(f"backend.search, 500-query mix, pass {i}: {summary(times)}")
            print(f"  CPU time of the same searches: {summary(cpu)}")
        p95s = [percentile(t, 95) for t in runs]
        print(f"  median p95 over passes: {statistics.median(p95s):.2f} ms")
        if options.backend == "meili":  # later passes are answered from the result cache
            print(f"  first pass (nothing cached yet) p95: {p95s[0]:.2f} ms (target <= 30)")
        broad = [SearchQuery(text="marketing", facets=FACETS)] * 20
        broad_runs = time_searches(backend, broad, 1)[0]
        total = backend.search(broad[0]).total
        print(f"broad query 'marketing' ({total} hits, all facets): {summary(broad_runs)}")
        print(f"  CPU time: {summary(CPU[-1])}")
        browse = [SearchQuery(facets=FACETS)] * 20
        print(f"browse everything (all facets): {summary(time_searches(backend, browse, 1)[0])}")
        deep = [SearchQuery(text="agency", page=40, per_page=25)] * 20
        total = backend.search(deep[0]).total
        print(f"'agency' page 40 ({total} hits): {summary(time_searches(backend, deep, 1)[0])}")

    if options.backend == "embedded":
        times = edit_to_searchable(app, env["SEARCH_INDEX_PATH"], options.edits)
        print(f"edit committed → searchable in another reader: {summary(times)}")
        with app.app_context():
            after = time_searches(backend, queries[:100], 1)[0]
            print(f"backend.search right after the edits (100 queries): {summary(after)}")

    if options.skip_http:
        print("HTTP: skipped (--skip-http)")
    elif shutil.which("wrk") is None:
        print("HTTP: wrk not found, skipped")
    else:
        serve(options, env, app, mix, work)
    print(json.dumps({"work": str(work)}))


API, TRIVIAL, REFERENCE, NO_CACHE = (
    "GET /api/v1/search mix",
    "trivial JSON route",
    "Meilisearch direct (reference)",
    "GET /api/v1/search mix, facet cache off",
)


def serve(options: argparse.Namespace, env: dict, app, mix: list[dict], work: Path) -> None:
    """The HTTP part: the API beside a trivial route (and, on meili, the direct reference)."""
    paths = work / "paths.txt"
    paths.write_text("\n".join(f"/api/v1/search?{urlencode(a)}" for a in mix) + "\n")
    trivial = work / "trivial.txt"
    trivial.write_text("/_bench/search-trivial\n")
    threads = THREADS[options.backend]
    print(f"HTTP: gunicorn 2 workers x {threads} threads; wrk -t2 -c16 {options.wrk_seconds}s x "
          f"{options.runs} runs per target, interleaved")  # fmt: skip
    with contextlib.ExitStack() as stack:
        servers = []

        def gunicorn(extra: dict) -> tuple[int, str]:
            server, base = start_gunicorn({**env, **extra}, threads)
            servers.append(server)
            stack.callback(lambda: (server.send_signal(signal.SIGTERM), server.wait(timeout=30)))
            return server.pid, base

        pid, base = gunicorn({})
        targets = [
            {"label": TRIVIAL, "base": base, "file": trivial, "pid": pid},
            {"label": API, "base": base, "file": paths, "pid": pid},
        ]
        if options.backend == "meili" and options.cache_off_too:
            pid, base = gunicorn({"MEILI_CACHE_SIZE": "0"})
            targets.append({"label": NO_CACHE, "base": base, "file": paths, "pid": pid})
        if options.backend == "meili":
            from bench.search_meili import LUA as REFERENCE_LUA
            from bench.search_meili import reference_bodies

            bodies = work / "reference-bodies.txt"
            bodies.write_text("\n".join(reference_bodies(app, mix, env["MEILI_INDEX"])) + "\n")
            lua = work / "reference.lua"
            lua.write_text(REFERENCE_LUA)
            os.environ.update(
                BENCH_BODIES=str(bodies),
                BENCH_PATH=f"/indexes/{env['MEILI_INDEX']}/search",
                BENCH_KEY=env.get("MEILI_API_KEY") or "",
            )
            targets.insert(
                0,
                {"label": REFERENCE, "base": env["MEILI_URL"], "file": bodies, "lua": lua,
                 "pid": None},
            )  # fmt: skip
        lines, medians = http_bench(targets, paths, work, options.wrk_seconds, options.runs)
    for line in lines:
        print(line)
    if REFERENCE in medians:
        reference = medians[REFERENCE]
        for label in (API, NO_CACHE):
            if label not in medians:
                continue
            got = medians[label]
            print(
                f"RATIO {label} / reference: {got['rps'] / max(reference['rps'], 1e-9):.0%} "
                f"(target >= 90 %); {got['rps']:.0f} req/s (target >= 200); p95 "
                f"{got['p95']:.1f} ms (target <= 100) vs reference p95 {reference['p95']:.1f} ms"
            )


if __name__ == "__main__":
    main()
