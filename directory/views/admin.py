"""Program administration: certification queue, agencies, program and tier, suspension, audit,
search analytics, program charts."""

from __future__ import annotations

import math

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from .. import taxonomy
from ..auth import admin_required
from ..db import db, today
from ..forms.account import ConfirmForm
from ..forms.admin import AgencyFilterForm, ProgramForm, ReasonForm, RejectForm
from ..i18n import localized_blueprint
from ..models import Agency, AuditEntry, Certification, Membership, Office
from ..services import agencies, certifications, search_analytics
from ..services.insights import program
from ._files import send_private_file

bp = localized_blueprint("admin", __name__, "/admin")


@bp.after_request
def _private(response):
    """Personal pages: never stored by browsers or shared caches (ASVS 8.2.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


PER_PAGE = 50


def _page() -> int:
    page = request.args.get("page", 1, type=int)
    return page if page and page > 0 else 1


@bp.get("/")
@admin_required
def index():
    """Start page: what is waiting."""
    pending = db.session.scalar(
        select(func.count(Certification.id)).where(Certification.status == "pending")
    )
    return render_template("admin/index.html", pending=pending)


@bp.get("/certifications")
@admin_required
def certification_queue():
    """Certifications waiting for verification, oldest first."""
    return render_template(
        "admin/certifications.html",
        queue=certifications.pending_queue(),
        confirm=ConfirmForm(),
        reject_form=RejectForm(),
    )


def _certification(cert_id: int) -> Certification:
    found = db.session.get(Certification, cert_id)
    if found is None:
        abort(404)
    return found


@bp.post("/certifications/<int:cert_id>/verify")
@admin_required
def verify_certification(cert_id: int):
    """Accept a certification."""
    found = _certification(cert_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    certifications.verify(found, current_user)
    flash(_("Certification %(id)s verified.", id=found.certificate_id), "success")
    return redirect(url_for("admin.certification_queue"))


@bp.post("/certifications/<int:cert_id>/reject")
@admin_required
def reject_certification(cert_id: int):
    """Refuse a certification with a reason shown to the agency."""
    found = _certification(cert_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.reason.errors), "error")
        return redirect(url_for("admin.certification_queue"))
    certifications.reject(found, current_user, form.reason.data.strip())
    flash(_("Certification %(id)s rejected.", id=found.certificate_id), "success")
    return redirect(url_for("admin.certification_queue"))


@bp.get("/certifications/<int:cert_id>/proof")
@admin_required
def certification_proof(cert_id: int):
    """Download the proof attached to a certification."""
    return send_private_file(_certification(cert_id).proof_file_id)


@bp.get("/agencies")
@admin_required
def agency_list():
    """Every agency, filtered by name, status, program, tier, country, expiry; paginated."""
    form = AgencyFilterForm(request.args)
    stmt = select(Agency)
    if form.validate():
        data = form.data
        if data["q"]:
            like = "%" + data["q"].lower().replace("%", r"\%").replace("_", r"\_") + "%"
            stmt = stmt.where(func.lower(Agency.name).like(like, escape="\\"))
        for name in ("status", "program", "tier"):
            if data[name]:
                stmt = stmt.where(getattr(Agency, name) == data[name])
        if data["country"]:
            stmt = stmt.where(Agency.offices.any(Office.country == data["country"].upper()))
        if data["expiring"]:
            stmt = stmt.where(program.expiring_filter(int(data["expiring"])))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(_page(), pages)
    rows = db.session.scalars(
        stmt.order_by(func.lower(Agency.name), Agency.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "admin/agencies.html",
        form=form,
        rows=rows,
        page=page,
        pages=pages,
        total=total,
        args=args,
    )


def _agency(slug: str) -> Agency:
    found = db.session.scalar(select(Agency).where(Agency.slug == slug))
    if found is None:
        abort(404)
    return found


@bp.get("/agencies/<slug>")
@admin_required
def agency_detail(slug: str):
    """One agency: program and tier, suspension, certifications, team, recent audit entries."""
    found = _agency(slug)
    program_form = ProgramForm(
        data={
            "program": found.program,
            "tier": found.tier or "",
            "accreditations": found.accreditations,
        }
    )
    return _render_detail(found, program_form)


def _render_detail(found: Agency, program_form: ProgramForm, status: int = 200):
    members = db.session.scalars(select(Membership).where(Membership.agency_id == found.id)).all()
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.agency_id == found.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "admin/agency.html",
        agency=found,
        program_form=program_form,
        reason_form=ReasonForm(),
        members=members,
        entries=entries,
        listed=found.is_listed(),
    ), status


@bp.post("/agencies/<slug>/program")
@admin_required
def set_program(slug: str):
    """Set program, tier and accreditations (search re-ranks through the outbox)."""
    found = _agency(slug)
    form = ProgramForm()
    if not form.validate_on_submit():
        return _render_detail(found, form, 422)
    agencies.set_program(
        found,
        current_user,
        form.program.data,
        form.tier.data or None,
        form.accreditations.data or [],
    )
    flash(_("Program settings saved."), "success")
    return redirect(url_for("admin.agency_detail", slug=found.slug))


@bp.post("/agencies/<slug>/suspend")
@admin_required
def suspend(slug: str):
    """Suspend an agency with a reason."""
    return _status_change(slug, agencies.suspend, _("The agency is suspended."))


@bp.post("/agencies/<slug>/reinstate")
@admin_required
def reinstate(slug: str):
    """Reinstate a suspended agency with a reason."""
    return _status_change(slug, agencies.reinstate, _("The agency is reinstated."))


def _status_change(slug: str, action, message: str):
    found = _agency(slug)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.reason.errors), "error")
        return redirect(url_for("admin.agency_detail", slug=found.slug))
    action(found, current_user, form.reason.data.strip())
    flash(message, "success")
    return redirect(url_for("admin.agency_detail", slug=found.slug))


@bp.get("/audit")
@admin_required
def audit_log():
    """The audit log, newest first, filtered by action, actor and agency."""
    stmt = select(AuditEntry)
    action = (request.args.get("action") or "").strip()[:60]
    actor = (request.args.get("actor") or "").strip().lower()[:254]
    agency_slug = (request.args.get("agency") or "").strip()[:80]
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(func.lower(AuditEntry.actor_label).contains(actor, autoescape=True))
    if agency_slug:
        agency_id = db.session.scalar(select(Agency.id).where(Agency.slug == agency_slug))
        stmt = stmt.where(AuditEntry.agency_id == (agency_id or -1))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(_page(), pages)
    entries = db.session.scalars(
        stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    slugs = dict(
        db.session.execute(
            select(Agency.id, Agency.slug).where(
                Agency.id.in_({e.agency_id for e in entries if e.agency_id})
            )
        ).all()
    )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "admin/audit.html",
        entries=entries,
        slugs=slugs,
        page=page,
        pages=pages,
        total=total,
        args=args,
        action=action,
        actor=actor,
        agency=agency_slug,
    )


ANALYTICS_WEEKS = (4, 12, 26, 52)  # periods offered on the search analytics page


def _analytics_weeks() -> int:
    weeks = request.args.get("weeks", 12, type=int)
    return weeks if weeks in ANALYTICS_WEEKS else 12


@bp.get("/search-analytics")
@admin_required
def search_analytics_page():
    """Top queries, queries with no result or no click, and the weekly trend."""
    weeks = _analytics_weeks()
    return render_template(
        "admin/search_analytics.html",
        report=search_analytics.search_report(weeks),
        weeks=weeks,
        periods=ANALYTICS_WEEKS,
    )


@bp.get("/search-analytics.csv")
@admin_required
def search_analytics_csv():
    """One list of the search analytics as a CSV download."""
    kind = request.args.get("list", "top")
    if kind not in search_analytics.EXPORTS:
        abort(404)
    weeks = _analytics_weeks()
    report = search_analytics.search_report(weeks)
    name = f"search-{kind}-{weeks}w-{report.since.isoformat()}.csv"
    return Response(
        search_analytics.report_csv(report, kind),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _program_series() -> dict[str, dict[str, str]]:
    """The series of the program charts and their names in the current language."""
    return {
        "listing": {
            **{
                tier: taxonomy.TIERS[tier].label()
                for tier in ("elite", "diamond", "platinum", "gold")
            },
            "partner": _("%(program)s without tier", program=taxonomy.PROGRAMS["partner"].label()),
            "provider": taxonomy.PROGRAMS["provider"].label(),
        },
        "activity": {"leads": _("Requests received"), "reviews": _("Reviews published")},
    }


def _program_counts(kind: str, on):
    if kind == "listing":
        return program.listed_by_tier(on)
    return program.activity_by_week(on)


@bp.get("/insights")
@admin_required
def program_insights():
    """Program charts: listed agencies by tier, certifications expiring, leads and reviews."""
    on = today()
    names = _program_series()
    listing, activity = _program_counts("listing", on), _program_counts("activity", on)
    return render_template(
        "admin/insights.html",
        listing=listing,
        listing_chart=program.weekly_chart(listing, names["listing"], title=_("Listed agencies")),
        activity_chart=program.weekly_chart(
            activity, names["activity"], title=_("Requests and reviews")
        ),
        expiring=program.expiring_counts(on),
    )


@bp.get("/insights.csv")
@admin_required
def program_insights_csv():
    """One program chart's weekly figures as a CSV download."""
    kind = request.args.get("chart", "listing")  # the first chart of the page
    names = _program_series().get(kind)
    if names is None:
        abort(404)
    on = today()
    name = f"program-{kind}-{on.isoformat()}.csv"
    return Response(
        program.weekly_csv(_program_counts(kind, on), names),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
