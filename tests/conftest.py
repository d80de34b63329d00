"""Shared fixtures: the replica served on 127.0.0.1 and a real ``scrapy crawl`` runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    merged = {**FAST_SETTINGS, "SQLITE_PATH": str(db_path), **(settings or {})}
    feed = ["-O", str(csv_path)] if "-O" not in args and "-o" not in args else []
    cmd = crawl_command(base_url, merged, *feed, *args)
    proc = subprocess.run(
        cmd, cwd=ROOT, env=CRAWL_ENV, capture_output=True, text=True, timeout=timeout, check=False
    )
    return CrawlResult(proc.returncode, proc.stdout + proc.stderr, csv_path, db_path)
