"""Profile drafts: edit, preview, publish, and resolve a conflict with a newer publication."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ... import taxonomy
from ...auth import member_agency
from ...forms.account import ConfirmForm
from ...forms.agency import ProfileForm
from ...listings import rating_summary
from ...services import profile
from .blueprint import bp


def _rebuild_offices(form: ProfileForm) -> None:
    """Apply the no-JavaScript "add office" / "remove office" buttons to the form."""
    rows = [
        {k: entry.form[k].data for k in ("country", "region", "city", "lat", "lng", "unlocated")}
        for entry in form.offices.entries
    ]
    hq = form.headquarters.data if isinstance(form.headquarters.data, int) else 0
    if "add_office" in request.form and len(rows) < form.offices.max_entries:
        rows.append({})
    removed = request.form.get("remove_office", type=int)
    if removed is not None and 0 <= removed < len(rows) and len(rows) > 1:
        rows.pop(removed)
        hq = 0 if removed == hq else (hq - 1 if removed < hq else hq)
    form.offices.entries = []
    form.offices.last_index = -1
    for row in rows:
        form.offices.append_entry(row)
    form.headquarters.data = min(hq, len(rows) - 1)
    form.set_office_choices()


def _render_editor(agency, form, *, conflict=None, status=200):
    return render_template(
        "dashboard/edit.html",
        agency=agency,
        form=form,
        conflict=conflict,
        labels=_field_labels(form),
        draft=profile.draft_of(agency),
    ), status


def _field_labels(form: ProfileForm) -> dict[str, str]:
    labels = {name: str(form[name].label.text) for name in profile.FIELDS if name != "offices"}
    labels["offices"] = _("Offices")
    labels["case_studies"] = _("Case studies")
    labels["version"] = _("Profile")
    return labels


@bp.route("/agencies/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_profile(slug: str):
    """Edit the profile into the draft (fields other than the profile's are ignored)."""
    found = member_agency(slug)
    if request.method == "GET":
        values = profile.current_values(found)
        form = ProfileForm(data=profile.form_data(values))
        form.base.data = profile.sign_base(found, values)
        return _render_editor(found, form)
    form = ProfileForm()
    # CSRFProtect has already refused a POST without a valid token, before this view.
    if "add_office" in request.form or "remove_office" in request.form:
        _rebuild_offices(form)  # nothing saved: the user keeps typing
        return _render_editor(found, form)
    if not form.validate_on_submit():
        return _render_editor(found, form, status=422)
    mine = profile.payload_from_form(form)
    conflict = profile.save_draft(found, current_user, mine, form.base.data)
    if conflict:
        # Keep the user's input; the new base makes a second submit a deliberate overwrite.
        form.base.data = profile.sign_base(found, profile.current_values(found))
        return _render_editor(found, form, conflict=conflict, status=409)
    flash(_("Draft saved. Check the preview, then publish it."), "success")
    return redirect(url_for("dashboard.preview", slug=found.slug))


@bp.get("/agencies/<slug>/preview")
@login_required
def preview(slug: str):
    """The public profile page as it will look once the draft is published."""
    found = member_agency(slug)
    draft = profile.draft_of(found)
    values = draft.payload if draft else profile.snapshot(found)
    shown = profile.preview_agency(found, values)
    held = set(shown.services)
    services = [
        (category, [t.slug for t in terms if t.slug in held])
        for category, terms in taxonomy.services_by_category().items()
    ]
    return render_template(
        "dashboard/preview.html",
        agency=shown,
        real=found,
        draft=draft,
        summary=rating_summary(found.id),
        reviews=[],
        page=1,
        pages=1,
        services=[(c, s) for c, s in services if s],
        certification=found.current_certification,
        meta_description="",
        structured_data=Markup("{}"),
        confirm=ConfirmForm(),
        preview=True,
    )


@bp.post("/agencies/<slug>/publish")
@login_required
def publish(slug: str):
    """Publish the draft onto the public profile, unless someone published over it meanwhile."""
    found = member_agency(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    conflict = profile.publish(found, current_user)
    if conflict is None:
        flash(_("There is no draft to publish."), "info")
    elif conflict:
        form = ProfileForm()
        return render_template(
            "dashboard/conflict.html",
            agency=found,
            conflict=conflict,
            labels=_field_labels(form),
            confirm=ConfirmForm(),
        ), 409
    else:
        flash(_("Your changes are published."), "success")
    return redirect(url_for("dashboard.agency", slug=found.slug))


@bp.post("/agencies/<slug>/draft/keep")
@login_required
def keep_draft(slug: str):
    """After a conflict: keep the draft's values over what was published meanwhile."""
    found = member_agency(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    draft = profile.draft_of(found)
    if draft is not None:
        profile.rebase_draft(found, draft, current_user)
        flash(_("Your draft now replaces the newer values. Check the preview and publish."), "info")
    return redirect(url_for("dashboard.preview", slug=found.slug))


@bp.post("/agencies/<slug>/draft/discard")
@login_required
def discard_draft(slug: str):
    """Drop the draft and start again from the published profile."""
    found = member_agency(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    profile.discard_draft(found)
    flash(_("The draft was discarded."), "info")
    return redirect(url_for("dashboard.agency", slug=found.slug))
