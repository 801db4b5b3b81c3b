"""Serving stored files: public logos (immutable, content-hashed) and private proofs."""

from __future__ import annotations

from flask import Response, abort

from ..db import db
from ..models import StoredFile


def send_private_file(file_id: int | None) -> Response:
    """A proof file as a download that is never cached, sniffed or rendered as a page."""
    stored = db.session.get(StoredFile, file_id) if file_id else None
    if stored is None or stored.purpose != "proof":
        abort(404)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="proof-{stored.id}.{stored.extension}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
