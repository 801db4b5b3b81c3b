"""Request hardening: a file part is accepted only under the name of a form's file field.

Flask-WTF hands a form ``request.files`` merged with ``request.form``, so a file part named like
a text field (``-F email=@/etc/hostname``) would reach validators and views as a ``FileStorage``
where they expect a string. Refusing such a request once, here, covers every form, present and
future, instead of hardening each field.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request
from wtforms import Form
from wtforms.fields import FileField
from wtforms.fields.core import UnboundField

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def upload_field_names() -> frozenset[str]:
    """Names of the file fields declared on any form class (every form module is imported)."""
    names: set[str] = set()
    pending, seen = [Form], set()
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending.extend(cls.__subclasses__())
        for name, value in vars(cls).items():
            if isinstance(value, UnboundField) and issubclass(value.field_class, FileField):
                names.add(name)
    return frozenset(names)


def register_request_checks(app: Flask) -> None:
    """Answer 400 to a request carrying a file part where no form expects a file."""

    @app.before_request
    def _refuse_stray_files():
        if request.method not in BODY_METHODS or request.mimetype != "multipart/form-data":
            return None
        # Computed on the first upload-shaped request: by then every blueprint, hence every
        # form module, has been imported.
        allowed = current_app.extensions.get("upload_fields")
        if allowed is None:
            allowed = current_app.extensions["upload_fields"] = upload_field_names()
        if set(request.files) - allowed:
            abort(400, description="A file was sent in a field that does not take files.")
        return None
