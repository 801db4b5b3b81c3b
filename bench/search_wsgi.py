"""The production app plus one trivial JSON route, for ``bench/search_bench.py`` only.

``/_bench/search-trivial`` returns a fixed JSON body through the same app, hooks and gunicorn
settings as ``/api/v1/search``: the difference between the two is the cost of searching.
"""

from __future__ import annotations

from flask import jsonify

from directory import create_app

app = create_app()


@app.get("/_bench/search-trivial")
def search_trivial():
    """A fixed JSON answer, nothing else."""
    return jsonify({"hits": [], "total": 0})
