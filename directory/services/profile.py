"""Profile drafts: save edits into a draft, preview it, publish it onto the agency.

Nothing is overwritten silently. The edit form carries a signed copy of the values it was
rendered with (``base``); saving compares it with the draft now stored: changes by others to
other fields are merged, changes to the same fields are a conflict. Publishing compares the
published profile the draft started from with the profile now.

Two requests at the same moment are settled by the database, not by the reads: the draft's
``revision`` and the agency's ``version`` are version counters checked in every UPDATE and
DELETE (compare-and-swap), and two first saves meet the draft's primary key. A save that
loses re-reads the draft and merges again (so both edits are kept, or the clash is shown);
a publish that loses shows the conflict page; nothing is ever overwritten silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import geo
from ..db import db, utcnow
from ..models import Agency, AgencyDraft, Office, User
from ..models.case_study import apply_entries, payload_of, transient_entries
from .audit import record
from .concurrency import ATTEMPTS, commit_or_conflict, lost_race

COLUMNS = (
    "name",
    "tagline",
    "description",
    "website",
    "email",
    "phone",
    "founded",
    "team_size",
    "min_budget_usd",
    "hourly_rate_low_usd",
    "hourly_rate_high_usd",
)
TAGS = ("services", "industries", "products", "client_sizes", "languages")
FIELDS = (*COLUMNS, *TAGS, "offices")
OFFICE_KEYS = ("country", "region", "city", "lat", "lng", "headquarters")


@dataclass
class Conflict:
    """Fields changed both by someone else and in this edit: (field, theirs, mine)."""

    fields: list[tuple[str, Any, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields)


def snapshot(agency: Agency) -> dict[str, Any]:
    """The editable public profile of an agency as plain JSON values."""
    data: dict[str, Any] = {name: getattr(agency, name) for name in COLUMNS}
    for name in TAGS:
        data[name] = list(getattr(agency, name))
    hq = agency.headquarters
    data["offices"] = [
        {
            "country": o.country,
            "region": o.region,
            "city": o.city,
            "lat": o.lat,
            "lng": o.lng,
            "headquarters": o is hq,
        }
        for o in agency.offices
    ]
    data["case_studies"] = payload_of(agency)
    return data


def payload_from_form(form) -> dict[str, Any]:
    """The profile fields of a validated ``ProfileForm`` (and nothing else: no tier, no status)."""
    data: dict[str, Any] = {}
    for name in COLUMNS:
        value = getattr(form, name).data
        data[name] = value if value not in ("",) else None
    for name in TAGS:
        data[name] = list(dict.fromkeys(getattr(form, name).data or []))
    hq = form.headquarters.data or 0
    data["offices"] = [
        _office_payload(entry.form, i == hq) for i, entry in enumerate(form.offices.entries)
    ]
    return data


def _office_payload(office, headquarters: bool) -> dict[str, Any]:
    """One validated office row: coordinates typed by hand, else those its city gave."""
    point = getattr(office, "point", None) or (office.lat.data, office.lng.data)
    return {
        "country": office.country.data,
        "region": office.region.data or None,
        "city": office.city.data or None,
        "lat": point[0],
        "lng": point[1],
        "headquarters": headquarters,
    }


def _office_form_data(office: dict[str, Any]) -> dict[str, Any]:
    """An office as the editor shows it: the "by hand" fields hold only hand-typed coordinates."""
    row = {k: office.get(k) for k in ("country", "region", "city", "lat", "lng")}
    if geo.placed_automatically(office):
        row["lat"] = row["lng"] = None  # found again from the city on save, so a move follows
    elif row["lat"] is None and row["city"] and not geo.locate_office(row["city"], row["country"]):
        row["unlocated"] = True  # saved deliberately off the map
    return row


def form_data(payload: dict[str, Any]) -> dict[str, Any]:
    """Keyword data to fill a ``ProfileForm`` from a payload."""
    data = {k: v for k, v in payload.items() if k != "offices"}
    data["offices"] = [_office_form_data(o) for o in payload["offices"]]
    data["headquarters"] = next(
        (i for i, o in enumerate(payload["offices"]) if o.get("headquarters")), 0
    )
    return data


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="profile.base")


def sign_base(agency: Agency, payload: dict[str, Any]) -> str:
    """The signed copy of the values an edit form starts from."""
    return _signer().dumps({"a": agency.id, "p": payload})


def read_base(agency: Agency, token: str | None) -> dict[str, Any] | None:
    """The values the submitted form started from; None if missing or tampered with."""
    if not token:
        return None
    try:
        data = _signer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != agency.id:
        return None
    return data.get("p")


def draft_of(agency: Agency) -> AgencyDraft | None:
    """The agency's pending draft, if any."""
    return db.session.get(AgencyDraft, agency.id)


def current_values(agency: Agency) -> dict[str, Any]:
    """What the editor shows: the draft when there is one, else the published profile."""
    draft = draft_of(agency)
    return dict(draft.payload) if draft else snapshot(agency)


def changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Names of the fields whose values differ."""
    return {name for name in (*FIELDS, "case_studies") if before.get(name) != after.get(name)}


def _office_edit(office: dict[str, Any]) -> tuple:
    """What a person edits in an office: coordinates count only when typed by hand."""
    automatic = office.get("lat") is None or geo.placed_automatically(office)
    point = None if automatic else (office.get("lat"), office.get("lng"))
    keys = ("country", "region", "city")
    return (*(office.get(k) for k in keys), bool(office.get("headquarters")), point)


def _same_edit(name: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Equal as edits: offices placed again from the same city are not an edit of the offices."""
    if name != "offices":
        return before.get(name) == after.get(name)
    return [_office_edit(o) for o in before.get(name) or []] == [
        _office_edit(o) for o in after.get(name) or []
    ]


def _edited(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Names of the fields a person changed (``changed``, less re-found office positions)."""
    return {name for name in changed(before, after) if not _same_edit(name, before, after)}


def _merge(base, current, mine) -> tuple[dict[str, Any] | None, Conflict]:
    """Three-way merge of ``mine`` onto ``current``, both edited from ``base``."""
    theirs = _edited(base, current)
    ours = _edited(base, mine)
    clash = sorted(f for f in theirs & ours if not _same_edit(f, current, mine))
    if clash:
        return None, Conflict([(f, current.get(f), mine.get(f)) for f in clash])
    merged = dict(current)
    merged.update({f: mine[f] for f in ours})
    return merged, Conflict()


def save_draft(agency: Agency, user: User, mine: dict[str, Any], base_token: str | None):
    """Save an edit into the agency's draft; a ``Conflict`` (nothing saved) when it clashes.

    When another save lands between our read and our write, the version check (or the primary
    key, for two first saves) refuses ours; we re-read the draft and merge again.
    """
    base = read_base(agency, base_token)
    for _attempt in range(ATTEMPTS):
        # Hold the row we merge onto: its revision is the one the UPDATE must still find.
        draft = draft_of(agency)
        current = dict(draft.payload) if draft else snapshot(agency)
        # The profile form has no case studies: they stay as it saw them (services.case_studies).
        mine = {"case_studies": (base or current).get("case_studies"), **mine}
        start = base if base is not None else (current if current == mine else {})
        merged, conflict = _merge(start, current, mine) if start != current else (mine, Conflict())
        if conflict:
            return conflict
        try:
            _write_draft(agency, user, draft, merged)
            db.session.commit()
        except (StaleDataError, DBAPIError) as error:
            db.session.rollback()  # expires the draft: the next read sees the winner's save
            if not (lost_race(error) or _lost_first_save(error, agency)):
                raise
            continue
        return Conflict()
    return Conflict([("version", None, None)])


def _write_draft(
    agency: Agency, user: User, draft: AgencyDraft | None, values: dict[str, Any]
) -> None:
    if draft is None:
        draft = AgencyDraft(agency_id=agency.id, base=snapshot(agency), base_version=agency.version)
        db.session.add(draft)
    draft.payload = values
    draft.updated_by_id = user.id


def _lost_first_save(error: Exception, agency: Agency) -> bool:
    """Whether an INSERT failed because another request created the draft meanwhile."""
    return isinstance(error, IntegrityError) and draft_of(agency) is not None


def publish_conflict(agency: Agency, draft: AgencyDraft) -> Conflict:
    """Fields published by someone else since the draft started that the draft also changes."""
    now = snapshot(agency)
    if now == draft.base:
        return Conflict()
    _merged, conflict = _merge(draft.base, now, draft.payload)
    return conflict


def rebase_draft(agency: Agency, draft: AgencyDraft, user: User) -> None:
    """Keep the draft's values over what others published (an explicit choice after a conflict)."""
    draft.base = snapshot(agency)
    draft.base_version = agency.version
    draft.updated_by_id = user.id
    commit_or_conflict()


def discard_draft(agency: Agency) -> None:
    """Drop the pending draft (``WriteConflict`` if someone saved it meanwhile)."""
    draft = draft_of(agency)
    if draft is not None:
        db.session.delete(draft)
        commit_or_conflict()


def apply_payload(agency: Agency, values: dict[str, Any], names: set[str]) -> None:
    """Copy the named fields of a payload onto the agency (offices replaced as a whole)."""
    for name in COLUMNS:
        if name in names:
            setattr(agency, name, values.get(name))
    for name in TAGS:
        if name in names:
            setattr(agency, name, values.get(name) or [])
    if "case_studies" in names and values.get("case_studies") is not None:
        apply_entries(agency, values["case_studies"])
    if "offices" in names:
        agency.offices.clear()
        for position, office in enumerate(values["offices"]):
            agency.offices.append(
                Office(
                    country=office["country"],
                    region=office.get("region"),
                    city=office.get("city"),
                    lat=office.get("lat"),
                    lng=office.get("lng"),
                    is_headquarters=bool(office.get("headquarters")),
                    position=position,
                )
            )


def publish(agency: Agency, user: User) -> Conflict | None:
    """Publish the draft: copy the fields it changed onto the agency; None if no draft.

    A first publish takes a new agency out of ``draft`` status (it is listed once its
    certification is verified). A suspended agency stays suspended.
    """
    draft = draft_of(agency)
    if draft is None:
        return None
    conflict = publish_conflict(agency, draft)
    if conflict:
        return conflict
    try:
        _apply_draft(agency, user, draft)
        db.session.commit()
    except (StaleDataError, DBAPIError) as error:
        # Someone published, or saved the draft, between our read and our write.
        db.session.rollback()
        if not lost_race(error):
            raise
        return Conflict([("version", None, None)])
    return Conflict()


def _apply_draft(agency: Agency, user: User, draft: AgencyDraft) -> None:
    """Copy the draft's changed fields onto the agency, audit them, drop the draft."""
    before = snapshot(agency)
    names = changed(draft.base, draft.payload)
    old_status = agency.status
    apply_payload(agency, draft.payload, names)
    if agency.status == "draft":
        agency.status = "published"
    agency.updated_at = utcnow()  # always an UPDATE, so the version moves and guards the row
    after = snapshot(agency)
    audit_before = {k: before[k] for k in names}
    audit_after = {k: after[k] for k in names}
    if old_status != agency.status:
        audit_before["status"], audit_after["status"] = old_status, agency.status
    record(
        "profile.published",
        actor=user,
        agency_id=agency.id,
        target=f"agency:{agency.slug}",
        before=audit_before,
        after=audit_after,
    )
    db.session.delete(draft)


def preview_agency(agency: Agency, payload: dict[str, Any]) -> Agency:
    """A transient copy of the agency showing the draft (never added to the session)."""
    copy = Agency(
        slug=agency.slug,
        program=agency.program,
        tier=agency.tier,
        status=agency.status,
        logo=agency.logo,
        review_count=agency.review_count,
        rating_avg=agency.rating_avg,
    )
    copy.accreditations = agency.accreditations
    studies = payload.get("case_studies")  # None in a draft started before case studies
    copy.case_studies = transient_entries(payload_of(agency) if studies is None else studies)
    for name in COLUMNS:
        setattr(copy, name, payload.get(name))
    for name in TAGS:
        setattr(copy, name, payload.get(name) or [])
    for position, office in enumerate(payload["offices"]):
        copy.offices.append(
            Office(
                country=office["country"],
                region=office.get("region"),
                city=office.get("city"),
                lat=office.get("lat"),
                lng=office.get("lng"),
                is_headquarters=bool(office.get("headquarters")),
                position=position,
            )
        )
    return copy
