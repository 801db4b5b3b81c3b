"""Property tests: no facet value or query text, however crafted, changes the filter's shape.

Each filter element is parsed back the way Meilisearch's filter parser reads a quoted value
(crates/filter-parser/src/value.rs: scan to the first unescaped quote, turn ``\\"`` into ``"``,
then unescape ``\\\\``), so a value that could close its quote early would be caught here.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.search.base import FACETS, SearchQuery
from directory.search.meili.filters import (
    FACET_ATTRIBUTES,
    build_filter,
    ids_filter,
    quote,
    rating_at_least,
)
from directory.search.meili.query import build_queries

ELEMENT = re.compile(r'(?P<attr>[a-z_]+) = "(?P<body>.*)"', re.DOTALL)
RATING = re.compile(r"rating_avg >= \d\.\d\d")

hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            '"',
            "\\",
            '\\"',
            '" OR 1=1',
            '") OR (tier = "elite',
            "tier = elite",
            "a\nOR b",
            "\\u{41}",
            "\\n",
            "_geoRadius(0, 0, 1)",
            "東京",
            "🦀 AND x",
        ]
    ),
    st.lists(st.sampled_from(['"', "\\", " ", "OR", "=", "(", ")", "a", "\n"]), max_size=50).map(
        "".join
    ),
)
filters = st.dictionaries(
    st.sampled_from(FACETS), st.lists(hostile_text, min_size=1, max_size=4).map(tuple)
)


def meili_read(element: str) -> tuple[str, str]:
    """(attribute, value) as Meilisearch would read ``attr = "..."``; AssertionError if not."""
    match = ELEMENT.fullmatch(element)
    assert match, element
    body = match.group("body")
    i = 0
    while i < len(body):  # the first unescaped quote ends the value: it must be the last one
        if body[i] == "\\":
            assert i + 1 < len(body), "dangling backslash"
            i += 2
            continue
        assert body[i] != '"', f"value closes early in {element!r}"
        i += 1
    unquoted = body.replace('\\"', '"')
    value, i = [], 0
    while i < len(unquoted):  # the `unescaper` pass: only doubled backslashes may remain
        if unquoted[i] == "\\":
            assert unquoted[i + 1] == "\\", f"stray escape in {element!r}"
            value.append("\\")
            i += 2
        else:
            value.append(unquoted[i])
            i += 1
    return match.group("attr"), "".join(value)


def expected_pairs(selected: dict[str, tuple[str, ...]]) -> list[list[tuple[str, str]]]:
    return [
        [(FACET_ATTRIBUTES[f], v) for v in dict.fromkeys(selected[f])]
        for f in FACETS
        if selected.get(f)
    ]


@settings(max_examples=300, deadline=None)
@given(filters, st.one_of(st.none(), st.sampled_from([3.0, 3.5, 4.0, 4.5])))
def test_every_value_stays_a_quoted_literal_of_an_allowlisted_attribute(selected, min_rating):
    clauses = build_filter(selected, min_rating)

    groups = [c for c in clauses if isinstance(c, list)]
    parsed = [[meili_read(element) for element in group] for group in groups]
    assert parsed == expected_pairs(selected)
    scalars = [c for c in clauses if isinstance(c, str)]
    assert scalars == ([] if min_rating is None else [f"rating_avg >= {min_rating:.2f}"])
    assert all(RATING.fullmatch(s) for s in scalars)


@settings(max_examples=200, deadline=None)
@given(hostile_text, hostile_text, filters, st.sampled_from(FACETS))
def test_the_query_text_never_reaches_a_filter(text, other_text, selected, facet):
    query = SearchQuery(text=text, filters=selected, facets=(facet,))
    queries, groups = build_queries("agencies", query)
    other, _ = build_queries("agencies", SearchQuery(text=other_text, filters=selected))

    assert all(q["q"] == text for q in queries)
    assert [q.get("filter") for q in queries][:1] == [q.get("filter") for q in other][:1]
    for q in queries:
        for clause in q.get("filter", []):
            for element in clause if isinstance(clause, list) else [clause]:
                if not RATING.fullmatch(element):
                    meili_read(element)
    # The disjunctive query of an active group drops exactly that group.
    for group, q in zip(groups, queries[1:], strict=True):
        kept = {f: v for f, v in selected.items() if f != group}
        assert q.get("filter", []) == build_filter(kept)


@given(hostile_text)
def test_quote_round_trips(value):
    assert meili_read(f"city = {quote(value)}") == ("city", value)


def test_unknown_facets_and_bad_numbers_are_refused():
    with pytest.raises(KeyError):
        build_filter({"tier = elite OR id": ("x",)})
    with pytest.raises(TypeError):
        quote(5)  # type: ignore[arg-type]
    for bad in (float("nan"), float("inf"), -1, 5.5):
        with pytest.raises(ValueError):
            rating_at_least(bad)
    with pytest.raises(ValueError):
        ids_filter(["1 OR 1=1"])  # type: ignore[list-item]
    assert ids_filter([3, 1]) == "id IN [3, 1]"
