"""A scripted Meilisearch for tests at the HTTP boundary (pytest-httpserver), and helpers.

It answers like the documented API: writes become tasks (``GET /tasks/{uid}`` tells how they
ended), indexes can be created, read and deleted, and any route can be given a canned answer.
Every request is recorded so a test can assert exactly what the backend sent.
"""

from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager

from werkzeug import Response

from directory.search.meili import MeilisearchBackend

ENQUEUED = "2026-11-26T12:00:00.000000Z"


class FakeMeili:
    """A scripted Meilisearch: records every request, queues writes as tasks.

    ``task_outcome(method, path, body)`` decides how a write's task ends: ``None`` for
    success or ``(status, code)``. ``routes`` maps ``(method, path)`` to a JSON answer (or a
    callable taking the body; ``None`` from it means "behave as usual").
    """

    def __init__(self):
        self.log: list[tuple[str, str, object]] = []
        self.tasks: dict[int, dict] = {}
        self.routes: dict[tuple[str, str], object] = {}
        self.task_outcome = lambda method, path, body: None
        self.indexes: set[str] = set()
        # Index metadata moves with the content on a swap, as on the real server.
        self.created: dict[str, str] = {}
        # A key scoped to named indexes cannot read swap tasks (their indexUid is null).
        self.hide_swap_tasks = False
        self.query_strings: dict[str, list[str]] = {}

    def __call__(self, request):
        body = json.loads(request.data) if request.data else None
        path = request.path
        self.log.append((request.method, path, body))
        self.query_strings.setdefault(path, []).append(request.query_string.decode())
        task = re.fullmatch(r"/tasks/(\d+)", path)
        if task:
            found = self.tasks[int(task.group(1))]
            if self.hide_swap_tasks and found["type"] == "indexSwap":
                return self._error(404, "task_not_found", f"Task `{found['uid']}` not found.")
            return self._json(found)
        answer = self.routes.get((request.method, path))
        value = answer(body) if callable(answer) else answer
        if isinstance(value, Response):
            return value
        if value is not None:  # None: fall through to the default behaviour
            return self._json(value)
        if request.method in ("POST", "PATCH", "PUT", "DELETE"):
            return self._enqueue(request.method, path, body)
        if request.method == "GET" and (m := re.fullmatch(r"/indexes/([\w-]+)", path)):
            if m.group(1) in self.indexes:
                created = self.created.get(m.group(1), f"created-{m.group(1)}")
                return self._json({"uid": m.group(1), "primaryKey": "id", "createdAt": created})
            return self._error(404, "index_not_found", f"Index `{m.group(1)}` not found.")
        return self._error(404, "not_found", f"no route {request.method} {path}")

    def writes(self) -> list[tuple[str, str, object]]:
        """The write requests, in order (reads sent as POST excluded)."""
        reads = ("/documents/fetch", "/multi-search", "/search")
        return [e for e in self.log if e[0] != "GET" and not e[1].endswith(reads)]

    def _enqueue(self, method, path, body):
        uid = len(self.tasks)
        outcome = self.task_outcome(method, path, body)
        if (method, path) == ("POST", "/indexes"):
            self.indexes.add(body["uid"])
            self.created[body["uid"]] = f"created-{uid}"
        elif (method, path) == ("POST", "/swap-indexes") and outcome is None:
            for swap in body:
                a, b = swap["indexes"]
                self.created[a], self.created[b] = (
                    self.created.get(b, f"created-{b}"),
                    self.created.get(a, f"created-{a}"),
                )
        elif method == "DELETE" and (m := re.fullmatch(r"/indexes/([\w-]+)", path)):
            if m.group(1) in self.indexes:
                self.indexes.discard(m.group(1))
            else:
                outcome = ("failed", "index_not_found")
        status, code = ("succeeded", None) if outcome is None else outcome
        index = path.split("/")[2] if path.startswith("/indexes/") else None
        self.tasks[uid] = {
            "uid": uid,
            "indexUid": index,
            "status": status,
            "type": "indexSwap" if path == "/swap-indexes" else "documentAdditionOrUpdate",
            "enqueuedAt": ENQUEUED,
            "error": None if code is None else {"code": code, "message": f"{code} (fake)"},
        }
        info = {
            "taskUid": uid,
            "indexUid": index,
            "status": "enqueued",
            "type": "documentAdditionOrUpdate",
            "enqueuedAt": ENQUEUED,
        }
        return self._json(info, 202)

    @staticmethod
    def _json(value, status=200):
        return Response(json.dumps(value), status=status, content_type="application/json")

    @staticmethod
    def _error(status, code, message):
        body = {"message": message, "code": code, "type": "invalid_request", "link": ""}
        return Response(json.dumps(body), status=status, content_type="application/json")


# Fixture bodies: tests/search/conftest.py declares the fixtures over these.


def serve_fake(httpserver) -> FakeMeili:
    """A ``FakeMeili`` answering every request of ``httpserver``."""
    server = FakeMeili()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(server)
    return server


def backend_for(httpserver) -> MeilisearchBackend:
    """A backend on ``httpserver``, in batches of 2 so a few documents make several batches."""
    return MeilisearchBackend(
        httpserver.url_for("/").rstrip("/"), "test-key", timeout=1.5, batch_size=2
    )


@contextmanager
def capture_search_log(caplog):
    """Capture the ``directory.search`` loggers even after the app stopped propagation."""
    logger = logging.getLogger("directory.search")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="directory.search")
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def empty_answer(query_count=1):
    hit = {"hits": [], "totalHits": 0, "totalPages": 0, "page": 1, "hitsPerPage": 20}
    return {"results": [dict(hit, facetDistribution={}) for _ in range(query_count)]}


def doc(i, **fields):
    return {"id": i, "name": f"Agency {i}", "updated": f"2026-11-2{i % 10}T00:00:00Z", **fields}


def stats(count):
    """The answer of POST /documents/fetch with limit 1: its ``total`` is the count."""
    return {"results": [{"id": 1}][:count], "offset": 0, "limit": 1, "total": count}


def rejects(*bad_ids, code="invalid_document_geo_field"):
    """A task outcome failing any document batch that contains one of ``bad_ids``."""

    def outcome(method, path, body):
        if path.endswith("/documents") and any(d["id"] in bad_ids for d in body):
            return ("failed", code)
        return None

    return outcome
