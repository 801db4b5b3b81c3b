"""The embedded engine's own mechanics: incremental updates equal a fresh build, typo lookup,
several processes sharing one index directory."""

from __future__ import annotations

import dataclasses
import random

import pytest

from directory.search.base import FACETS, SearchQuery
from directory.search.embedded import EmbeddedBackend
from directory.search.embedded.model import Model
from directory.search.embedded.query import run
from directory.search.embedded.vocabulary import Vocabulary
from directory.search.text import parse_query

WORDS = ["marketing", "lyon", "paris", "seo", "brightwave", "studio", "conseil", "société"]
CITIES = [("FR", "Lyon"), ("FR", "Paris"), ("DE", "Berlin"), ("ES", "Madrid")]


def _doc(i: int, rng: random.Random) -> dict:
    country, city = rng.choice(CITIES)
    words = rng.sample(WORDS, 3)
    return {
        "id": i,
        "name": f"{words[0].title()} {i}",
        "tagline": " ".join(words[1:]),
        "description": " ".join(rng.sample(WORDS, 4)),
        "services_en": ["Search engine optimization"] if "seo" in words else ["Branding"],
        "location": [city],
        "service": ["seo"] if "seo" in words else ["branding"],
        "country": [country],
        "city": [f"{country}:{city}"],
        "world_region": ["EU"],
        "program": rng.choice(["partner", "provider"]),
        "tier_rank": rng.randint(0, 5),
        "bayesian_score": round(rng.uniform(1, 5), 4) + i * 1e-9,
        "rating_avg": rng.choice([None, 3.5, 4.2, 4.8]),
        "review_count": rng.randint(0, 50),
        "created_at": rng.randint(0, 10**9),
        "name_sort": f"{words[0]} {i:05d}",
        "_geo": {"lat": 45 + rng.random(), "lng": 4 + rng.random()},
    }


QUERIES = [
    SearchQuery(),
    SearchQuery(text="markting lyon"),
    SearchQuery(text="seo", filters={"country": ("FR",)}),
    SearchQuery(text="brightw", sort="rating"),
    SearchQuery(sort="name", filters={"city": ("FR:Lyon", "DE:Berlin")}),
    SearchQuery(sort="distance", near=(45.5, 4.5), page=2, per_page=5),
    SearchQuery(text="societe conseil", min_rating=4.0),
]


def _answer(model: Model, query: SearchQuery):
    result = run(model, query)
    return [h.id for h in result.hits], result.total, result.facets, result.rating_counts


def test_incremental_updates_answer_like_a_fresh_build():
    rng = random.Random(4)
    live = Model()
    current: dict[int, dict] = {}
    for step in range(400):
        i = rng.randint(1, 120)
        if rng.random() < 0.2:
            live.remove(i)
            current.pop(i, None)
        else:
            current[i] = _doc(i, rng)
            live.add(current[i])
        if step % 37 == 0:  # exercise the caches between writes
            _answer(live, rng.choice(QUERIES))
    fresh = Model()
    for i in sorted(current):
        fresh.add(current[i])
    for query in QUERIES:
        assert _answer(live, query) == _answer(fresh, query), query


@pytest.mark.parametrize("way", ["pairs", "value sets"])
def test_facet_counts_match_a_naive_count_either_way(monkeypatch, way):
    """Both ways of counting facets (pairs, value sets) agree with counting documents."""
    from directory.search.embedded import query as query_module

    if way == "pairs":  # value sets never cheaper
        monkeypatch.setattr(query_module, "SET_OVERHEAD", 10**12)
    else:  # value sets always cheaper
        monkeypatch.setattr(query_module, "PAIR_COST", 10**9)
    rng = random.Random(7)
    model, docs = Model(), {}
    for step in range(900):
        i = rng.randint(1, 600)
        docs[i] = dict(_doc(i, rng), language=rng.sample(["en", "fr", "de"], rng.randint(0, 3)))
        model.add(docs[i])
        if step % 9 == 0:
            model.remove(rng.randint(1, 600))
    live = {i: d for i, d in docs.items() if i in model.slot_of}
    for query in [*QUERIES, SearchQuery(filters={"language": ("fr",), "program": ("partner",)})]:
        result = run(model, dataclasses.replace(query, facets=FACETS))
        matching = dataclasses.replace(query, page=1, per_page=10**6, facets=())
        ids = {h.id for h in run(model, matching).hits}
        for facet, counts in result.facets.items():
            if facet in query.filters:
                continue  # disjunctive: counted over another set, checked by the contract suite
            expected: dict[str, int] = {}
            for i in ids:
                value = live[i].get(facet)
                for item in value if isinstance(value, list) else [] if value is None else [value]:
                    expected[str(item)] = expected.get(str(item), 0) + 1
            assert counts == expected, (facet, query)


def test_typo_derivations_follow_meilisearch_rules():
    vocabulary = Vocabulary()
    for word in ("marketing", "market", "lyon", "referencement", "agency", "bright"):
        vocabulary.add(word)
    assert vocabulary.derivations("markting", False) == {"marketing": 1}
    assert vocabulary.derivations("mar", True) == {"market": 0, "marketing": 0}
    assert vocabulary.derivations("agnecy", False) == {"agency": 1}  # transposition: 1 typo
    assert vocabulary.derivations("lyn", False) == {}  # under 5 letters: exact only
    assert vocabulary.derivations("ngency", False) == {}  # first letter: not for 1 typo
    assert vocabulary.derivations("eferencement", False) == {"referencement": 2}
    assert parse_query('"seo" -lyon ') == [("seo", False), ("lyon", False)]
    assert parse_query("Société Gé") == [("societe", False), ("ge", True)]


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook table."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _reference_derivations(vocabulary: set[str], word: str, is_prefix: bool) -> dict[str, int]:
    """What ``Vocabulary.derivations`` must answer, by comparing ``word`` with every word."""
    from directory.search.embedded.vocabulary import MAX_ONE_TYPO, MAX_TWO_TYPOS
    from directory.search.text import max_typos

    found = {word: 0} if word in vocabulary else {}
    if is_prefix:
        found.update({v: 0 for v in vocabulary if v.startswith(word)})
    budget = max_typos(word)
    typos = {}
    for v in vocabulary:
        candidates = [v[:k] for k in range(1, len(v) + 1)] if is_prefix else [v]
        d = min(_osa(word, c) for c in candidates)
        if v[0] == word[0] and 0 < d <= budget:
            typos[v] = d
        elif v[0] != word[0] and budget == 2 and d <= 1:
            typos[v] = 2  # another first letter: one edit at most, counted as two
    ones = sorted(v for v, t in typos.items() if t == 1)[:MAX_ONE_TYPO]
    twos = sorted(v for v, t in typos.items() if t == 2)[:MAX_TWO_TYPOS]
    for v in (*ones, *twos):
        found.setdefault(v, typos[v])
    return found


def test_typo_derivations_equal_a_brute_force_reference():
    rng = random.Random(11)
    words = {"".join(rng.choice("abcdefgh") for _ in range(rng.randint(2, 12))) for _ in range(250)}
    vocabulary = Vocabulary()
    for word in words:
        vocabulary.add(word)
    for _ in range(80):
        query = list(rng.choice(sorted(words)))
        for _ in range(rng.randint(0, 3)):  # substitutions, insertions, deletions, swaps
            i = rng.randrange(len(query))
            edit = rng.choice("sids")
            if edit == "s":
                query[i] = rng.choice("abcdefgh")
            elif edit == "i":
                query.insert(i, rng.choice("abcdefgh"))
            elif edit == "d" and len(query) > 1:
                del query[i]
            elif i + 1 < len(query):
                query[i], query[i + 1] = query[i + 1], query[i]
        query = "".join(query)
        for is_prefix in (False, True):
            expected = _reference_derivations(words, query, is_prefix)
            assert vocabulary.derivations(query, is_prefix) == expected, (query, is_prefix)


def test_processes_sharing_an_index_see_each_others_writes(tmp_path):
    rng = random.Random(2)
    writer = EmbeddedBackend(tmp_path)
    reader = EmbeddedBackend(tmp_path)  # another gunicorn worker
    writer.upsert([_doc(i, rng) for i in range(1, 30)])
    assert reader.count() == 29
    writer.delete([1, 2])
    writer.upsert([dict(_doc(3, rng), name="Zanzibar Three")])
    assert reader.count() == 27
    assert [h.id for h in reader.search(SearchQuery(text="zanzibar")).hits] == [3]
    writer.rebuild(_doc(i, rng) for i in range(100, 110))
    assert reader.count() == 10
    assert set(reader.search(SearchQuery(facets=FACETS)).facets["country"]) <= {
        c for c, _ in CITIES
    }


def _search_in_child(backend, text, sender):
    sender.send([hit.id for hit in backend.search(SearchQuery(text=text, facets=())).hits])
    sender.close()


def test_a_model_preloaded_before_fork_serves_the_child_and_sees_later_writes(tmp_path):
    import multiprocessing

    rng = random.Random(3)
    backend = EmbeddedBackend(tmp_path / "index")
    backend.rebuild([_doc(i, rng) for i in range(1, 40)])
    parent = EmbeddedBackend(tmp_path / "index")
    parent.preload(background=False)  # as gunicorn --preload does in the master
    assert parent.count() == 39
    backend.upsert([dict(_doc(99, rng), name="Zanzibar Works")])  # after the preload
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_search_in_child, args=(parent, "zanzibar", sender))
    child.start()
    sender.close()
    assert receiver.recv() == [99]  # its own handle, the change log applied
    child.join(timeout=10)
    assert child.exitcode == 0
    assert [h.id for h in parent.search(SearchQuery(text="zanzibar", facets=())).hits] == [99]


def test_preload_in_the_background_loads_the_live_index(tmp_path):
    rng = random.Random(4)
    EmbeddedBackend(tmp_path / "index").rebuild([_doc(i, rng) for i in range(1, 10)])
    fresh = EmbeddedBackend(tmp_path / "index")
    thread = fresh.preload()
    thread.join(timeout=10)
    assert fresh._model.count == 9 and fresh._file is not None
    assert EmbeddedBackend(tmp_path / "empty").preload() is None  # no index: nothing to do
