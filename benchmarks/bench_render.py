"""What rendering costs per page: plain HTTP, Splash and Playwright, measured in one run.

    python benchmarks/bench_render.py [--rounds R] [--wait SECONDS]

Why: the README quotes these figures to help an operator decide which page types to render.
It serves the replica on 127.0.0.1, starts Splash through ``newsbot.runtime.splash_server``
(from the
venv ``deploy/install-splash.sh`` made) and launches Debian's chromium through Playwright with
the project's ``PLAYWRIGHT_LAUNCH_OPTIONS``, then fetches the replica's /js/ section (the
script-built listing and its three articles; they reach no host but 127.0.0.1) R times each,
one page at a time:

* **plain**: an HTTP GET of the page, as Scrapy downloads it without rendering;
* **splash**: ``POST /execute`` with the project's ``NEWSBOT_SPLASH_LUA``, as newsbot asks;
* **playwright**: a new page in one running browser, ``goto`` + ``wait_for_timeout``, then the
  HTML, as scrapy-playwright does.

Each renderer is timed with the project's wait (``NEWSBOT_RENDER_WAIT``, 0.5 s) and with no wait,
which is what rendering costs beyond the time given to the page's scripts. Prints the median
seconds per page, and the start-up of Splash and of chromium. About a minute on two cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot import settings as project  # noqa: E402
from tests.conftest import SPLASH_VENV, free_port  # noqa: E402
from tests.replica.server import SITE_DIR, ReplicaServer  # noqa: E402

logger = logging.getLogger(__name__)

JS = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))["js"]


def js_paths() -> list[tuple[str, str]]:
    """(path, kind) of the /js/ listing and its articles."""
    origin = "https://uv-kurier.ru"
    return [(JS["listing"], "listing")] + [
        (a["url"].replace(origin, ""), "article") for a in JS["articles"]
    ]


def get(url: str, data: bytes | None = None) -> bytes:
    headers = {"Content-Type": "application/json"} if data else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as reply:
        return bytes(reply.read())


@contextmanager
def splash() -> Iterator[tuple[str, float]]:
    """A Splash started through the launcher, in its own process group; its start-up seconds."""
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            str(SPLASH_VENV / "bin" / "python"),
            "-m",
            "newsbot.runtime.splash_server",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                get(url + "/_ping")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() - started > 60:
                    raise SystemExit(
                        "Splash did not start (run deploy/install-splash.sh)"
                    ) from None
                time.sleep(0.05)
        yield url, time.monotonic() - started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def timed(fetch: Callable[[str, str], bytes], urls: list[tuple[str, str]], rounds: int) -> float:
    """Median seconds of one fetch over every page, ``rounds`` times (one warm-up first)."""
    fetch(*urls[0])
    seconds = []
    for _ in range(rounds):
        for url, kind in urls:
            start = time.perf_counter()
            body = fetch(url, kind)
            seconds.append(time.perf_counter() - start)
            assert b"entry-title" in body, f"{url} came back without its content"
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wait", type=float, default=project.NEWSBOT_RENDER_WAIT)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[str, float] = {}
    with ReplicaServer(SITE_DIR, fail_once=()) as replica, splash() as (splash_url, splash_start):
        urls = [(replica.url(path), kind) for path, kind in js_paths()]
        results["plain"] = timed(lambda url, kind: get(url), urls, args.rounds)
        for wait in (args.wait, 0.0):

            def via_splash(url: str, kind: str, wait: float = wait) -> bytes:
                body = {
                    "lua_source": project.NEWSBOT_SPLASH_LUA,
                    "url": url,
                    "kind": kind,
                    "wait": wait,
                    "timeout": project.NEWSBOT_RENDER_TIMEOUT,
                    "scrolls": 5,
                }
                return get(splash_url + "/execute", json.dumps(body).encode())

            results[f"splash wait={wait}"] = timed(via_splash, urls, args.rounds)
        with sync_playwright() as pw:
            started = time.monotonic()
            browser = pw.chromium.launch(**project.PLAYWRIGHT_LAUNCH_OPTIONS)
            chromium_start = time.monotonic() - started
            for wait in (args.wait, 0.0):

                def via_playwright(url: str, kind: str, wait: float = wait) -> bytes:
                    page = browser.new_page()
                    try:
                        page.goto(url)
                        page.wait_for_timeout(wait * 1000)
                        return page.content().encode("utf-8")
                    finally:
                        page.close()

                results[f"playwright wait={wait}"] = timed(via_playwright, urls, args.rounds)
            browser.close()
    samples = args.rounds * len(urls)
    print(f"median seconds per page ({samples} fetches each, /js/ listing + 3 articles):")
    for name, value in results.items():
        print(f"  {name:<22} {value:7.3f}")
    print(
        f"start-up: Splash to /_ping {splash_start:.2f} s, chromium launch {chromium_start:.2f} s"
    )


if __name__ == "__main__":
    main()
