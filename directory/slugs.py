"""Agency slugs: derived from names, made unique with numeric suffixes.

``unique_slug`` serves one agency at a time (sign-up); ``SlugAllocator`` a whole import.
"""

from __future__ import annotations

from slugify import slugify
from sqlalchemy import bindparam, select

from .db import db
from .models import Agency
from .validators import SLUG_MAX

CHUNK = 500


def derive_slug(name: str) -> str:
    """A URL slug from a name, transliterated (``Société Générale`` → ``societe-generale``)."""
    # An explicit backend: "auto" retries importing the optional ``unidecode`` package for
    # every non-ASCII name (about half a millisecond each), and would make slugs depend on
    # whether it happens to be installed.
    slug = slugify(
        name, max_length=SLUG_MAX, word_boundary=True, save_order=True, backend="text-unidecode"
    )
    return slug if len(slug) >= 2 else "agency"


def unique_slug(name: str) -> str:
    """A free slug derived from ``name`` (``-2``, ``-3``… on collision)."""
    base = derive_slug(name)
    slug, n = base, 1
    while db.session.scalar(select(Agency.id).where(Agency.slug == slug)) is not None:
        n += 1
        suffix = f"-{n}"
        slug = base[: SLUG_MAX - len(suffix)] + suffix
    return slug


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
# On SQLite straight through the driver: a colliding name costs one of these, and
# SQLAlchemy's per-statement work is ten times the indexed lookup's.
_SQLITE_SLUG_OWNER = "SELECT id FROM agencies WHERE slug = ?"
_SQLITE_SLUG_RANGE = "SELECT slug, id FROM agencies WHERE slug > ? AND slug < ?"


class SlugAllocator:
    """Hands out unique slugs, adding ``-2``, ``-3``… on collision, also within one batch.

    ``cursor``: the SQLite driver cursor of the current transaction (None elsewhere); the
    writer sets it for each batch.
    """

    def __init__(self) -> None:
        self.claimed: set[str] = set()
        self.owner: dict[str, int | None] = {}
        self.next_suffix: dict[str, int] = {}
        self.exact_ranges = db.session.get_bind().dialect.name == "sqlite"
        self.cursor = None

    def prefetch(self, slugs: set[str]) -> None:
        """Load which of ``slugs`` are taken, in one query per chunk."""
        wanted = [s for s in slugs if s not in self.owner]
        self.owner.update(dict.fromkeys(wanted))
        for start in range(0, len(wanted), CHUNK):
            stmt = select(_AGENCIES.c.slug, _AGENCIES.c.id).where(
                _AGENCIES.c.slug.in_(wanted[start : start + CHUNK])
            )
            self.owner.update(dict(db.session.execute(stmt).all()))

    def _holder(self, slug: str) -> int | None:
        if self.cursor is not None:
            found = self.cursor.execute(_SQLITE_SLUG_OWNER, (slug,)).fetchone()
            return found[0] if found else None
        return db.session.scalar(_SLUG_OWNER, {"slug": slug})

    def _free(self, slug: str, owner_id: int | None, known: bool = False) -> bool:
        if slug in self.claimed:
            return False
        if slug not in self.owner:
            # ``known``: a range scan already listed every taken slug of this shape.
            self.owner[slug] = None if known else self._holder(slug)
        holder = self.owner[slug]
        return holder is None or holder == owner_id

    def _first_suffix(self, base: str) -> int:
        """One past the largest numeric suffix already used on ``base`` (an index range scan)."""
        used = [1]
        if self.cursor is not None:
            rows = self.cursor.execute(_SQLITE_SLUG_RANGE, (f"{base}-", f"{base}.")).fetchall()
        elif self.exact_ranges:
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
