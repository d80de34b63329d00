"""Rendering through Splash, switched on by NEWSBOT_SPLASH_URL.

Splash itself (a Docker image with a Qt browser) cannot run on these machines, so the test talks
to a stand-in that speaks the part of Splash's HTTP API scrapy-splash uses: ``POST /render.html``
with a JSON body ``{"url": …, "wait": …}``, answering with the page's HTML after "running" its
one kind of script (a template copied into the page, as a JS framework would). What is tested is
newsbot's side: the requests go through Splash, and rows keep the pages' own URLs.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer

TEMPLATE = re.compile(
    r'<div id="app"></div>\s*<script type="text/template" id="app-body">(.*?)</script>', re.S
)


class _StandIn(BaseHTTPRequestHandler):
    rendered: list[str] = []  # noqa: RUF012  (per-server list, set in the fixture)

    def do_POST(self) -> None:
        if self.path != "/render.html":
            self.send_error(404)
            return
        args = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.rendered.append(args["url"])
        with urllib.request.urlopen(args["url"], timeout=10) as page:  # 127.0.0.1 only
            html = page.read().decode("utf-8")
        html = TEMPLATE.sub(lambda m: f'<div id="app">{m.group(1)}</div>', html)
        body = html.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def splash() -> Iterator[tuple[str, list[str]]]:
    handler = type("StandIn", (_StandIn,), {"rendered": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.rendered
    finally:
        server.shutdown()
        server.server_close()


def js_only_site(tmp_path: Path) -> tuple[Path, str]:
    """The replica with one article whose body exists only after its script runs."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    page = next(root.glob("2025/03/05/*/index.html"))
    html = page.read_text(encoding="utf-8")
    match = re.search(r'<div class="entry-content">(.*?)</div>\s*<footer', html, re.S)
    assert match, "replica article layout changed"
    body = re.sub(r"<script.*?</script>", "", match.group(1), flags=re.S)  # no nested scripts
    html = html.replace(
        match.group(0),
        '<div class="entry-content"><div id="app"></div>'
        f'<script type="text/template" id="app-body">{body}</script></div><footer',
    )
    page.write_text(html, encoding="utf-8")
    return root, page.parent.name


def slugs(csv_path: Path) -> set[str]:
    with csv_path.open(encoding="utf-8") as fh:
        return {r["url"].rsplit("/", 1)[-1] for r in csv.DictReader(fh)}


def test_without_splash_a_script_only_body_is_skipped(tmp_path: Path) -> None:
    root, slug = js_only_site(tmp_path)
    with ReplicaServer(root) as server:
        result = run_crawl(server.base_url, tmp_path)
    assert result.returncode == 0, result.log[-2000:]
    assert slug not in slugs(result.csv_path)
    assert "'newsbot/article/skipped/no_text': 1" in result.log


def test_with_splash_pages_are_rendered_and_keep_their_urls(
    tmp_path: Path, splash: tuple[str, list[str]]
) -> None:
    splash_url, rendered = splash
    root, slug = js_only_site(tmp_path)
    with ReplicaServer(root) as server:
        result = run_crawl(server.base_url, tmp_path, settings={"NEWSBOT_SPLASH_URL": splash_url})
        base = server.base_url
    assert result.returncode == 0, result.log[-3000:]
    found = slugs(result.csv_path)
    assert slug in found
    assert len(found) == 14
    with result.csv_path.open(encoding="utf-8") as fh:
        urls = [r["url"] for r in csv.DictReader(fh)]
    assert all(u.startswith(base) for u in urls)  # the page's URL, not Splash's
    assert f"{base}/" in rendered  # listing pages are rendered …
    assert any(slug in u for u in rendered)  # … and article pages
    assert not [u for u in rendered if u.endswith("robots.txt")]
