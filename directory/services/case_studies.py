"""Case studies: edited inside the agency's profile draft, published with it.

The draft payload holds the list under ``case_studies`` (entries as ``models.case_study``
describes them). Each change here is a function from the current list to the new one, run
against the draft as stored now and written under the draft's ``revision`` check: when
another save lands between our read and our write, the write matches no row, and the change
runs again on the winner's list. An edit carries a signed copy of the entry it was rendered
from, so a field someone else changed meanwhile is a ``Refusal`` (nothing saved), never a
silent overwrite; fields only one side changed are merged.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from PIL import Image
from sqlalchemy import String, cast, delete, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..db import db, utcnow
from ..models import Agency, AgencyDraft, CaseStudy, StoredFile, User
from ..models.case_study import CASE_STUDY_KEYS, MAX_CASE_STUDIES, new_key, payload_of
from . import uploads
from .concurrency import ATTEMPTS, lost_race
from .profile import draft_of, snapshot

IMAGE_BOX = (1200, 900)  # the largest a card or a wide screen needs (twice the card's width)
IMAGE_PURPOSE = "image"  # public, served on /files/ like logos
# The fields of an entry an edit may change (``key`` never changes).
EDITABLE = tuple(name for name in CASE_STUDY_KEYS if name != "key")


@dataclass
class Refusal:
    """Why a change was not saved: ``full``, ``gone``, ``busy`` or ``changed`` (with fields)."""

    reason: str
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)  # (name, theirs, mine)


def current_entries(agency: Agency) -> list[dict[str, Any]]:
    """What the editor shows: the draft's case studies when it has them, else the published."""
    draft = draft_of(agency)
    return _entries(agency, draft)


def _entries(agency: Agency, draft: AgencyDraft | None) -> list[dict[str, Any]]:
    if draft is not None and draft.payload.get("case_studies") is not None:
        return copy.deepcopy(draft.payload["case_studies"])
    return payload_of(agency)


def find(entries: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The entry with this key, or None."""
    return next((entry for entry in entries if entry.get("key") == key), None)


# -- signed copies of what a form was rendered from ---------------------------------------


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="case-study.base")


def sign_entry(agency: Agency, entry: dict[str, Any]) -> str:
    """The signed copy of an entry as a form shows it."""
    return _signer().dumps({"a": agency.id, "e": entry})


def read_entry(agency: Agency, token: str | None) -> dict[str, Any] | None:
    """The entry a submitted form started from; None if missing or tampered with."""
    if not token:
        return None
    try:
        data = _signer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != agency.id:
        return None
    entry = data.get("e")
    return entry if isinstance(entry, dict) else None


# -- images --------------------------------------------------------------------------------


def make_image(data: bytes) -> tuple[bytes, int, int]:
    """A clean WebP of an untrusted image, within ``IMAGE_BOX`` (the logo pipeline's checks)."""
    image = uploads.decode_image(data, enough=max(IMAGE_BOX))
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if uploads._has_alpha(image) else "RGB")
    image.thumbnail(IMAGE_BOX, Image.Resampling.LANCZOS)
    clean = uploads._clean_copy(image)
    out = io.BytesIO()
    clean.save(out, "WEBP", quality=82, method=4)
    return out.getvalue(), clean.width, clean.height


def read_image(storage) -> tuple[bytes, int, int]:
    """Check and re-encode an uploaded image (``UploadRejected`` with a user message)."""
    return make_image(uploads.read_upload(storage))


def _store_image(image: tuple[bytes, int, int]) -> dict[str, Any]:
    blob, width, height = image
    stored = uploads._store(blob, "image/webp", IMAGE_PURPOSE)
    return {"name": uploads.file_name(stored), "width": width, "height": height}


def drop_unused_images(names: set[str]) -> None:
    """Delete image files no case study and no draft refers to any more (then commit)."""
    for name in names:
        pattern = f'"{name}"'
        used = db.session.scalar(
            select(CaseStudy.id).where(cast(CaseStudy.image, String).contains(pattern)).limit(1)
        ) or db.session.scalar(
            select(AgencyDraft.agency_id)
            .where(cast(AgencyDraft.payload, String).contains(pattern))
            .limit(1)
        )
        if used is None:
            file_id = int(name.split("-", 1)[0])
            db.session.execute(
                delete(StoredFile).where(
                    StoredFile.id == file_id, StoredFile.purpose == IMAGE_PURPOSE
                )
            )
    db.session.commit()


def purge_unused_images(grace: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete image files nothing refers to (left by a publish or a discarded draft); a count.

    Files younger than ``grace`` are kept: one stored by a save still in flight is not yet
    referenced by a committed draft.
    """
    used = {s["name"] for s in db.session.scalars(select(CaseStudy.image)) if s}
    for payload in db.session.scalars(select(AgencyDraft.payload)):
        used |= _image_names((payload or {}).get("case_studies") or [])
    stale = db.session.execute(
        select(StoredFile.id, StoredFile.sha256).where(
            StoredFile.purpose == IMAGE_PURPOSE, StoredFile.created_at < utcnow() - grace
        )
    ).all()
    unused = [row.id for row in stale if f"{row.id}-{row.sha256[:16]}.webp" not in used]
    if unused:
        db.session.execute(delete(StoredFile).where(StoredFile.id.in_(unused)))
    db.session.commit()
    return len(unused)


def _image_names(entries: list[dict[str, Any]]) -> set[str]:
    return {e["image"]["name"] for e in entries if e.get("image")}


# -- changes -------------------------------------------------------------------------------

Change = Callable[[list[dict[str, Any]]], "list[dict[str, Any]] | Refusal"]


def _apply(agency: Agency, user: User, change: Change) -> Refusal | None:
    """Run ``change`` on the draft's list and save it; again on a lost race; None when saved."""
    for _attempt in range(ATTEMPTS):
        draft = draft_of(agency)
        before = _entries(agency, draft)
        after = change(copy.deepcopy(before))
        if isinstance(after, Refusal):
            db.session.rollback()  # an image stored for this attempt goes with it
            return after
        if after == before:
            return None
        try:
            _write(agency, user, draft, after)
            db.session.commit()
        except (StaleDataError, DBAPIError) as error:
            db.session.rollback()  # expires the draft: the next read sees the winner's save
            if not (lost_race(error) or _lost_first_save(error, agency)):
                raise
            continue
        drop_unused_images(_image_names(before) - _image_names(after))
        return None
    return Refusal("busy")


def _write(agency: Agency, user: User, draft: AgencyDraft | None, entries: list) -> None:
    if draft is None:
        published = snapshot(agency)
        draft = AgencyDraft(
            agency_id=agency.id, base=published, base_version=agency.version, payload=published
        )
        db.session.add(draft)
    elif "case_studies" not in draft.base:
        # A draft started before case studies were drafted: it started from the published ones.
        draft.base = {**draft.base, "case_studies": payload_of(agency)}
    draft.payload = {**draft.payload, "case_studies": entries}
    draft.updated_by_id = user.id


def _lost_first_save(error: Exception, agency: Agency) -> bool:
    return isinstance(error, IntegrityError) and draft_of(agency) is not None


def add(agency: Agency, user: User, values: dict[str, Any], image=None) -> Refusal | str:
    """Append a case study to the draft; its key, or a ``Refusal`` (``full``)."""
    key = new_key()

    def change(entries):
        if len(entries) >= MAX_CASE_STUDIES:
            return Refusal("full")
        entry = {"key": key, **{name: values.get(name) for name in EDITABLE}}
        entry["image"] = _store_image(image) if image else None
        entries.append(entry)
        return entries

    return _apply(agency, user, change) or key


def update(
    agency: Agency, user: User, key: str, mine: dict[str, Any], base_token: str | None, image=None
) -> Refusal | None:
    """Save an edit of one case study, merged with others' edits of its other fields."""
    base = read_entry(agency, base_token)

    def change(entries):
        current = find(entries, key)
        if current is None:
            return Refusal("gone")
        start = base if base is not None and base.get("key") == key else {}
        wanted = {name: mine.get(name) for name in EDITABLE}
        if image is not None:
            wanted["image"] = _store_image(image)
        elif not mine.get("remove_image"):
            wanted["image"] = start.get("image", current.get("image"))  # untouched: as shown
        theirs = {n for n in EDITABLE if start.get(n) != current.get(n)}
        ours = {n for n in EDITABLE if start.get(n) != wanted[n]}
        clash = sorted(n for n in theirs & ours if current.get(n) != wanted[n])
        if clash:
            return Refusal("changed", [(n, current.get(n), wanted[n]) for n in clash])
        current.update({n: wanted[n] for n in ours})
        return entries

    return _apply(agency, user, change)


def remove(agency: Agency, user: User, key: str, base_token: str | None) -> Refusal | None:
    """Remove a case study from the draft, unless someone changed it since the page was read."""
    base = read_entry(agency, base_token)

    def change(entries):
        current = find(entries, key)
        if current is None:
            return entries  # already gone: what the user asked for
        if base is None or base != current:
            return Refusal("changed")
        return [entry for entry in entries if entry.get("key") != key]

    return _apply(agency, user, change)


def move(agency: Agency, user: User, key: str, offset: int) -> Refusal | None:
    """Move a case study up (-1) or down (+1) in the draft's order."""

    def change(entries):
        current = find(entries, key)
        if current is None:
            return Refusal("gone")
        index = entries.index(current)
        target = min(max(index + offset, 0), len(entries) - 1)
        entries.insert(target, entries.pop(index))
        return entries

    return _apply(agency, user, change)
