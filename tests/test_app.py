"""Application plumbing: configuration, health, request logs, error pages, headers, docs."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from directory import create_app
from directory.logging import JsonFormatter

ROOT = Path(__file__).resolve().parents[1]


def test_production_requires_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": None})


@pytest.mark.parametrize(
    ("storage", "warned"), [("memory://", True), ("redis://127.0.0.1:6379/0", False)]
)
def test_production_warns_when_rate_limits_live_in_one_process(caplog, storage, warned):
    with caplog.at_level(logging.WARNING, logger="directory"):
        create_app(
            {
                "APP_ENV": "production",
                "SECRET_KEY": "x" * 32,
                "RATELIMIT_STORAGE_URI": storage,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )
    assert ("set REDIS_URL" in caplog.text) is warned


def test_development_secret_key_is_generated_once(tmp_path):
    from directory.config import development_secret_key

    first = development_secret_key(tmp_path)
    assert len(first) == 64
    assert development_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_psycopg3():
    from directory.config import normalize_database_url

    assert normalize_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_healthz_is_503_when_the_database_is_down(tmp_path):
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody:x@127.0.0.1:9/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
            "SEARCH_INDEX_PATH": str(tmp_path / "search"),
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is False


def test_one_log_line_per_request(client):
    logger = logging.getLogger("directory.request")
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        client.get("/healthz?probe=1")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 1
    record = records[0]
    assert (record.method, record.path, record.status) == ("GET", "/healthz?probe=1", 200)
    assert record.duration_ms >= 0
    line = json.loads(JsonFormatter().format(record))
    assert line["method"] == "GET" and line["status"] == 200 and "duration_ms" in line


def test_unknown_page_is_a_localized_404(client):
    response = client.get("/fr/nothing-here")
    assert response.status_code == 404
    assert 'lang="fr"' in response.get_data(as_text=True)


def test_unknown_language_prefix_is_404(client):
    assert client.get("/de/").status_code == 404


def test_api_errors_are_json(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unexpected_errors_show_no_traceback(app, client):
    @app.get("/boom-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-test")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text


def test_security_headers_on_html(client):
    response = client.get("/en/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_over_https(client):
    response = client.get("/en/", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def _sources() -> list[Path]:
    return sorted(
        path for folder in ("directory", "badges") for path in (ROOT / folder).rglob("*.py")
    )


ENV_READ = re.compile(
    r'(?:os\.environ\.get\(|os\.environ\[|os\.getenv\(|_(?:bool|int)\()"([A-Z0-9_]+)"'
)
CONFIG_READ = re.compile(r'config(?:\.get\(|\[)"([A-Z0-9_]+)"')
FLASK_OWN = {"FLASK_RUN_FROM_CLI"}  # set by Flask itself, not a setting


def test_readme_documents_every_config_key():
    keys = {key for path in _sources() for key in ENV_READ.findall(path.read_text())}
    missing = sorted(k for k in keys - FLASK_OWN if f"`{k}`" not in _readme())
    assert not missing, f"README.md does not document: {missing}"


def test_every_setting_read_is_declared_in_config():
    source = (ROOT / "directory" / "config.py").read_text()
    declared = set(re.findall(r"^ +([A-Z][A-Z0-9_]*)\b[^=\n]*=", source, re.MULTILINE))
    read = {key for path in _sources() for key in CONFIG_READ.findall(path.read_text())}
    missing = sorted(read - declared)
    assert not missing, f"directory/config.py does not declare: {missing}"


def test_readme_documents_every_command(app):
    table = _readme().split("## Commands", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z-]+)", table, re.MULTILINE))
    missing = sorted(c for c in app.cli.commands if c not in documented)
    assert not missing, f"README.md does not mention commands: {missing}"


def test_tokens_are_redacted_from_request_logs():
    from directory.logging import redact

    token = "eyJ1c2VyIjoxMn0.ZmFrZQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    assert token not in redact(f"/en/account/verify/{token}")
    assert redact(f"/en/account/reset/{token}?next=/x") == "/en/account/reset/[redacted]?next=/x"
    assert redact("/en/reviews/confirm?token=abc&x=1") == "/en/reviews/confirm?token=[redacted]&x=1"
    assert "Xq3" not in redact("/en/dashboard/invitations/Xq3vR9_kLm2pQ8sT4uV6wY1zA5bC7dE0fG2hJ4k")
    slug = "/en/agencies/agence-de-marketing-digital-lyonnaise-et-associes"
    assert redact(slug) == slug
