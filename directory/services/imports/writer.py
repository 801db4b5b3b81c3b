"""Writing one batch of import rows: upsert agencies and their children.

Set-based statements (a handful per batch, not per agency) keep a 100,000-line import fast;
the caller wraps a batch in one transaction, so a batch is written whole or not at all.
Rows arrive as plain tuples (``rows.ImportRow``); the writer adds ids, slugs,
timestamps and a new agency's rating aggregates; ``bulk`` runs the multi-row INSERTs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update

from ...db import db
from ...models import Agency, AgencyTag, CaseStudy, Certification, Office, Review, SearchOutbox
from ...models.case_study import new_key
from ...slugs import SlugAllocator, derive_slug
from ..reviews.ratings import prior as rating_prior
from ..reviews.ratings import refresh_ratings
from .bulk import Batch
from .rows import (
    CERTIFICATION_COLUMNS,
    OFFICE_COLUMNS,
    PROFILE_COLUMNS,
    RATING_COLUMNS,
    REVIEW_COLUMNS,
    TAG_COLUMNS,
    ImportRow,
    rating_aggregates,
)

CHUNK = 500  # ids per IN (…) list

AGENCY_INSERT = (
    "external_id",
    "slug",
    "import_hash",
    *PROFILE_COLUMNS,
    *RATING_COLUMNS,
    "created_at",
    "updated_at",
    "version",
)
TAG_INSERT = ("agency_id", *TAG_COLUMNS)
OFFICE_INSERT = (*OFFICE_COLUMNS, "agency_id")
CERTIFICATION_INSERT = (
    *CERTIFICATION_COLUMNS,
    "agency_id",
    "status",
    "verified_at",
    "verified_by_label",
    "reminders_sent",
    "created_at",
)
REVIEW_INSERT = (*REVIEW_COLUMNS, "agency_id", "source", "status", "created_at", "updated_at")
OUTBOX_INSERT = ("agency_id", "reason", "created_at", "attempts")


@dataclass(slots=True)
class Item:
    """One validated line waiting in a batch."""

    line: int
    row: ImportRow
    agency_id: int | None = None
    slug: str | None = None
    created: bool = False


@dataclass
class BatchOutcome:
    """What a written batch did: counts, and slug notices for the report."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notices: list[tuple[int, str, str]] | None = None


def write_batch(items: list[Item], slugs: SlugAllocator | None = None) -> BatchOutcome:
    """Upsert a batch (distinct external ids) inside the caller's transaction.

    ``slugs`` may be shared by the batches of one import, so each colliding name is looked
    up once per file rather than once per batch.
    """
    outcome = BatchOutcome(notices=[])
    batch = Batch()
    existing = _existing(batch, [item.row.external_id for item in items])
    creates: list[Item] = []
    updates: list[Item] = []
    for item in items:
        found = existing.get(item.row.external_id)
        if found is None:
            creates.append(item)
        elif found[2] == item.row.digest:
            outcome.unchanged += 1
        else:
            item.agency_id, item.slug = found[1], found[3]
            updates.append(item)
    if not creates and not updates:
        return outcome
    allocator = slugs or SlugAllocator()
    allocator.cursor = batch.cursor
    _assign_slugs(creates, updates, outcome, allocator)
    _insert_agencies(batch, creates)
    _update_agencies(batch, updates)
    written = creates + updates
    updated_ids = [item.agency_id for item in updates]
    _replace_tags_and_offices(batch, written, updated_ids)
    _upsert_certifications(batch, written, updated_ids)
    _upsert_reviews(batch, written, updated_ids)
    _replace_case_studies(batch, written, updated_ids)
    # New agencies got their aggregates with their row; updated ones may hold other reviews.
    refresh_ratings(updated_ids)
    stamp = batch.stamp
    outbox = [(item.agency_id, "import", stamp, 0) for item in written]
    batch.insert(SearchOutbox.__table__, OUTBOX_INSERT, outbox)
    outcome.created, outcome.updated = len(creates), len(updates)
    return outcome


def _existing(batch: Batch, external_ids: list[str]) -> dict[str, tuple]:
    """``external_id → (external_id, id, import_hash, slug)`` of the agencies that exist."""
    table = Agency.__table__
    found = {}
    for start in range(0, len(external_ids), CHUNK):
        chunk = external_ids[start : start + CHUNK]
        if batch.sqlite:
            sql = (
                "SELECT external_id, id, import_hash, slug FROM agencies "  # noqa: S608
                f"WHERE external_id IN ({', '.join('?' * len(chunk))})"
            )
            rows = batch.driver(sql, chunk)
        else:
            rows = batch.connection.execute(
                select(table.c.external_id, table.c.id, table.c.import_hash, table.c.slug).where(
                    table.c.external_id.in_(chunk)
                )
            )
        found.update({row[0]: row for row in rows})
    return found


def _assign_slugs(
    creates: list[Item], updates: list[Item], outcome: BatchOutcome, allocator: SlugAllocator
) -> None:
    wanted = {}
    for item in creates:
        wanted[id(item)] = item.row.slug or derive_slug(item.row.profile[0])  # the name
    for item in updates:
        if item.row.slug and item.row.slug != item.slug:
            wanted[id(item)] = item.row.slug
        else:
            allocator.claimed.add(item.slug)  # keeps its slug: URLs and badges stay stable
    allocator.prefetch(set(wanted.values()))
    for item in creates + updates:
        base = wanted.get(id(item))
        if base is None:
            continue
        item.slug = allocator.allocate(base, item.agency_id)
        if item.row.slug and item.slug != item.row.slug:
            outcome.notices.append(
                (item.line, "slug", f"{item.row.slug!r} is taken; stored as {item.slug!r}")
            )


def _insert_agencies(batch: Batch, creates: list[Item]) -> None:
    if not creates:
        return
    stamp, prior = batch.stamp, rating_prior()
    rows = [
        (
            *(item.row.external_id, item.slug, item.row.digest),
            *item.row.profile,
            *rating_aggregates(item.row.reviews, prior),  # its reviews are all approved
            *(stamp, stamp, 1),  # created_at, updated_at, version
        )
        for item in creates
    ]
    batch.insert(Agency.__table__, AGENCY_INSERT, rows)
    ids = _existing(batch, [item.row.external_id for item in creates])
    for item in creates:
        item.agency_id, item.created = ids[item.row.external_id][1], True


def _update_agencies(batch: Batch, updates: list[Item]) -> None:
    if not updates:
        return
    table = Agency.__table__
    names = (*PROFILE_COLUMNS, "slug", "import_hash")
    stmt = (
        update(table)
        .where(table.c.id == bindparam("p_id"))
        # Bumping version makes an owner's concurrently open edit form fail instead of
        # silently overwriting what the import just wrote.
        .values(
            {n: bindparam(f"p_{n}") for n in names}
            | {"version": table.c.version + 1, "updated_at": batch.now}
        )
    )
    keys = [f"p_{n}" for n in names]
    rows = [
        {
            "p_id": item.agency_id,
            **dict(zip(keys, (*item.row.profile, item.slug, item.row.digest), strict=True)),
        }
        for item in updates
    ]
    db.session.execute(stmt, rows)


def _replace_tags_and_offices(batch: Batch, written: list[Item], updated_ids: list[int]) -> None:
    """Tags and offices have no identity of their own: the line's set replaces the old one."""
    for start in range(0, len(updated_ids), CHUNK):
        chunk = updated_ids[start : start + CHUNK]
        db.session.execute(delete(AgencyTag).where(AgencyTag.agency_id.in_(chunk)))
        db.session.execute(delete(Office).where(Office.agency_id.in_(chunk)))
    tags: list[tuple] = []
    offices: list[tuple] = []
    for item in written:
        agency = (item.agency_id,)
        tags += [agency + tag for tag in item.row.tags]
        offices += [office + agency for office in item.row.offices]
    batch.insert(AgencyTag.__table__, TAG_INSERT, tags)
    batch.insert(Office.__table__, OFFICE_INSERT, offices)


def _upsert_certifications(batch: Batch, written: list[Item], updated_ids: list[int]) -> None:
    """Imported certifications count as verified; earlier ones are kept and expire on their own."""
    table = Certification.__table__
    existing = {}
    for start in range(0, len(updated_ids), CHUNK):
        stmt = select(table).where(table.c.agency_id.in_(updated_ids[start : start + CHUNK]))
        existing.update({(r.agency_id, r.certificate_id): r for r in db.session.execute(stmt)})
    stamp = batch.stamp
    inserts = []
    for item in written:
        cert = item.row.certification
        if cert is None:
            continue
        old = existing.get((item.agency_id, cert[0])) if existing else None
        if old is None:
            inserts.append((*cert, item.agency_id, "verified", stamp, "import", "", stamp))
            continue
        _update_certification(batch, old, cert)
    batch.insert(table, CERTIFICATION_INSERT, inserts)


def _update_certification(batch: Batch, old, cert: tuple) -> None:
    """New dates reset the expiry reminders; a rejected or pending one becomes verified."""
    changes = {}
    if (old.issued_on.isoformat(), old.expires_on.isoformat()) != cert[1:]:
        changes.update(
            issued_on=dt.date.fromisoformat(cert[1]),
            expires_on=dt.date.fromisoformat(cert[2]),
            reminders_sent="",
        )
    if old.status != "verified":
        changes.update(
            status="verified",
            verified_at=batch.now,
            verified_by_label="import",
            rejection_reason=None,
        )
    if changes:
        table = Certification.__table__
        db.session.execute(update(table).where(table.c.id == old.id).values(changes))


def _upsert_reviews(batch: Batch, written: list[Item], updated_ids: list[int]) -> None:
    """Reviews are upserted on their external id; a moderator's decision is never undone."""
    table = Review.__table__
    existing = {}
    for start in range(0, len(updated_ids), CHUNK):
        stmt = select(table.c.agency_id, table.c.external_id, table.c.id).where(
            table.c.agency_id.in_(updated_ids[start : start + CHUNK]),
            table.c.external_id.is_not(None),
        )
        existing.update({(r.agency_id, r.external_id): r.id for r in db.session.execute(stmt)})
    inserts: list[tuple] = []
    changes = []
    content = [f"r_{name}" for name in REVIEW_COLUMNS[1:]]
    for item in written:
        tail = (item.agency_id, "imported", "approved", batch.stamp, batch.stamp)
        if not existing:
            inserts += [review + tail for review in item.row.reviews]
            continue
        for review in item.row.reviews:
            review_id = existing.get((item.agency_id, review[0]))
            if review_id is None:
                inserts.append(review + tail)
            else:
                values = dict(zip(content, review[1:], strict=True))
                values["r_submitted_on"] = dt.date.fromisoformat(review[-1])
                changes.append({"r_id": review_id, **values})
    batch.insert(table, REVIEW_INSERT, inserts)
    if changes:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("r_id"))
            .values(
                {name: bindparam(f"r_{name}") for name in REVIEW_COLUMNS[1:]}
                | {"updated_at": batch.now}
            )
        )
        db.session.execute(stmt, changes)


def _replace_case_studies(batch: Batch, written: list[Item], updated_ids: list[int]) -> None:
    """A line with ``case_studies`` replaces the agency's; a line without leaves them alone.

    Few lines carry them, so plain Core statements (which encode the JSON columns) are enough.
    """
    given = [item for item in written if item.row.case_studies is not None]
    if not given:
        return
    updated = set(updated_ids)
    stale = [item.agency_id for item in given if item.agency_id in updated]
    for start in range(0, len(stale), CHUNK):
        chunk = stale[start : start + CHUNK]
        db.session.execute(delete(CaseStudy).where(CaseStudy.agency_id.in_(chunk)))
    rows = [
        {
            **study,
            "agency_id": item.agency_id,
            "key": new_key(),
            "position": position,
            "created_at": batch.now,
            "updated_at": batch.now,
        }
        for item in given
        for position, study in enumerate(item.row.case_studies)
    ]
    if rows:
        db.session.execute(insert(CaseStudy.__table__), rows)
