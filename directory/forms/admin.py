"""Administration forms: certification decisions, program settings, suspension, filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import taxonomy
from .agency import MultiCheckboxField, PlainText, _vocabulary


class RejectForm(FlaskForm):
    """Refuse a certification: the reason is shown to the agency."""

    reason = TextAreaField(
        _l("Reason (shown to the agency)"),
        validators=[
            DataRequired(message=_l("Give a reason.")),
            Length(max=500, message=_l("At most %(max)d characters, please.", max=500)),
            PlainText(multiline=True),
        ],
    )


class ReasonForm(RejectForm):
    """Suspend or reinstate with a reason."""


class ProgramForm(FlaskForm):
    """Program, tier and accreditations of an agency."""

    program = SelectField(_l("Program"))
    tier = SelectField(_l("Tier"), validators=[Optional()])
    accreditations = MultiCheckboxField(_l("Accreditations"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.program.choices = _vocabulary(taxonomy.PROGRAMS)
        self.tier.choices = [("", _l("No tier")), *_vocabulary(taxonomy.TIERS)]
        self.accreditations.choices = _vocabulary(taxonomy.ACCREDITATIONS)

    def validate_tier(self, field):
        """Only partners have a tier."""
        if field.data and self.program.data != "partner":
            raise ValidationError(_l("Only solutions partners have a tier."))


class AgencyFilterForm(FlaskForm):
    """Filters of the agency list (GET, no CSRF needed: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    status = SelectField(_l("Status"), validators=[Optional()])
    program = SelectField(_l("Program"), validators=[Optional()])
    tier = SelectField(_l("Tier"), validators=[Optional()])
    country = StringField(_l("Country (ISO code)"), validators=[Optional(), Length(max=2)])
    # The program charts (admin/insights) link here with 30, 60 or 90.
    expiring = SelectField(_l("Certification expires within"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        any_ = ("", _l("Any"))
        self.status.choices = [
            any_,
            ("draft", _l("Draft")),
            ("published", _l("Published")),
            ("suspended", _l("Suspended")),
        ]
        self.program.choices = [any_, *_vocabulary(taxonomy.PROGRAMS)]
        self.tier.choices = [any_, *_vocabulary(taxonomy.TIERS)]
        self.expiring.choices = [
            any_,
            *((str(d), _l("%(num)d days", num=d)) for d in (30, 60, 90)),
        ]
