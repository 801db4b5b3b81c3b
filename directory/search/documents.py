"""The search document of an agency: the one place that decides what is public and searchable.

``build_documents`` reads listed agencies in a few batched queries and flattens each into the
document every backend indexes (schema in docs/search.md). Agencies that are missing or not
listed today come back as ids to delete, so a caller never has to know the listing rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import re
from collections.abc import Iterable, Iterator
from functools import cache

from flask import current_app
from sqlalchemy import func, select

from .. import geo, taxonomy
from ..db import db, today
from ..models import Agency, AgencyTag, Office, listed_filter
from .base import SerializedDocument, dumps_document

DESCRIPTION_LIMIT = 500
BATCH = 500
STAMP_FIELD = "updated"

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(^|\s)(?:[#>*+-]+|\d+\.)\s+|[*_`~]+")
_MD_ANY = re.compile(r"[\[*_`~#>]|(^|\n)\s*([+-]|\d+\.)\s")


def plain_text(source: str | None, limit: int = DESCRIPTION_LIMIT) -> str:
    """Markdown-subset text as plain words, whitespace collapsed, cut at a word boundary."""
    if not source:
        return ""
    text = source
    if _MD_ANY.search(text):
        text = _MD_LINK.sub(r"\1", text)
        text = _MD_MARKS.sub(r"\1", text)
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(" ")] if " " in cut else cut


@cache
def _service_phrases(slug: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """English and French phrases for a service: label, category label, and synonyms."""
    term = taxonomy.SERVICES.get(slug)
    if term is None:
        return (slug,), (slug,)
    category = taxonomy.CATEGORIES.get(term.category)
    en = [term.en, *(term.synonyms)]
    fr = [term.fr, *(term.synonyms)]
    if category:
        en.append(category.en)
        fr.append(category.fr)
    return tuple(dict.fromkeys(en)), tuple(dict.fromkeys(fr))


def _labels(vocabulary: dict[str, taxonomy.Term], slugs: list[str], lang: str) -> list[str]:
    return [getattr(vocabulary[s], lang) if s in vocabulary else s for s in slugs]


def _location(offices) -> tuple[list[str], list[str], list[str], list[str]]:
    """(location phrases, world regions, countries, "CC:City" values) of all offices."""
    phrases, regions, countries, cities = [], [], [], []
    for office in offices:
        code = office.country
        countries.append(code)
        continent = _continent(code)
        if continent:
            regions.append(continent)
        if office.city:
            phrases.append(office.city)
            cities.append(f"{code}:{office.city}")
        if office.region:
            phrases.append(office.region)
        phrases.extend(_country_names(code))
    unique = lambda values: list(dict.fromkeys(values))  # noqa: E731
    return unique(phrases), unique(regions), unique(countries), unique(cities)


@cache
def _continent(code: str) -> str | None:
    return geo.continent_of(code)


@cache
def _country_names(code: str) -> tuple[str, str]:
    return geo.country_name(code, "en"), geo.country_name(code, "fr")


def _fold(text: str) -> str:
    """``geo.fold``, with its result computed directly for ASCII text (most names)."""
    return text.lower().strip() if text.isascii() else geo.fold(text)


def _timestamp(value: dt.datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return int(value.timestamp())


def stamp(document: dict) -> str:
    """A short hash of the document's content (without its stamp)."""
    # Documents are built with a fixed key order, so their repr is a canonical form.
    body = repr([(k, v) for k, v in document.items() if k != STAMP_FIELD])
    return hashlib.sha1(body.encode()).hexdigest()[:12]  # noqa: S324 - change detector


def _headquarters(offices):
    for office in offices:
        if office.is_headquarters:
            return office
    return offices[0] if offices else None


def document_of(agency, tags: dict[str, list[str]], offices: list) -> dict:
    """The flat search document of one listed agency (a row), its tags by kind and offices."""
    services = tags.get("service", [])
    industries = tags.get("industry", [])
    hq = _headquarters(offices)
    location, regions, countries, cities = _location(offices)
    services_en: list[str] = []
    services_fr: list[str] = []
    for slug in services:
        en, fr = _service_phrases(slug)
        services_en.extend(en)
        services_fr.extend(fr)
    categories = [taxonomy.SERVICES[s].category for s in services if s in taxonomy.SERVICES]
    doc = {
        "id": agency.id,
        "slug": agency.slug,
        "name": agency.name,
        "tagline": agency.tagline or "",
        "description": plain_text(agency.description),
        "services_en": list(dict.fromkeys(services_en)),
        "services_fr": list(dict.fromkeys(services_fr)),
        "industries_en": _labels(taxonomy.INDUSTRIES, industries, "en"),
        "industries_fr": _labels(taxonomy.INDUSTRIES, industries, "fr"),
        "location": location,
        "service": list(services),
        "category": list(dict.fromkeys(categories)),
        "industry": list(industries),
        "language": tags.get("language", []),
        "product": tags.get("product", []),
        "client_size": tags.get("client_size", []),
        "accreditation": tags.get("accreditation", []),
        "program": agency.program,
        "tier": agency.tier,
        "tier_rank": int(taxonomy.tier_rank(agency.program, agency.tier)),
        "bayesian_score": float(agency.bayesian_score or 0.0),
        "rating_avg": None if agency.rating_avg is None else round(float(agency.rating_avg), 2),
        "review_count": int(agency.review_count or 0),
        "created_at": _timestamp(agency.created_at),
        "name_sort": _fold(agency.name),
        "world_region": regions,
        "country": countries,
        "city": cities,
        "budget_band": taxonomy.budget_band(agency.min_budget_usd),
        "_geo": (
            {"lat": float(hq.lat), "lng": float(hq.lng)}
            if hq is not None and hq.lat is not None and hq.lng is not None
            else None
        ),
    }
    iso = agency.updated_at.isoformat() if agency.updated_at else ""
    doc[STAMP_FIELD] = f"{iso}/{stamp(doc)}"
    return doc


_COLUMNS = (
    Agency.id,
    Agency.slug,
    Agency.name,
    Agency.tagline,
    Agency.description,
    Agency.program,
    Agency.tier,
    Agency.bayesian_score,
    Agency.rating_avg,
    Agency.review_count,
    Agency.created_at,
    Agency.updated_at,
    Agency.min_budget_usd,
)


def build_documents(
    agency_ids: Iterable[int], on: dt.date | None = None, session=None
) -> tuple[list[dict], list[int]]:
    """(documents of the listed agencies among ``agency_ids``, the other ids: to delete).

    Three plain queries per batch of 500 ids (agencies under the listing rule, their tags,
    their offices), no ORM objects; the rule is evaluated in SQL against ``on`` (default:
    today). ``session`` defaults to ``db.session`` (the after-commit push passes a fresh one).
    """
    wanted = sorted({int(i) for i in agency_ids})
    on = on or today()
    # Core rows straight from the connection: the ORM's result layer costs more than SQLite.
    session = (session or db.session).connection()
    docs: list[dict] = []
    found: set[int] = set()
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        rows = session.execute(
            select(*_COLUMNS).where(Agency.id.in_(chunk), listed_filter(on)).order_by(Agency.id)
        ).all()
        if not rows:
            continue
        listed = [r.id for r in rows]
        tags: dict[int, dict[str, list[str]]] = {i: {} for i in listed}
        for agency_id, kind, value in session.execute(
            select(AgencyTag.agency_id, AgencyTag.kind, AgencyTag.value)
            .where(AgencyTag.agency_id.in_(listed))
            .order_by(AgencyTag.agency_id, AgencyTag.kind, AgencyTag.position, AgencyTag.value)
        ):
            tags[agency_id].setdefault(kind, []).append(value)
        offices: dict[int, list] = {i: [] for i in listed}
        for office in session.execute(
            select(
                Office.agency_id, Office.country, Office.region, Office.city,
                Office.lat, Office.lng, Office.is_headquarters,
            )
            .where(Office.agency_id.in_(listed))
            .order_by(Office.agency_id, Office.position, Office.id)
        ):  # fmt: skip
            offices[office.agency_id].append(office)
        for row in rows:
            docs.append(document_of(row, tags[row.id], offices[row.id]))
            found.add(row.id)
    missing = [i for i in wanted if i not in found]
    return docs, missing


def iter_documents(on: dt.date | None = None, batch: int = BATCH) -> Iterator[dict]:
    """Every listed agency's document, in id order, a batch at a time (for rebuilds)."""
    on = on or today()
    last = 0
    while True:
        stmt = (
            select(Agency.id)
            .where(Agency.id > last, listed_filter(on))
            .order_by(Agency.id)
            .limit(batch)
        )
        ids = list(db.session.scalars(stmt))
        if not ids:
            return
        docs, _ = build_documents(ids, on)
        yield from docs
        last = ids[-1]


PARALLEL_FROM = 5000  # listed agencies from which a rebuild reads documents in a child process


def iter_documents_for_rebuild(on: dt.date | None = None) -> Iterator[dict]:
    """``iter_documents``, produced by a forked child process for big rebuilds.

    Reading rows and building documents takes about as long as indexing them: with a second
    core, the child reads while the caller indexes. Small directories, and platforms without
    ``fork``, use the plain iterator.
    """
    on = on or today()
    count = db.session.scalar(select(func.count()).select_from(Agency).where(listed_filter(on)))
    if count < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        yield from iter_documents(on)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    app = current_app._get_current_object()
    child = context.Process(target=_produce, args=(app, on, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                batch = receiver.recv()
            except EOFError:
                raise RuntimeError("the document reader stopped early") from None
            if batch is None:
                break
            for text in batch:
                yield SerializedDocument(json.loads(text), text)
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()


def _produce(app, on: dt.date, sender) -> None:
    """Child process: send every listed agency's document as JSON, 500 at a time, then None.

    JSON text travels faster than pickled dicts, and the embedded engine stores it as is.
    """
    db.engine.dispose(close=False)  # the parent's pooled connections are not ours
    with app.app_context():
        batch: list[str] = []
        for doc in iter_documents(on):
            batch.append(dumps_document(doc))
            if len(batch) >= BATCH:
                sender.send(batch)
                batch = []
        sender.send(batch)
        sender.send(None)
    sender.close()
