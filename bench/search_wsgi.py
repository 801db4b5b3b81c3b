"""The production app plus one trivial JSON route, for ``bench/search_bench.py`` only.

``/_bench/search-trivial`` returns a fixed JSON body through the same app, hooks and gunicorn
settings as ``/api/v1/search``: the difference between the two is the cost of searching.

Under ``gunicorn --preload`` this module is imported once in the master: the index snapshot
is loaded here, before the fork, and the workers share it (each then opens its own SQLite
handle and re-checks the index generation; see ``EmbeddedBackend._after_fork``).
"""

from __future__ import annotations

from flask import jsonify

from directory import create_app
from directory.search import get_backend

app = create_app()
_backend = get_backend(app)
if hasattr(_backend, "preload"):
    _backend.preload(background=False)
if _backend.name == "embedded":  # the geo tables and vocabularies too, once, before the fork
    with app.test_request_context("/api/v1/search?q=seo"):
        app.view_functions["api.search"]()


@app.get("/_bench/search-trivial")
def search_trivial():
    """A fixed JSON answer, nothing else."""
    return jsonify({"hits": [], "total": 0})
