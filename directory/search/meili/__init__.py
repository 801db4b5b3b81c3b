"""The Meilisearch adapter: the ``SearchBackend`` interface on the official Python client."""

from .backend import MeilisearchBackend

__all__ = ["MeilisearchBackend"]
