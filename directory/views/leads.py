"""Leads: prospects contact an agency or get matched; members work their inbox; admins watch.

Every page lives under ``/<lang>/``. Members reach an agency's leads through ``member_agency``
(404 for anyone else) and administrators through ``admin_required``.
"""

from __future__ import annotations

from flask import Response, abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import admin_required, member_agency
from ..db import db, today
from ..extensions import limiter
from ..forms.leads import (
    CRITERIA_FIELDS,
    MAX_CHOSEN_AGENCIES,
    TIMELINE_LABELS,
    ContactForm,
    LeadPreferencesForm,
    LeadStatusForm,
    MatchCriteriaForm,
    MatchSendForm,
    SpamForm,
)
from ..geo import country_name, is_country, language_name, region_name
from ..i18n import localized_blueprint
from ..models import Agency, Lead, listed_filter
from ..models.lead import LEAD_STATUSES
from ..services.leads import inbox as lead_inbox
from ..services.leads import intake as lead_intake
from ..services.leads.matching import Brief, match_agencies, reason_text
from ..taxonomy import BUDGET_BANDS, CLIENT_SIZES, INDUSTRIES, PRODUCTS, SERVICES, label

bp = localized_blueprint("leads", __name__)

# Successful requests per IP and per prospect email; failed attempts have their own, looser cap.
IP_LIMIT = "5/hour"
IP_ATTEMPT_LIMIT = "30/hour"
EMAIL_LIMIT = "3/day"


def _succeeded(response: Response) -> bool:
    return response.status_code == 303


def _email_key(scope: str):
    """Rate-limit key: the posted email (lower-cased), with the agency for contact requests."""

    def key() -> str:
        email = (request.form.get("email") or "").strip().lower()[:254]
        slug = (request.view_args or {}).get("slug", "")
        return f"lead-email:{scope}:{slug}:{email}"

    return key


def _limited(scope: str):
    """The three limits of a lead-sending endpoint (POST only)."""

    def decorate(view):
        post = {"methods": ["POST"]}
        view = limiter.limit(
            EMAIL_LIMIT, key_func=_email_key(scope), deduct_when=_succeeded, **post
        )(view)
        view = limiter.limit(IP_LIMIT, deduct_when=_succeeded, **post)(view)
        return limiter.limit(IP_ATTEMPT_LIMIT, **post)(view)

    return decorate


@bp.after_request
def _private(response: Response) -> Response:
    # Lead pages carry personal data or CSRF tokens: never stored by shared caches.
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def lead_contact_form(form: ContactForm | None = None) -> ContactForm:
    """The contact form for the profile page's include (a fresh one unless given)."""
    return form or ContactForm(formdata=None)


def lead_reason_text(reason: dict) -> str:
    """A stored match reason in the current language."""
    return reason_text(reason)


_VOCABULARIES = {
    "service": SERVICES,
    "industry": INDUSTRIES,
    "product": PRODUCTS,
    "client_size": CLIENT_SIZES,
    "budget": BUDGET_BANDS,
}


def lead_label(kind: str, value: str | None) -> str:
    """Localized label of a stored lead value (service slug, country code, timeline…)."""
    if not value:
        return ""
    if kind == "country":
        return country_name(value) if is_country(value) else value
    if kind == "region":
        return region_name(value)
    if kind == "language":
        return language_name(value)
    if kind == "timeline":
        return str(TIMELINE_LABELS.get(value, value))
    return label(_VOCABULARIES[kind], value)


def lead_labels(kind: str, values) -> str:
    """Several labels, comma-separated."""
    return ", ".join(lead_label(kind, value) for value in values or ())


def lead_profile_url(agency: Agency) -> str:
    """The agency's public profile."""
    return url_for("public.agency", slug=agency.slug)


def _listed_agency(slug: str) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.slug == slug, listed_filter()))
    if agency is None:
        abort(404)
    return agency


def _prospect(form) -> dict:
    """Who is asking and what they said; the match flow adds its criteria itself."""
    data = {name: form[name].data for name in ("name", "email", "company", "message")}
    for name in ("company_size", "country", "services", "budget_band", "timeline"):
        if name in form:
            data[name] = form[name].data or None
    return data


# --- contact one agency ----------------------------------------------------------------------


@bp.route("/agencies/<slug>/contact", methods=["GET", "POST"])
@_limited("contact")
def contact(slug: str):
    """The contact form (also embedded in the profile); POST records the lead."""
    agency = _listed_agency(slug)
    form = ContactForm()
    if request.method == "POST":
        if form.is_spam():
            return redirect(url_for(".contact_sent", slug=slug), 303)
        if form.validate():
            lead_intake.create_contact_lead(agency, _prospect(form), locale=g.lang)
            return redirect(url_for(".contact_sent", slug=slug), 303)
    status = 422 if form.errors else 200
    return render_template("leads/contact.html", agency=agency, form=form), status


@bp.get("/agencies/<slug>/contact/sent")
def contact_sent(slug: str):
    """Thanks page after a contact request."""
    return render_template("leads/contact_sent.html", agency=_listed_agency(slug))


# --- get matched -----------------------------------------------------------------------------


def _prefill(args) -> dict:
    services = [s for s in args.getlist("services") if s in SERVICES]
    return {"services": services} if services else {}


def _criteria_data(form: MatchCriteriaForm) -> dict:
    return {name: form[name].data for name in CRITERIA_FIELDS}


@bp.route("/match", methods=["GET", "POST"])
def match():
    """Step 1: describe the need. POST: the proposals, to choose from, and the contact form."""
    if request.method == "GET":
        form = MatchCriteriaForm(formdata=None, data=_prefill(request.args))
        return render_template("leads/match.html", form=form)
    form = MatchCriteriaForm()
    if request.form.get("edit"):
        # "Change my answers" from step 2: the same criteria, back in the step 1 form.
        return render_template("leads/match.html", form=form)
    if not form.validate():
        return render_template("leads/match.html", form=form), 422
    proposals = match_agencies(Brief.from_criteria(form.criteria()))
    # Nothing is ticked: the prospect chooses who receives the brief.
    data = _criteria_data(form) | {"agencies": []}
    send_form = MatchSendForm(formdata=None, data=data, proposals=proposals)
    return _results(send_form, proposals)


def _results(form: MatchSendForm, proposals, status: int = 200):
    return (
        render_template(
            "leads/match_results.html",
            form=form,
            proposals=proposals,
            criteria_fields=CRITERIA_FIELDS,
            max_chosen=MAX_CHOSEN_AGENCIES,
        ),
        status,
    )


# The site navigation links to "Get matched" under this name too.
bp.add_url_rule("/match", endpoint="get_matched", view_func=match, methods=["GET"])


@bp.post("/match/send")
@_limited("match")
def match_send():
    """Step 2: criteria re-validated, proposals recomputed, chosen agencies checked, leads sent."""
    criteria_form = MatchCriteriaForm()
    if not criteria_form.validate():
        return render_template("leads/match.html", form=criteria_form), 422
    criteria = criteria_form.criteria()
    proposals = match_agencies(Brief.from_criteria(criteria))
    form = MatchSendForm(proposals=proposals)
    if form.is_spam():
        return redirect(url_for(".match_sent"), 303)
    if form.validate():
        shared = ("country", "company_size", "services", "budget_band", "timeline")
        prospect = _prospect(form) | {name: criteria[name] for name in shared}
        lead_intake.create_match_leads(
            proposals, form.agencies.data, prospect, criteria, locale=g.lang
        )
        return redirect(url_for(".match_sent"), 303)
    return _results(form, proposals, 422)


@bp.get("/match/sent")
def match_sent():
    """Thanks page after sending a match brief."""
    return render_template("leads/match_sent.html")


# --- agency inbox ----------------------------------------------------------------------------


def _member_lead(slug: str, lead_id: int) -> tuple[Agency, Lead]:
    agency = member_agency(slug)
    lead = lead_inbox.agency_lead(agency, lead_id)
    if lead is None:
        abort(404)
    return agency, lead


@bp.get("/dashboard/<slug>/leads")
def inbox(slug: str):
    """The agency's leads in tabs (new, replied, archived), with monthly counts."""
    agency = member_agency(slug)
    status = request.args.get("status", "new")
    if status not in LEAD_STATUSES:
        status = "new"
    page = request.args.get("page", 1, type=int) or 1
    leads = lead_inbox.inbox_page(agency, status, page)
    return render_template(
        "leads/inbox.html",
        agency=agency,
        status=status,
        page=page,
        leads=leads,
        has_more=len(leads) == lead_inbox.INBOX_PAGE_SIZE,
        counts=lead_inbox.inbox_counts(agency),
        monthly=lead_inbox.monthly_counts(agency),
        status_form=LeadStatusForm(formdata=None),
    )


@bp.get("/dashboard/<slug>/leads/<int:lead_id>")
def detail(slug: str, lead_id: int):
    """One lead, with the buttons that move it between tabs."""
    agency, lead = _member_lead(slug, lead_id)
    return render_template(
        "leads/detail.html", agency=agency, lead=lead, status_form=LeadStatusForm(formdata=None)
    )


@bp.post("/dashboard/<slug>/leads/<int:lead_id>/status")
def set_status(slug: str, lead_id: int):
    """Move a lead to another tab, then back to where the member was."""
    agency, lead = _member_lead(slug, lead_id)
    form = LeadStatusForm()
    if not form.validate():
        abort(400)
    lead_intake.set_lead_status(lead, form.status.data)
    return redirect(url_for(".inbox", slug=agency.slug, status=lead.status), 303)


@bp.get("/dashboard/<slug>/leads/export.csv")
def export_csv(slug: str):
    """Every visible lead of the agency as CSV (formula-safe)."""
    agency = member_agency(slug)
    body = "\ufeff" + lead_inbox.leads_csv(lead_inbox.export_leads(agency))
    name = f"leads-{agency.slug}-{today().isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/dashboard/<slug>/leads/preferences", methods=["GET", "POST"])
def preferences(slug: str):
    """The member's lead notification choices for this agency."""
    agency = member_agency(slug)
    form = LeadPreferencesForm()
    if form.validate_on_submit():
        lead_intake.save_lead_preferences(current_user, agency, form.email_on_new.data)
        return redirect(url_for(".preferences", slug=agency.slug, saved=1), 303)
    if request.method == "GET":
        form.email_on_new.data = lead_intake.wants_lead_email(current_user, agency)
    return render_template(
        "leads/preferences.html",
        agency=agency,
        form=form,
        saved=request.args.get("saved") == "1",
        is_member=current_user.role_in(agency.id) is not None,
    )


# --- administration --------------------------------------------------------------------------


@bp.get("/admin/leads")
@admin_required
def admin_volume():
    """Lead volume per agency, last 30 days and all time, sortable."""
    sort = request.args.get("sort", "recent")
    if sort not in lead_inbox.VOLUME_SORTS:
        sort = "recent"
    descending = request.args.get("dir", "asc" if sort == "name" else "desc") != "asc"
    rows = lead_inbox.lead_volume(sort, descending)
    return render_template("leads/admin_volume.html", rows=rows, sort=sort, descending=descending)


@bp.get("/admin/leads/recent")
@admin_required
def admin_recent():
    """The newest leads (spam-flagged included), optionally of one agency."""
    agency = None
    slug = request.args.get("agency")
    if slug:
        agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
        if agency is None:
            abort(404)
    leads = lead_inbox.recent_leads(agency.id if agency else None)
    return render_template(
        "leads/admin_recent.html", leads=leads, agency=agency, spam_form=SpamForm(formdata=None)
    )


@bp.get("/admin/leads/<int:lead_id>")
@admin_required
def admin_detail(lead_id: int):
    """One lead as administrators see it (spam-flagged included)."""
    lead = db.get_or_404(Lead, lead_id)
    return render_template(
        "leads/detail.html",
        agency=lead.agency,
        lead=lead,
        admin=True,
        spam_form=SpamForm(formdata=None),
    )


@bp.post("/admin/leads/<int:lead_id>/spam")
@admin_required
def admin_flag_spam(lead_id: int):
    """Flag a lead as spam (hidden from the agency) or clear the flag."""
    lead = db.get_or_404(Lead, lead_id)
    form = SpamForm()
    if not form.validate():
        abort(400)
    lead_intake.flag_spam(lead, form.spam.data == "1", current_user)
    return redirect(url_for(".admin_detail", lead_id=lead.id), 303)
