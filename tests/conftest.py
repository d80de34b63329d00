"""Shared fixtures: the replica served on 127.0.0.1 and a real ``scrapy crawl`` runner."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.replica.server import SITE_DIR, ReplicaServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: Settings that make a crawl of the local replica fast; politeness stays on otherwise.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "NEWSBOT_RETRY_BACKOFF_BASE": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
    "LOG_LEVEL": "INFO",
}


# --- the suite writes only under its temporary folders -------------------------------------------
#: Left out of the checkout check: environments, caches, build metadata (not the suite's output).
_NOT_CHECKED = (".git", ".venv", ".pytest_cache", ".ruff_cache", ".mypy_cache", "__pycache__")


def checkout_files(root: Path = ROOT) -> dict[str, tuple[int, int]]:
    """Every file of the checkout as {relative path: (mtime_ns, size)}, environments aside."""
    files: dict[str, tuple[int, int]] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [
            d for d in dirs if not d.startswith(_NOT_CHECKED) and not d.endswith(".egg-info")
        ]
        for name in names:
            path = Path(folder) / name
            if name.endswith(".pyc") or path.is_symlink():
                continue
            info = path.stat()
            files[str(path.relative_to(root))] = (info.st_mtime_ns, info.st_size)
    return files


def checkout_changes(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> list[str]:
    """``git status``-like lines for files created (A), changed (M) or removed (D)."""
    return sorted(
        [f"A {p}" for p in after.keys() - before.keys()]
        + [f"D {p}" for p in before.keys() - after.keys()]
        + [f"M {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
    )


@pytest.fixture(scope="session", autouse=True)
def _nothing_written_into_the_checkout() -> Iterator[None]:
    """Fails the session if any test created, changed or removed a file of the checkout."""
    before = checkout_files()
    yield
    changes = checkout_changes(before, checkout_files())
    if changes:
        pytest.fail(
            "the suite wrote into the checkout (tests write only under tmp_path):\n"
            + "\n".join(changes),
            pytrace=False,
        )


def project_settings(tmp_path: Path, **over: Any) -> dict[str, Any]:
    """The project's settings (newsbot/settings.py), with every file a crawl writes under
    ``tmp_path``: the store, its lock, the run summary and the log file."""
    from newsbot import settings as project

    values = {k: getattr(project, k) for k in dir(project) if k.isupper()}
    del values["TWISTED_REACTOR"]  # the test process keeps whichever reactor it has
    values.update(
        SQLITE_PATH=str(tmp_path / "newsbot.db"),
        NEWSBOT_LOCK_PATH=str(tmp_path / "newsbot.db.lock"),
        NEWSBOT_SUMMARY_PATH=str(tmp_path / "last_run.json"),
        NEWSBOT_LOG_FILE="",
    )
    values.update(over)
    return values


@pytest.fixture(scope="session")
def replica() -> Iterator[ReplicaServer]:
    """The static replica, read-only, shared by the whole session."""
    with ReplicaServer(SITE_DIR) as server:
        yield server


@pytest.fixture
def replica_copy(tmp_path: Path) -> Iterator[tuple[ReplicaServer, Path]]:
    """A private, writable copy of the replica (for tests that add articles) and its server."""
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    with ReplicaServer(root) as server:
        yield server, root


@dataclass
class CrawlResult:
    returncode: int
    log: str
    csv_path: Path
    db_path: Path
    #: Wall seconds and peak RSS (KiB) of the crawl process, for the measurements in README.
    seconds: float = 0.0
    peak_rss_kib: int = 0


#: The environment a crawl subprocess runs in: the checkout importable as a project.
CRAWL_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def crawl_command(base_url: str, settings: dict[str, str], *args: str) -> list[str]:
    """``python -m scrapy crawl district`` against ``base_url`` with ``-s`` settings."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "district", "-a", f"start_url={base_url}/"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd + list(args)


def run_crawl(
    base_url: str,
    workdir: Path,
    *args: str,
    db_path: Path | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 180,
) -> CrawlResult:
    """Run the real ``scrapy crawl district`` in a subprocess against ``base_url``."""
    csv_path = workdir / "articles.csv"
    db_path = db_path or workdir / "newsbot.db"
    merged = {
        **FAST_SETTINGS,
        "SQLITE_PATH": str(db_path),
        "NEWSBOT_SUMMARY_PATH": str(workdir / "last_run.json"),  # never into the checkout
        **(settings or {}),
    }
    feed = ["-O", str(csv_path)] if "-O" not in args and "-o" not in args else []
    cmd = crawl_command(base_url, merged, *feed, *args)
    returncode, log, seconds, rss = run_measured(cmd, timeout)
    return CrawlResult(returncode, log, csv_path, db_path, seconds, rss)


def run_measured(cmd: list[str], timeout: float) -> tuple[int, str, float, int]:
    """(exit status, output, wall seconds, peak RSS in KiB) of ``cmd`` run from the checkout.

    The RSS comes from GNU time where it is installed: a child forked straight from pytest
    starts out counting pytest's own pages. Without it, ``os.wait4``'s figure (an upper bound).
    """
    gnu_time = shutil.which("time", path="/usr/bin")
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        if gnu_time:
            cmd = [gnu_time, "-q", "-f", "%M", "-o", str(rss_file), *cmd]
        with (Path(tmp) / "out").open("w+b") as out:
            started = time.monotonic()
            proc = subprocess.Popen(cmd, cwd=ROOT, env=CRAWL_ENV, stdout=out, stderr=out)
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - started > timeout:
                    proc.kill()
                    os.wait4(proc.pid, 0)
                    proc.returncode = -9
                    raise subprocess.TimeoutExpired(cmd, timeout)
                time.sleep(0.05)
            proc.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.monotonic() - started
            out.seek(0)
            log = out.read().decode("utf-8", "replace")
        rss = int(usage.ru_maxrss)
        if gnu_time and rss_file.is_file():
            rss = int(rss_file.read_text().split()[-1])
    return proc.returncode, log, seconds, rss


# --- renderers: a real Splash and Debian's chromium ---------------------------------------------

#: Where deploy/install-splash.sh puts Splash's own virtualenv (it is not the project's).
SPLASH_VENV = Path(os.environ.get("NEWSBOT_SPLASH_VENV") or ROOT / ".venv-splash")
CHROMIUM = Path("/usr/bin/chromium")
#: In CI a renderer that is not installed fails its tests: CI must prove they ran.
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str) -> None:
    """Skip locally; fail in CI, where .ci/run installed everything."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: rendering tests must run, not skip)")
    pytest.skip(what)


def run_python(code: str) -> str:
    """The standard output of ``code`` run by a fresh interpreter from the checkout: what a
    new process imports is seen only there."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=ROOT,
    )
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_ping", timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def splash_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Splash 3.5 started through ``newsbot.runtime.splash_server`` for the whole session.

    It runs in its own process group and is stopped with SIGTERM, which also stops its Xvfb.
    """
    python = SPLASH_VENV / "bin" / "python"
    if not python.exists():
        missing(f"Splash is not installed in {SPLASH_VENV} (run deploy/install-splash.sh)")
    home = tmp_path_factory.mktemp("splash")
    deadline = time.monotonic() + 60
    # The free port may be taken before Splash binds it: Splash then logs "Address already in
    # use" and exits, and the next free port is tried (5 attempts, 60 s in all).
    for attempt in range(5):
        port = free_port()
        log_path = home / f"splash-{attempt}.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [
                    str(python),
                    "-m",
                    "newsbot.runtime.splash_server",
                    "--port",
                    str(port),
                    "--disable-ui",
                ],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        while not _ping(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        if proc.poll() is None and _ping(url):
            break
        if proc.poll() is not None and "Address already in use" in tail:
            continue
        _stop_group(proc)
        pytest.fail(f"Splash did not answer /_ping (exit {proc.poll()}):\n{tail}")
    else:
        pytest.fail(f"Splash found no free port in 5 attempts:\n{tail}")
    try:
        yield url
    finally:
        _stop_group(proc)


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to Splash's process group (it stops its Xvfb too), SIGKILL if it lingers."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # also when Splash itself has exited: its Xvfb
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium and scrapy-playwright, which NEWSBOT_RENDERER=playwright needs."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing (run deploy/install-splash.sh)")
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        missing("scrapy-playwright is not installed (pip install -e '.[playwright]')")
    return CHROMIUM
