"""Case studies in the dashboard: list, add, edit, reorder, remove, all into the profile draft."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from ...auth import member_agency
from ...db import db
from ...forms.case_study import CaseStudyForm, form_data
from ...models.case_study import MAX_CASE_STUDIES
from ...services import case_studies, profile, uploads
from .blueprint import bp
from .uploading import upload_limit


def _labels(form: CaseStudyForm) -> dict[str, str]:
    labels = {name: str(form[name].label.text) for name in case_studies.EDITABLE if name in form}
    labels["figures"] = _("Key figures")
    labels["image"] = _("Image")
    return labels


def _held_services(agency) -> list[str]:
    return list(profile.current_values(agency).get("services") or [])


def _render_form(agency, form, *, entry=None, refusal=None, status=200):
    return render_template(
        "dashboard/case_studies_form.html",
        agency=agency,
        form=form,
        entry=entry,
        refusal=refusal,
        labels=_labels(form),
        max_count=MAX_CASE_STUDIES,
    ), status


def _read_image(form: CaseStudyForm):
    """The re-encoded upload, None without one; ``UploadRejected`` goes on the field."""
    storage = form.image.data
    if storage is None or not getattr(storage, "filename", ""):
        return None
    return case_studies.read_image(storage)


@bp.get("/agencies/<slug>/case-studies")
@login_required
def case_studies_page(slug: str):
    """The agency's case studies as the draft holds them, with their order and actions."""
    found = member_agency(slug)
    entries = case_studies.current_entries(found)
    return render_template(
        "dashboard/case_studies.html",
        agency=found,
        entries=entries,
        tokens={e["key"]: case_studies.sign_entry(found, e) for e in entries},
        draft=profile.draft_of(found),
        max_count=MAX_CASE_STUDIES,
    )


@bp.route("/agencies/<slug>/case-studies/new", methods=["GET", "POST"])
@login_required
@upload_limit
def new_case_study(slug: str):
    """Add a case study to the draft."""
    found = member_agency(slug)
    form = CaseStudyForm() if request.method == "POST" else CaseStudyForm(data=form_data({}))
    form.set_service_choices(_held_services(found))
    if request.method == "GET":
        return _render_form(found, form)
    if not form.validate_on_submit():
        return _render_form(found, form, status=422)
    try:
        image = _read_image(form)
    except uploads.UploadRejected as error:
        form.image.errors = [str(error)]
        return _render_form(found, form, status=422)
    result = case_studies.add(found, current_user, form.values(), image)
    if isinstance(result, case_studies.Refusal):
        return _render_form(found, form, refusal=result, status=409)
    flash(_("Case study saved in the draft. Check the preview, then publish it."), "success")
    return redirect(url_for("dashboard.case_studies_page", slug=found.slug))


@bp.route("/agencies/<slug>/case-studies/<key>", methods=["GET", "POST"])
@login_required
@upload_limit
def edit_case_study(slug: str, key: str):
    """Edit one case study of the draft; others' edits to other fields are kept."""
    found = member_agency(slug)
    entry = case_studies.find(case_studies.current_entries(found), key)
    if entry is None:
        abort(404)
    if request.method == "GET":
        form = CaseStudyForm(data=form_data(entry))
        form.base.data = case_studies.sign_entry(found, entry)
        form.set_service_choices(_held_services(found))
        return _render_form(found, form, entry=entry)
    form = CaseStudyForm()
    form.set_service_choices(_held_services(found))
    if not form.validate_on_submit():
        return _render_form(found, form, entry=entry, status=422)
    try:
        image = _read_image(form)
    except uploads.UploadRejected as error:
        form.image.errors = [str(error)]
        return _render_form(found, form, entry=entry, status=422)
    refusal = case_studies.update(found, current_user, key, form.values(), form.base.data, image)
    if refusal is not None:
        now = case_studies.find(case_studies.current_entries(found), key)
        if now is not None:
            # Keep the user's input; the new base makes a second submit a deliberate overwrite.
            form.base.data = case_studies.sign_entry(found, now)
        return _render_form(found, form, entry=now, refusal=refusal, status=409)
    flash(_("Case study saved in the draft. Check the preview, then publish it."), "success")
    return redirect(url_for("dashboard.case_studies_page", slug=found.slug))


@bp.post("/agencies/<slug>/case-studies/<key>/move")
@login_required
def move_case_study(slug: str, key: str):
    """Move a case study up or down (CSRF checked before the view, like every POST)."""
    found = member_agency(slug)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    refusal = case_studies.move(found, current_user, key, offset)
    if refusal is not None:
        flash(_refusal_message(refusal), "error")
    return redirect(url_for("dashboard.case_studies_page", slug=found.slug, _anchor=f"cs-{key}"))


@bp.post("/agencies/<slug>/case-studies/<key>/remove")
@login_required
def remove_case_study(slug: str, key: str):
    """Remove a case study from the draft, unless someone changed it since the list was read."""
    found = member_agency(slug)
    refusal = case_studies.remove(found, current_user, key, request.form.get("base"))
    if refusal is not None:
        flash(_refusal_message(refusal), "error")
    else:
        flash(_("The case study was removed from the draft."), "info")
    return redirect(url_for("dashboard.case_studies_page", slug=found.slug))


def _refusal_message(refusal: case_studies.Refusal) -> str:
    return {
        "full": _("An agency shows %(count)d case studies at most.", count=MAX_CASE_STUDIES),
        "gone": _("This case study was removed meanwhile."),
        "busy": _("The draft kept changing while you saved. Try again."),
    }.get(refusal.reason, _("Someone else changed this case study meanwhile: check it and retry."))


def _too_large_page():
    """The case-study form again, its image field saying the limit (413), or None elsewhere."""
    if request.endpoint not in ("dashboard.new_case_study", "dashboard.edit_case_study"):
        return None
    if not current_user.is_authenticated:
        return None
    try:
        found = member_agency((request.view_args or {}).get("slug", ""))
    except HTTPException:
        return None
    db.session.rollback()
    key = (request.view_args or {}).get("key")
    entry = case_studies.find(case_studies.current_entries(found), key) if key else None
    form = CaseStudyForm(formdata=None, data=form_data(entry or {}))
    if entry is not None:
        form.base.data = case_studies.sign_entry(found, entry)
    form.set_service_choices(_held_services(found))
    form.image.errors = [_("The file is larger than 5 MB.")]
    return _render_form(found, form, entry=entry, status=413)


@bp.record_once
def _register(state) -> None:
    state.app.extensions.setdefault("too_large_pages", []).append(_too_large_page)
