"""The embedded search engine: no server, one SQLite index file, a read model per process."""

from .backend import EmbeddedBackend

__all__ = ["EmbeddedBackend"]
