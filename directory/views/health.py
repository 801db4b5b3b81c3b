"""``GET /healthz``: the state of the database and the search backend."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..db import db

bp = Blueprint("health", __name__)


def check_database() -> tuple[bool, str]:
    """Run a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "down"
        db.session.rollback()
        return False, type(exc).__name__
    return True, db.engine.dialect.name


@bp.get("/healthz")
def healthz():
    """200 when every component answers, 503 otherwise; the body says which."""
    checks = {"database": check_database, **current_app.extensions.get("health_checks", {})}
    report, healthy = {}, True
    for name, check in checks.items():
        started = time.perf_counter()
        ok, detail = check()
        healthy &= ok
        report[name] = {
            "ok": ok,
            "detail": detail,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    body = {"status": "ok" if healthy else "degraded", "checks": report}
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
