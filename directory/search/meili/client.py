"""The official Meilisearch client, made to keep its HTTP connections alive.

``meilisearch`` 0.43 sends every call through module-level ``requests.get/post/...``: each call
opens a new TCP connection, which at a few hundred searches a second costs the web worker and
the server more than some searches do. ``SessionRequests`` routes the same calls through one
``requests.Session`` (a pool of kept-alive connections). The client picks the verb by the
callable's ``__name__``, which a session's bound methods keep, so nothing else changes.

A session is not meant to be shared across threads: the backend makes one client per thread,
and a new one after a fork (a socket inherited from the parent would be shared).
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable
from typing import Any

import meilisearch
import requests
from meilisearch._httprequests import HttpRequests
from meilisearch.index import Index
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux only


class _QuickAck:
    """Acknowledge the response's segments at once on a kept-alive connection.

    On a reused connection Linux delays ACKs (≈ 40 ms) hoping to piggyback them on the next
    request, while the server (Nagle on) holds the rest of a multi-segment response until the
    first is acknowledged: measured on Meilisearch, a 3 kB answer took ≈ 50 ms instead of 5.
    ``TCP_QUICKACK`` does not stick, so it is set each time a response is awaited.
    """

    sock: socket.socket | None

    def getresponse(self, *args, **kwargs):
        """Switch the socket to quick ACKs, then read the response."""
        if QUICKACK is not None and self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _QuickAckHTTP(_QuickAck, HTTPConnection):
    pass


class _QuickAckHTTPS(_QuickAck, HTTPSConnection):
    pass


class _QuickAckHTTPPool(HTTPConnectionPool):
    ConnectionCls = _QuickAckHTTP


class _QuickAckHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _QuickAckHTTPS


class QuickAckAdapter(HTTPAdapter):
    """requests' adapter whose pooled connections acknowledge responses at once."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        """The usual pool manager, with the quick-ACK connection pools."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _QuickAckHTTPPool,
            "https": _QuickAckHTTPSPool,
        }


class SessionRequests(HttpRequests):
    """``HttpRequests`` whose verbs go through one ``requests.Session``."""

    def __init__(self, config, session: requests.Session):
        super().__init__(config)
        self.session = session

    def send_request(  # type: ignore[override]
        self, http_method: Callable, path: str, body: Any = None, content_type: Any = None, **kw
    ) -> Any:
        """Send as the client would, on the session's kept-alive connections."""
        method = getattr(self.session, http_method.__name__)
        return super().send_request(method, path, body, content_type, **kw)


class KeepAliveClient(meilisearch.Client):
    """A ``meilisearch.Client`` (and the indexes it hands out) on one session."""

    def __init__(self, url: str, api_key: str | None, timeout: Any):
        super().__init__(url, api_key, timeout=timeout)
        self.pid = os.getpid()
        self.session = requests.Session()
        # requests reads the proxy variables (walking os.environ) on every call unless told not
        # to: ~1 ms of CPU a call. Read them once, here, for this server's URL.
        self.session.proxies = requests.utils.get_environ_proxies(url)
        self.session.trust_env = False
        adapter = QuickAckAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.http = SessionRequests(self.config, self.session)
        self.task_handler.http = SessionRequests(self.config, self.session)

    def index(self, uid: str) -> Index:
        """A local handle on index ``uid`` (no HTTP call) sharing this client's session."""
        index = super().index(uid)
        index.http = SessionRequests(self.config, self.session)
        index.task_handler.http = index.http
        return index

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()
