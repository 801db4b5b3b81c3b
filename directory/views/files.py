"""``/files/<id>-<hash>.<ext>``: public logo images from the database, cached for a year."""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, request

from ..db import db
from ..models import StoredFile

bp = Blueprint("files", __name__)

NAME = re.compile(r"(\d{1,12})-([0-9a-f]{16})\.(webp|png|jpg)")


@bp.get("/files/<name>")
def stored_file(name: str):
    """A public (logo) file; the hash in the name makes the URL immutable."""
    match = NAME.fullmatch(name)
    if not match:
        abort(404)
    stored = db.session.get(StoredFile, int(match.group(1)))
    if (
        stored is None
        or stored.purpose not in ("logo", "image")  # public images: logos, case studies
        or not stored.sha256.startswith(match.group(2))
        or stored.extension != match.group(3)
    ):
        abort(404)
    etag = stored.sha256
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(stored.data, mimetype=stored.content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-site"
    return response
