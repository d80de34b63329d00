"""A HOSTILE stand-in for the outlet, served on 127.0.0.x: pages written to break a crawler.

The replica (tests/replica) is the outlet as it should be; this is the site we do not control
on a bad day: pagination that never ends, redirects to other hosts, bombs, lone surrogates in
JSON-LD. Each test builds its own site from ``Page`` answers keyed by path (query included), or
a function of the path, and reads back what was requested. Stdlib only.
"""

from __future__ import annotations

import html
import json
import logging
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

logger = logging.getLogger(__name__)

ROBOTS = b"User-agent: *\nAllow: /\n"


@dataclass
class Page:
    """One answer: status, body, headers, and seconds to wait before sending it."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"}
    )
    delay: float = 0.0


Router = Callable[[str], Page | None]


class HostileSite:
    """A threaded HTTP server answering from ``routes`` (a dict of path -> Page, or a function).

    ``/robots.txt`` allows everything unless the routes say otherwise; unknown paths are 404.
    """

    def __init__(self, routes: dict[str, Page] | Router, host: str = "127.0.0.1") -> None:
        self.routes = routes
        self.host = host
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    def route(self, path: str) -> Page | None:
        page = self.routes(path) if callable(self.routes) else self.routes.get(path)
        if page is None and path == "/robots.txt":
            page = Page(ROBOTS, headers={"Content-Type": "text/plain"})
        return page

    def start(self) -> HostileSite:
        handler = type("BoundHostileHandler", (_Handler,), {"site": self})
        self._httpd = _QuietServer((self.host, 0), handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://{self.host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> HostileSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def requested(self) -> list[str]:
        with self._lock:
            return list(self.requests)

    def _record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the crawler gave up on a bomb or a slow page: expected here
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    site: HostileSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("hostile: " + format, *args)

    def do_GET(self) -> None:
        self.site._record(self.path)
        page = self.site.route(self.path)
        if page is None:
            page = Page(b"<html><body>404</body></html>", status=404)
        if page.delay:
            time.sleep(page.delay)
        self.send_response(page.status)
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)


# -- page makers ---------------------------------------------------------------------------


def article_html(
    base: str,
    path: str,
    title: str,
    text: str,
    date: str = "2025-03-04T10:00:00+03:00",
    canonical: str | None = None,
    jsonld_raw: str | None = None,
) -> bytes:
    """A plain article page: JSON-LD NewsArticle, OpenGraph, <article> with paragraphs.

    ``jsonld_raw`` replaces the JSON-LD text as written (to carry escapes like ``\\ud800``).
    """
    url = base + path
    ld = jsonld_raw or json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": date,
            "author": {"@type": "Person", "name": "Иван Петров"},
            "url": canonical or url,
        },
        ensure_ascii=False,
    )
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
    link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    return (
        "<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} – Юго-Восточный Курьер</title>{link}"
        f'<meta property="og:title" content="{html.escape(title)}">'
        f'<meta property="article:published_time" content="{date}">'
        f'<script type="application/ld+json">{ld}</script></head><body>'
        f"<article><h1 class='entry-title'>{html.escape(title)}</h1>"
        f"<time datetime='{date}'>{date}</time>"
        f"<div class='entry-content'>{paragraphs}</div></article></body></html>"
    ).encode()


def listing_html(links: list[str], next_href: str | None = None) -> bytes:
    """A listing page: one post card per link, and a rel=next link when given."""
    cards = "".join(
        f"<article class='post'><h2 class='entry-title'><a href='{html.escape(h)}'>"
        f"Новость {i}</a></h2></article>"
        for i, h in enumerate(links, 1)
    )
    nxt = (
        f"<a class='next page-numbers' rel='next' href='{html.escape(next_href)}'>Далее</a>"
        if next_href
        else ""
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Новости</title></head>"
        f"<body><main>{cards}</main><nav class='pagination'>{nxt}</nav></body></html>"
    ).encode()


def body_text(n: int, words: int = 60) -> str:
    """A distinct body for article ``n``: a few paragraphs of plain Russian words."""
    base = (
        "В районе Люблино открыли новый сквер, жители сами выбрали деревья и скамейки. "
        "Работы закончили раньше срока, а летом здесь пройдут концерты и ярмарки."
    )
    return "\n\n".join(f"Статья номер {n}, абзац {p}. {base}" for p in range(3))


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A gzip body of ``inflated_bytes`` spaces (a few hundred KB on the wire per 256 MiB)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * (1 << 20)
    parts = []
    for _ in range(inflated_bytes >> 20):
        parts.append(comp.compress(chunk))
    parts.append(comp.flush())
    return b"".join(parts)
