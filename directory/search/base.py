"""The search backend interface, the query/result types, and the vocabulary every engine shares.

Backends return ids, facet counts and totals; views load the rows they show in rank order.
The ranking policy (identical on every backend) is described in docs/search.md and on the
public "How ranking works" page.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

# Facet groups, in display order. OR within a group, AND across groups; counts are disjunctive.
FACETS: tuple[str, ...] = (
    "world_region",
    "country",
    "city",
    "category",
    "service",
    "industry",
    "language",
    "program",
    "tier",
    "accreditation",
    "product",
    "client_size",
    "budget_band",
)

# Facet groups whose values come by count, busiest first (the others alphabetically).
FACETS_BY_COUNT: tuple[str, ...] = ("city",)
# Values counted per facet group: countries (~250) fit; cities come busiest first.
MAX_FACET_VALUES = 500
# The "rated at least" steps the result counts agencies for (``SearchResult.rating_counts``).
RATING_STEPS: tuple[float, ...] = (4.5, 4.0, 3.5, 3.0)
RATING_FIELD = "rating_avg"

# Searchable document attributes, highest weight first (the attributeRank rule).
SEARCHABLE_FIELDS: tuple[str, ...] = (
    "name",
    "services_en",
    "services_fr",
    "tagline",
    "location",
    "industries_en",
    "industries_fr",
    "description",
)
# Attributes a hit carries highlights for (``SearchHit.highlights``).
HIGHLIGHTED_FIELDS: tuple[str, ...] = ("name", "tagline")
# The ranking policy of every backend, in Meilisearch's terms (see docs/search.md).
RANKING_RULES: tuple[str, ...] = (
    "words",
    "typo",
    "proximity",
    "attributeRank",
    "sort",
    "tier_rank:desc",
    "bayesian_score:desc",
    "wordPosition",
    "exactness",
)

SORTS: tuple[str, ...] = ("relevance", "rating", "reviews", "name", "newest", "distance")
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class SearchQuery:
    """A validated search request: text, filters, sort and page.

    ``filters`` maps a facet name from ``FACETS`` (also the document attribute's name) to the
    tuple of selected values; values are validated against the known vocabularies before
    reaching a backend. ``min_rating`` keeps agencies whose ``rating_avg`` is at least that
    (unrated ones never pass). ``text`` is plain words: no operator or quote has a meaning.
    The semantics every backend implements are in docs/search.md.
    """

    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    min_rating: float | None = None
    sort: str = "relevance"
    near: tuple[float, float] | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    facets: tuple[str, ...] = FACETS
    highlight: bool = True
    # When no agency has every word: drop the least informative words until some match
    # (``search.relaxation``). False asks for every word or nothing.
    relax: bool = True

    @property
    def offset(self) -> int:
        """Index of the first hit of the page."""
        return (self.page - 1) * self.per_page


@dataclass
class SearchHit:
    """One result: the agency id, and what the engine knows about the match."""

    id: int
    highlights: dict[str, str] = field(default_factory=dict)  # field -> HTML-safe snippet
    distance_km: float | None = None


@dataclass
class SearchResult:
    """A page of hits, the exact total, and disjunctive facet counts."""

    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    rating_counts: dict[str, int] = field(default_factory=dict)  # "4" -> agencies rated ≥ 4
    took_ms: float = 0.0
    backend: str = ""
    degraded: bool = False  # True when a fallback engine answered
    # True when no agency matched every word and the hits match fewer: the words in
    # ``ignored`` (folded, as the engines read them) were dropped, least informative first
    # (``search.relaxation``); at least one word is always kept.
    relaxed: bool = False
    ignored: tuple[str, ...] = ()

    @property
    def pages(self) -> int:
        """Number of pages for the total."""
        return max(1, -(-self.total // self.per_page))


class SearchUnavailable(Exception):
    """The engine cannot answer now (down, slow, 5xx); writes stay in the outbox."""


class SearchBackend(abc.ABC):
    """What every search engine implements. Documents come from ``search.documents``."""

    name: str = "abstract"

    @abc.abstractmethod
    def apply_settings(self) -> None:
        """Create the index if needed and apply searchable/filterable/ranking settings."""

    @abc.abstractmethod
    def upsert(self, documents: list[dict]) -> None:
        """Insert or replace whole documents (by ``id``)."""

    @abc.abstractmethod
    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents; unknown ids are ignored."""

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Run a query; raise ``SearchUnavailable`` when the engine cannot answer."""

    @abc.abstractmethod
    def count(self) -> int:
        """Number of documents in the live index."""

    @abc.abstractmethod
    def health(self) -> tuple[bool, str]:
        """(ok, detail) for /healthz."""

    @abc.abstractmethod
    def stamps(self) -> dict[int, str]:
        """Map of document id → update stamp, to compare the index with the database."""

    @abc.abstractmethod
    def rebuild(self, documents: Iterable[dict]) -> int:
        """Build a fresh index from ``documents`` and swap it in without downtime."""


def dumps_document(document: dict) -> str:
    """A document as compact JSON (what the embedded engine stores)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


class SerializedDocument(dict):
    """A document that carries its ``dumps_document`` text, so it is not serialized twice."""

    __slots__ = ("json",)

    def __init__(self, document: dict, text: str):
        super().__init__(document)
        self.json = text
