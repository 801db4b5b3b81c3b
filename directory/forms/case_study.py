"""The case-study form: validation only (the service decides what is saved)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, StringField
from wtforms.validators import Length, Optional, ValidationError

from .. import taxonomy
from ..models.case_study import MAX_FIGURES, MAX_SERVICES
from .agency import MultiCheckboxField, PlainText, _strip, _text


class FigureForm(Form):
    """One key figure: a short value ("+38 %") and what it measures ("organic leads")."""

    value = StringField(
        _l("Figure"),
        validators=[Optional(), Length(max=20), PlainText()],
        filters=[_strip],
    )
    label = StringField(
        _l("What it measures"),
        validators=[Optional(), Length(max=80), PlainText()],
        filters=[_strip],
    )

    # ``Optional`` stops at an empty field, so each half checks the other when it is given.
    def validate_value(self, field):
        """A figure needs what it measures: a number alone says nothing."""
        if not self.label.data:
            raise ValidationError(_l("Give both the figure and what it measures, or neither."))

    def validate_label(self, field):
        """What a figure measures needs the figure."""
        if not self.value.data:
            raise ValidationError(_l("Give both the figure and what it measures, or neither."))


class CaseStudyForm(FlaskForm):
    """Title, client or sector, services, challenge, results with figures, one image."""

    title = _text(_l("Title"), 120, required=True)
    client_or_sector = _text(_l("Client or sector"), 120)
    services = MultiCheckboxField(_l("Services delivered"))
    challenge = _text(_l("The challenge"), 2000, multiline=True)
    results = _text(_l("The results"), 2000, multiline=True)
    figures = FieldList(FormField(FigureForm), min_entries=MAX_FIGURES, max_entries=MAX_FIGURES)
    image = FileField(
        _l("Image (PNG, JPEG or WebP, up to 5 MB)"),
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )
    image_alt = _text(_l("Describe the image (for people who cannot see it)"), 160)
    remove_image = BooleanField(_l("Remove the current image"))
    base = HiddenField()

    def set_service_choices(self, held: list[str]) -> None:
        """Offer the agency's services (and any already chosen), else every service."""
        chosen = [s for s in (self.services.data or []) if s in taxonomy.SERVICES]
        slugs = list(dict.fromkeys([*held, *chosen])) or list(taxonomy.SERVICES)
        self.services.choices = [
            (slug, taxonomy.label(taxonomy.SERVICES, slug))
            for slug in slugs
            if slug in taxonomy.SERVICES
        ]

    def validate_services(self, field):
        """Taxonomy services only, a few at most."""
        values = field.data or []
        if any(value not in taxonomy.SERVICES for value in values):
            raise ValidationError(_l("Choose services from the list."))
        if len(values) > MAX_SERVICES:
            raise ValidationError(_l("Choose at most %(count)d services.", count=MAX_SERVICES))

    def values(self) -> dict:
        """The validated values as a draft entry's fields (no image: the service adds it)."""
        figures = [
            {"value": entry.form.value.data, "label": entry.form.label.data}
            for entry in self.figures.entries
            if entry.form.value.data
        ]
        return {
            "title": self.title.data,
            "client_or_sector": self.client_or_sector.data or None,
            "services": list(dict.fromkeys(self.services.data or [])),
            "challenge": self.challenge.data or None,
            "results": self.results.data or None,
            "figures": figures,
            "image_alt": self.image_alt.data or None,
            "remove_image": bool(self.remove_image.data),
        }


def form_data(entry: dict) -> dict:
    """Keyword data to fill a ``CaseStudyForm`` from a draft entry."""
    figures = list(entry.get("figures") or [])
    figures += [{}] * (MAX_FIGURES - len(figures))
    return {
        "title": entry.get("title"),
        "client_or_sector": entry.get("client_or_sector"),
        "services": list(entry.get("services") or []),
        "challenge": entry.get("challenge"),
        "results": entry.get("results"),
        "figures": figures[:MAX_FIGURES],
        "image_alt": entry.get("image_alt"),
    }
