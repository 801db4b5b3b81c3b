"""Request logging: one line per request (method, path, status, duration), JSON on demand."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

from flask import Flask, g, request

logger = logging.getLogger("directory.request")

# Signed tokens (itsdangerous: base64 parts joined by dots) and long opaque ids in paths,
# (mixed case: slugs are lower case) and secret-bearing query parameters stay out of logs.
_TOKEN_SEGMENT = re.compile(
    r"/[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-.]{8,}"  # signed token
    r"|/(?=[a-z0-9\-]*[A-Z_])[A-Za-z0-9_\-]{32,}"  # random url-safe token
)
_SECRET_PARAM = re.compile(r"([?&](?:token|key|code|password|secret)=)[^&]*", re.IGNORECASE)


def redact(path: str) -> str:
    """The request path with tokens and secret parameters replaced by ``[redacted]``."""
    path = _TOKEN_SEGMENT.sub("/[redacted]", path)
    return _SECRET_PARAM.sub(r"\1[redacted]", path)


class JsonFormatter(logging.Formatter):
    """Format records as one JSON object per line, extra fields included."""

    FIELDS = ("method", "path", "status", "duration_ms", "remote_addr", "request_id")

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                payload[name] = getattr(record, name)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """Install one stderr handler on the ``directory`` logger, text or JSON."""
    root = logging.getLogger("directory")
    if getattr(root, "_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if app.config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    root.propagate = False
    root._configured = True


def register_request_logging(app: Flask) -> None:
    """Log every request once, after the response is built."""
    configure_logging(app)

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.pop("request_started", None)
        duration = (time.perf_counter() - started) * 1000 if started else 0.0
        path = request.full_path.rstrip("?") if request.query_string else request.path
        path = redact(path)
        logger.info(
            "%s %s %s %.1fms",
            request.method,
            path[:500],
            response.status_code,
            duration,
            extra={
                "method": request.method,
                "path": path[:500],
                "status": response.status_code,
                "duration_ms": round(duration, 2),
                "remote_addr": request.remote_addr,
            },
        )
        return response
