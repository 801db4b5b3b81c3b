"""Writing one batch of validated import records: upsert agencies and their children.

Set-based Core statements (a handful per batch, not per agency) keep a 100,000-line import fast;
the caller wraps a batch in one transaction, so a batch is written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from operator import itemgetter

from slugify import slugify
from sqlalchemy import Date, DateTime, Table, bindparam, delete, insert, select, update

from ..db import db, utcnow
from ..models import Agency, AgencyTag, Certification, Office, Review, SearchOutbox
from .import_validation import AgencyRecord
from .ratings import aggregate, refresh_ratings

SLUG_MAX = 80
CHUNK = 500
AGENCY_COLUMNS = (
    "name",
    "tagline",
    "description",
    "website",
    "email",
    "phone",
    "founded",
    "team_size",
    "program",
    "tier",
    "status",
    "min_budget_usd",
    "hourly_rate_low_usd",
    "hourly_rate_high_usd",
)
REVIEW_CONTENT = (
    "author_name",
    "author_company",
    "rating",
    "quality",
    "schedule",
    "cost",
    "willing_to_refer",
    "title",
    "body",
    "submitted_on",
)


@dataclass
class Item:
    """One validated line waiting in a batch."""

    line: int
    record: AgencyRecord
    digest: str
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


def derive_slug(name: str) -> str:
    """A URL slug from a name, transliterated (``Société Générale`` → ``societe-generale``)."""
    # An explicit backend: "auto" retries importing the optional ``unidecode`` package for
    # every non-ASCII name (about half a millisecond each), and would make slugs depend on
    # whether it happens to be installed.
    slug = slugify(
        name, max_length=SLUG_MAX, word_boundary=True, save_order=True, backend="text-unidecode"
    )
    return slug if len(slug) >= 2 else "agency"


_AGENCIES = Agency.__table__
# Built once: constructing statements costs more than running them on an indexed column.
_SLUG_OWNER = select(_AGENCIES.c.id).where(_AGENCIES.c.slug == bindparam("slug"))
# SQLite compares text byte by byte, so "base-…" slugs form an index range. PostgreSQL's
# collations may ignore punctuation, so it gets a LIKE (slugs hold no % or _).
_SLUG_RANGE = select(_AGENCIES.c.slug, _AGENCIES.c.id).where(
    _AGENCIES.c.slug > bindparam("low"), _AGENCIES.c.slug < bindparam("high")
)
_SLUG_LIKE = select(_AGENCIES.c.slug, _AGENCIES.c.id).where(
    _AGENCIES.c.slug.like(bindparam("pattern"))
)


class SlugAllocator:
    """Hands out unique slugs, adding ``-2``, ``-3``… on collision, also within one batch."""

    def __init__(self) -> None:
        self.claimed: set[str] = set()
        self.owner: dict[str, int | None] = {}
        self.next_suffix: dict[str, int] = {}
        self.exact_ranges = db.session.get_bind().dialect.name == "sqlite"

    def prefetch(self, slugs: set[str]) -> None:
        """Load which of ``slugs`` are taken, in one query per chunk."""
        wanted = [s for s in slugs if s not in self.owner]
        self.owner.update(dict.fromkeys(wanted))
        for start in range(0, len(wanted), CHUNK):
            stmt = select(_AGENCIES.c.slug, _AGENCIES.c.id).where(
                _AGENCIES.c.slug.in_(wanted[start : start + CHUNK])
            )
            self.owner.update(dict(db.session.execute(stmt).all()))

    def _free(self, slug: str, owner_id: int | None, known: bool = False) -> bool:
        if slug in self.claimed:
            return False
        if slug not in self.owner:
            # ``known``: a range scan already listed every taken slug of this shape.
            self.owner[slug] = None if known else db.session.scalar(_SLUG_OWNER, {"slug": slug})
        holder = self.owner[slug]
        return holder is None or holder == owner_id

    def _first_suffix(self, base: str) -> int:
        """One past the largest numeric suffix already used on ``base`` (an index range scan)."""
        used = [1]
        if self.exact_ranges:
            rows = db.session.execute(_SLUG_RANGE, {"low": f"{base}-", "high": f"{base}."})
        else:
            rows = db.session.execute(_SLUG_LIKE, {"pattern": f"{base}-%"})
        for slug, agency_id in rows:
            self.owner[slug] = agency_id
            tail = slug[len(base) + 1 :]
            if tail.isdigit() and len(tail) < 9:
                used.append(int(tail))
        return max(used) + 1

    def allocate(self, base: str, owner_id: int | None = None) -> str:
        """``base`` when free (or already ``owner_id``'s), else ``base-N`` for the first free N."""
        if self._free(base, owner_id):
            self.claimed.add(base)
            return base
        n = self.next_suffix.get(base) or self._first_suffix(base)
        while True:
            suffix = f"-{n}"
            truncated = len(base) + len(suffix) > SLUG_MAX
            candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
            n += 1
            if self._free(candidate, owner_id, known=self.exact_ranges and not truncated):
                self.next_suffix[base] = n
                self.claimed.add(candidate)
                return candidate


def insert_rows(table: Table, rows: list[dict]) -> None:
    """INSERT many rows with the same keys; on SQLite straight through the driver.

    SQLAlchemy's per-row parameter processing costs as much as SQLite's own insert, and these
    rows are plain values already checked by validation. Python-side column defaults the rows
    leave out are applied as SQLAlchemy would (once per call), so a new model column with a
    default does not break this path.
    """
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    columns = list(rows[0])
    defaults = _python_defaults(table, columns)
    names = [*columns, *defaults]
    sql = (
        f'INSERT INTO "{table.name}" ({", ".join(names)}) '  # noqa: S608 - names from code
        f"VALUES ({', '.join('?' * len(names))})"
    )
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    temporal = [i for i, c in enumerate(names) if isinstance(table.c[c].type, Date | DateTime)]
    constant = tuple(defaults.values())
    if not temporal:
        conn.exec_driver_sql(sql, [values(row) + constant for row in rows])
        return
    # Dates as SQLAlchemy's SQLite types store them (the driver's own adapters are
    # deprecated); the same few dates repeat, so each is formatted once.
    formatted: dict = {None: None}
    params = []
    for row in rows:
        row_values = [*values(row), *constant]
        for i in temporal:
            value = row_values[i]
            text = formatted.get(value)
            if text is None and value is not None:
                text = formatted[value] = _sqlite_date(value)
            row_values[i] = text
        params.append(tuple(row_values))
    conn.exec_driver_sql(sql, params)


def _python_defaults(table: Table, present: list[str]) -> dict:
    """Values of the scalar or callable column defaults not given in ``present``."""
    defaults = {}
    for column in table.columns:
        default = column.default
        if column.key in present or default is None or column.primary_key:
            continue
        if default.is_scalar:
            defaults[column.key] = default.arg
        elif default.is_callable:
            defaults[column.key] = default.arg(None)  # wrapped by SQLAlchemy to take a context
    return defaults


def _sqlite_date(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()


def write_batch(items: list[Item], slugs: SlugAllocator | None = None) -> BatchOutcome:
    """Upsert a batch (distinct external ids) inside the caller's transaction.

    ``slugs`` may be shared by the batches of one import, so each colliding name is looked
    up once per file rather than once per batch.
    """
    outcome = BatchOutcome(notices=[])
    existing = _existing([item.record.external_id for item in items])
    creates: list[Item] = []
    updates: list[Item] = []
    for item in items:
        found = existing.get(item.record.external_id)
        if found is None:
            creates.append(item)
        elif found.import_hash == item.digest:
            outcome.unchanged += 1
        else:
            item.agency_id, item.slug = found.id, found.slug
            updates.append(item)
    if not creates and not updates:
        return outcome
    _assign_slugs(creates, updates, outcome, slugs or SlugAllocator())
    now = utcnow()
    _insert_agencies(creates, now)
    _update_agencies(updates, now)
    written = creates + updates
    updated_ids = [item.agency_id for item in updates]
    _replace_tags_and_offices(written, updated_ids)
    _upsert_certifications(written, updated_ids, now)
    _upsert_reviews(written, updated_ids, now)
    # New agencies got their aggregates with their row; updated ones may hold other reviews.
    refresh_ratings(updated_ids)
    outbox = [
        {"agency_id": item.agency_id, "reason": "import", "created_at": now, "attempts": 0}
        for item in written
    ]
    insert_rows(SearchOutbox.__table__, outbox)
    outcome.created, outcome.updated = len(creates), len(updates)
    return outcome


def _existing(external_ids: list[str]) -> dict:
    table = Agency.__table__
    found = {}
    for start in range(0, len(external_ids), CHUNK):
        stmt = select(table.c.external_id, table.c.id, table.c.import_hash, table.c.slug).where(
            table.c.external_id.in_(external_ids[start : start + CHUNK])
        )
        found.update({row.external_id: row for row in db.session.execute(stmt)})
    return found


def _assign_slugs(
    creates: list[Item], updates: list[Item], outcome: BatchOutcome, allocator: SlugAllocator
) -> None:
    wanted = {}
    for item in creates:
        wanted[id(item)] = item.record.slug or derive_slug(item.record.columns["name"])
    for item in updates:
        if item.record.slug and item.record.slug != item.slug:
            wanted[id(item)] = item.record.slug
        else:
            allocator.claimed.add(item.slug)  # keeps its slug: URLs and badges stay stable
    allocator.prefetch(set(wanted.values()))
    for item in creates + updates:
        base = wanted.get(id(item))
        if base is None:
            continue
        item.slug = allocator.allocate(base, item.agency_id)
        if item.record.slug and item.slug != item.record.slug:
            outcome.notices.append(
                (item.line, "slug", f"{item.record.slug!r} is taken; stored as {item.slug!r}")
            )


def _insert_agencies(creates: list[Item], now: dt.datetime) -> None:
    if not creates:
        return
    table = Agency.__table__
    rows = [
        {
            **item.record.columns,
            "external_id": item.record.external_id,
            "slug": item.slug,
            "import_hash": item.digest,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            **aggregate(item.record.reviews),
        }
        for item in creates
    ]
    insert_rows(table, rows)
    ids = _existing([item.record.external_id for item in creates])
    for item in creates:
        item.agency_id, item.created = ids[item.record.external_id].id, True


def _update_agencies(updates: list[Item], now: dt.datetime) -> None:
    if not updates:
        return
    table = Agency.__table__
    names = (*AGENCY_COLUMNS, "slug", "import_hash")
    stmt = (
        update(table)
        .where(table.c.id == bindparam("p_id"))
        # Bumping version makes an owner's concurrently open edit form fail instead of
        # silently overwriting what the import just wrote.
        .values(
            {n: bindparam(f"p_{n}") for n in names}
            | {"version": table.c.version + 1, "updated_at": now}
        )
    )
    rows = [
        {
            "p_id": item.agency_id,
            "p_slug": item.slug,
            "p_import_hash": item.digest,
            **{f"p_{n}": item.record.columns[n] for n in AGENCY_COLUMNS},
        }
        for item in updates
    ]
    db.session.execute(stmt, rows)


def _replace_tags_and_offices(written: list[Item], updated_ids: list[int]) -> None:
    """Tags and offices have no identity of their own: the line's set replaces the old one."""
    for start in range(0, len(updated_ids), CHUNK):
        chunk = updated_ids[start : start + CHUNK]
        db.session.execute(delete(AgencyTag).where(AgencyTag.agency_id.in_(chunk)))
        db.session.execute(delete(Office).where(Office.agency_id.in_(chunk)))
    tags = [
        {"agency_id": item.agency_id, "kind": kind, "value": value, "position": position}
        for item in written
        for kind, values in item.record.tags.items()
        for position, value in enumerate(values)
    ]
    offices = [
        {"agency_id": item.agency_id, **office}
        for item in written
        for office in item.record.offices
    ]
    insert_rows(AgencyTag.__table__, tags)
    insert_rows(Office.__table__, offices)


def _upsert_certifications(written: list[Item], updated_ids: list[int], now: dt.datetime) -> None:
    """Imported certifications count as verified; earlier ones are kept and expire on their own."""
    table = Certification.__table__
    existing = {}
    for start in range(0, len(updated_ids), CHUNK):
        stmt = select(table).where(table.c.agency_id.in_(updated_ids[start : start + CHUNK]))
        existing.update({(r.agency_id, r.certificate_id): r for r in db.session.execute(stmt)})
    inserts = []
    for item in written:
        cert = item.record.certification
        if cert is None:
            continue
        old = existing.get((item.agency_id, cert["certificate_id"]))
        if old is None:
            inserts.append(
                {
                    **cert,
                    "agency_id": item.agency_id,
                    "status": "verified",
                    "verified_at": now,
                    "verified_by_label": "import",
                    "reminders_sent": "",
                    "created_at": now,
                }
            )
            continue
        changes = {}
        if (old.issued_on, old.expires_on) != (cert["issued_on"], cert["expires_on"]):
            changes.update(
                issued_on=cert["issued_on"], expires_on=cert["expires_on"], reminders_sent=""
            )
        if old.status != "verified":
            changes.update(
                status="verified",
                verified_at=now,
                verified_by_label="import",
                rejection_reason=None,
            )
        if changes:
            db.session.execute(update(table).where(table.c.id == old.id).values(changes))
    insert_rows(table, inserts)


def _upsert_reviews(written: list[Item], updated_ids: list[int], now: dt.datetime) -> None:
    """Reviews are upserted on their external id; a moderator's decision is never undone."""
    table = Review.__table__
    existing = {}
    for start in range(0, len(updated_ids), CHUNK):
        stmt = select(table.c.agency_id, table.c.external_id, table.c.id).where(
            table.c.agency_id.in_(updated_ids[start : start + CHUNK]),
            table.c.external_id.is_not(None),
        )
        existing.update({(r.agency_id, r.external_id): r.id for r in db.session.execute(stmt)})
    inserts, changes = [], []
    for item in written:
        for review in item.record.reviews:
            review_id = existing.get((item.agency_id, review["external_id"]))
            if review_id is None:
                inserts.append(
                    {
                        **review,
                        "agency_id": item.agency_id,
                        "source": "imported",
                        "status": "approved",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            else:
                changes.append(
                    {"r_id": review_id, **{f"r_{name}": review[name] for name in REVIEW_CONTENT}}
                )
    insert_rows(table, inserts)
    if changes:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("r_id"))
            .values({name: bindparam(f"r_{name}") for name in REVIEW_CONTENT} | {"updated_at": now})
        )
        db.session.execute(stmt, changes)
