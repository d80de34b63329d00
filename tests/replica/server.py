"""Serve the SYNTHETIC uv-kurier.ru replica on 127.0.0.1 for end-to-end crawls (stdlib only).

The static files under ``site/`` carry the real origin ``https://uv-kurier.ru`` in every link,
canonical and JSON-LD, exactly as WordPress would write them; responses rewrite that origin to
this server's ``base_url`` so a spider started here stays here. Some paths answer 503 once, to
exercise retries. Every request is recorded for assertions (what was fetched, what never was).

Run it for a person to browse: ``python -m tests.replica.server --port 8000`` from the repo
root, or ``python tests/replica/server.py --port 8000``.
"""

from __future__ import annotations

import argparse
import json
import logging
import posixpath
import re
import sys
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger(__name__)

SITE_DIR: Path = Path(__file__).resolve().parent / "site"
ORIGIN = b"https://uv-kurier.ru"

#: Answers 503 on its first request (mirrors build.FAIL_ONCE_PATH).
DEFAULT_FAIL_ONCE: tuple[str, ...] = (
    "/2025/06/18/v-kapotne-blagoustroyat-naberezhnuyu-moskvy-reki",
)

#: Tried in order when a path names a directory.
INDEX_FILES = ("index.html", "index.xml")
#: Optional per-file header overrides, keyed by path relative to the root.
HEADERS_FILE = "_headers.json"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
}
TEXT_MARKERS = ("text/", "xml", "json", "javascript")


def normalise_path(path: str) -> str:
    """Request path without query/fragment and trailing slash: the key for ``fail_once``."""
    clean = unquote(urlsplit(path).path) or "/"
    return clean.rstrip("/") or "/"


class ReplicaServer:
    """A threaded HTTP server over a replica root; start/stop or use as a context manager."""

    def __init__(
        self,
        root: Path = SITE_DIR,
        host: str = "127.0.0.1",
        port: int = 0,
        fail_once: Iterable[str] = DEFAULT_FAIL_ONCE,
        slow: dict[str, float] | None = None,
        wp_api: str = "on",
        stamp_lastmods: bool = False,
    ) -> None:
        self.root = Path(root).resolve()
        #: True: every ``<lastmod>`` of an XML file is the time it is served, one stamp per
        #: response, later on each (as some sitemap plugins and caches write them).
        self.stamp_lastmods = stamp_lastmods
        self._last_stamp: datetime | None = None
        #: How /wp-json/wp/v2/posts answers: "on" (paged JSON from wp-json/posts.json), "off"
        #: (404 rest_no_route), "forbidden" (401 rest_forbidden), "html" (a 200 HTML page).
        self.wp_api = wp_api
        self.host = host
        self.port = port
        self.requests: list[tuple[str, str, int]] = []
        self._pending_failures = {normalise_path(p) for p in fail_once}
        #: path -> seconds to wait before answering (a server that hangs: timeouts)
        self.slow = {normalise_path(p): t for p, t in (slow or {}).items()}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ReplicaServer:
        if self._httpd is not None:
            return self
        handler = type("BoundReplicaHandler", (_ReplicaHandler,), {"replica": self})
        self._httpd = _QuietServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"replica-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("replica serving %s at %s", self.root, self.base_url)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- bookkeeping -------------------------------------------------------------------------

    def paths_requested(self) -> list[str]:
        """Request paths (with query) in arrival order, every method and status."""
        with self._lock:
            return [path for _method, path, _status in self.requests]

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def _record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, path, status))

    def lastmod_stamp(self) -> bytes:
        """Now (UTC, whole seconds), at least a second after the previous stamp."""
        with self._lock:
            now = datetime.now(UTC).replace(microsecond=0)
            if self._last_stamp is not None and now <= self._last_stamp:
                now = self._last_stamp + timedelta(seconds=1)
            self._last_stamp = now
            return now.isoformat().encode("ascii")

    def fail_once_more(self, *paths: str) -> None:
        """Answer 503 to the next request of each path (as ``fail_once`` does at the start)."""
        with self._lock:
            self._pending_failures.update(normalise_path(p) for p in paths)

    def _take_failure(self, path: str) -> bool:
        key = normalise_path(path)
        with self._lock:
            if key in self._pending_failures:
                self._pending_failures.discard(key)
                return True
            return False

    # -- files -------------------------------------------------------------------------------

    def resolve(self, path: str) -> Path | None:
        """File serving ``path`` (query ignored; ``/x`` and ``/x/`` both find ``x/index.html``)."""
        rel = posixpath.normpath(unquote(urlsplit(path).path)).lstrip("/")
        if rel in ("", "."):
            rel = ""
        candidate = (self.root / rel).resolve()
        if candidate != self.root and self.root not in candidate.parents:
            return None
        if candidate.is_file():
            return candidate
        if candidate.is_dir():
            for name in INDEX_FILES:
                index = candidate / name
                if index.is_file():
                    return index
        return None

    def headers_for(self, file: Path) -> dict[str, str]:
        ctype = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
        headers = {"Content-Type": ctype}
        overrides = self._load_overrides()
        headers.update(overrides.get(file.relative_to(self.root).as_posix(), {}))
        return headers

    def _load_overrides(self) -> dict[str, dict[str, str]]:
        # Re-read on every request: a test may rewrite the root between two crawls.
        source = self.root / HEADERS_FILE
        if not source.is_file():
            return {}
        data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
        return {k: v for k, v in data.items() if isinstance(v, dict)}


class _QuietServer(ThreadingHTTPServer):
    """A client that gives up (a timeout test) resets the connection: not worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("replica: client %s went away", client_address)
            return
        super().handle_error(request, client_address)


class _ReplicaHandler(BaseHTTPRequestHandler):
    replica: ReplicaServer
    server_version = "ReplicaWordPress/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("replica: " + format, *args)

    def _send(
        self, status: int, body: bytes, headers: dict[str, str], with_body: bool = True
    ) -> None:
        self.replica._record(self.command, self.path, int(status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _respond(self, with_body: bool) -> None:
        replica = self.replica
        delay = replica.slow.get(normalise_path(self.path))
        if delay:
            time.sleep(delay)
        if urlsplit(self.path).path.rstrip("/") == WP_POSTS_PATH:
            self._send(*_wp_posts_answer(replica, self.path), with_body=with_body)
            return
        file = replica.resolve(self.path)
        if replica._take_failure(self.path):
            body = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
            headers = {"Content-Type": "text/html; charset=utf-8", "Retry-After": "0"}
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, body, headers, with_body)
            return
        if file is None:
            body = (
                b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head>'
                b"<body><h1>\xd0\xa1\xd1\x82\xd1\x80\xd0\xb0\xd0\xbd\xd0\xb8\xd1\x86\xd0\xb0 "
                b"\xd0\xbd\xd0\xb5 \xd0\xbd\xd0\xb0\xd0\xb9\xd0\xb4\xd0\xb5\xd0\xbd\xd0\xb0</h1>"
                b"</body></html>"
            )
            self._send(
                HTTPStatus.NOT_FOUND, body, {"Content-Type": "text/html; charset=utf-8"}, with_body
            )
            return
        headers = replica.headers_for(file)
        body = file.read_bytes()
        if any(marker in headers["Content-Type"] for marker in TEXT_MARKERS):
            # Byte-level, so pages saved in single-byte encodings (cp1251) are rewritten too.
            body = body.replace(ORIGIN, replica.base_url.encode("ascii"))
        if replica.stamp_lastmods and file.suffix == ".xml":
            stamp = b"<lastmod>" + replica.lastmod_stamp() + b"</lastmod>"
            body = re.sub(rb"<lastmod>[^<]*</lastmod>", stamp, body)
        self._send(HTTPStatus.OK, body, headers, with_body)


WP_POSTS_PATH = "/wp-json/wp/v2/posts"
_JSON = {"Content-Type": "application/json; charset=UTF-8"}


def _wp_error(status: int, code: str, message: str) -> tuple[int, bytes, dict[str, str]]:
    body = json.dumps({"code": code, "message": message, "data": {"status": status}})
    return status, body.encode("utf-8"), dict(_JSON)


def _wp_posts_answer(replica: ReplicaServer, path: str) -> tuple[int, bytes, dict[str, str]]:
    """``/wp-json/wp/v2/posts`` as WordPress answers it: ``per_page`` (≤ 100), ``page``,
    ``after``/``modified_after`` (site-local times), ``orderby=modified``, ``_embed``;
    X-WP-Total(Pages) headers."""
    if replica.wp_api == "off":
        return _wp_error(404, "rest_no_route", "No route was found matching the URL")
    if replica.wp_api == "forbidden":
        return _wp_error(401, "rest_forbidden", "Sorry, you are not allowed to do that.")
    source = replica.root / "wp-json" / "posts.json"
    if replica.wp_api == "html" or not source.is_file():
        html = b"<!DOCTYPE html><html><body><h1>Not the API</h1></body></html>"
        return 200, html, {"Content-Type": "text/html; charset=utf-8"}
    query = {k: v[-1] for k, v in parse_qs(urlsplit(path).query, keep_blank_values=True).items()}
    try:
        per_page = int(query.get("per_page", "10"))
        page = int(query.get("page", "1"))
    except ValueError:
        return _wp_error(400, "rest_invalid_param", "Invalid parameter(s)")
    if not 1 <= per_page <= 100 or page < 1:
        return _wp_error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page")
    posts = json.loads(source.read_text(encoding="utf-8"))
    if "after" in query:
        posts = [p for p in posts if p["date"] > query["after"][:19]]
    if "modified_after" in query:
        posts = [p for p in posts if p["modified"] > query["modified_after"][:19]]
    if query.get("orderby") == "modified":  # WordPress's default is by date, as in the file
        posts.sort(key=lambda p: p["modified_gmt"], reverse=True)
    total = len(posts)
    pages = -(-total // per_page)
    if page > max(pages, 1):
        return _wp_error(400, "rest_post_invalid_page_number", "The page number is too large")
    chosen = posts[(page - 1) * per_page : page * per_page]
    if "_embed" not in query:
        chosen = [{k: v for k, v in p.items() if k != "_embedded"} for p in chosen]
    body = json.dumps(chosen, ensure_ascii=False).encode("utf-8")
    body = body.replace(ORIGIN, replica.base_url.encode("ascii"))
    headers = {**_JSON, "X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    return 200, body, headers


def serve_replica(root: Path = SITE_DIR, **kw: Any) -> ReplicaServer:
    """Start a server and return it; use ``with serve_replica(...) as srv:`` to stop it after."""
    return ReplicaServer(root, **kw).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the synthetic uv-kurier.ru replica.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--root", type=Path, default=SITE_DIR, help="replica directory")
    parser.add_argument(
        "--no-fail-once", action="store_true", help="do not answer 503 on first requests"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    server = ReplicaServer(
        args.root, args.host, args.port, fail_once=() if args.no_fail_once else DEFAULT_FAIL_ONCE
    )
    with server:
        print(f"Serving the SYNTHETIC uv-kurier.ru replica at {server.base_url}/ (Ctrl-C to stop)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
