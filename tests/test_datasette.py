"""Datasette's search box on ``articles`` finds word forms, with the shipped metadata file.

A real ``datasette`` serves a store crawled from the replica on 127.0.0.1; the test reads its
JSON API. Without the metadata Datasette cannot link ``articles_fts`` (external content: a
view) to ``articles`` and ignores ``_search``, so every row matched.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer

METADATA = ROOT / "deploy" / "datasette-metadata.json"
_LISTENING = re.compile(rb"Uvicorn running on http://127\.0\.0\.1:(\d+)")
START_SECONDS = 30


def _start(db: Path, log: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """Datasette on a port it picks itself (``-p 0``: no window for another process to take it)."""
    cmd = [sys.executable, "-m", "datasette", "serve", str(db), "-h", "127.0.0.1", "-p", "0"]
    with log.open("wb") as out:
        proc = subprocess.Popen([*cmd, *extra], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_SECONDS
    while True:
        found = _LISTENING.search(log.read_bytes())
        if found:
            return proc, f"http://127.0.0.1:{int(found.group(1))}"
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(f"datasette did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


KUZMINKI = "В парке «Кузьминки» обновят экологическую тропу"
KUZMINKI_PAGE = "2026/01/20/v-parke-kuzminki-obnovyat-ekologicheskuyu-tropu/index.html"
#: Added to a private copy of the replica: the issue's example, «звукозаписи» found by its lemma.
ADDED = "<p>У входа в парк откроется студия звукозаписи для экскурсоводов.</p>\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The replica crawled into ``newsbot.db`` (Datasette names the database after the file)."""
    tmp = tmp_path_factory.mktemp("datasette")
    root = tmp / "site"
    shutil.copytree(SITE_DIR, root)
    page = root / KUZMINKI_PAGE
    html = page.read_text(encoding="utf-8")
    anchor = '<div class="entry-content">\n'
    assert html.count(anchor) == 1
    page.write_text(html.replace(anchor, anchor + ADDED), encoding="utf-8")
    with ReplicaServer(root) as server:
        result = run_crawl(server.base_url, tmp, db_path=tmp / "newsbot.db")
    assert result.returncode == 0, result.log[-3000:]
    return result.db_path


@pytest.fixture(scope="module")
def datasette(store: Path) -> Iterator[str]:
    proc, url = _start(store, store.with_name("datasette.log"), "-m", str(METADATA))
    try:
        yield url
    finally:
        _stop(proc)


def titles(base: str, **params: str) -> list[str]:
    query = urllib.parse.urlencode({**params, "_col": "title", "_size": "max"})
    with urllib.request.urlopen(f"{base}/newsbot/articles.json?{query}", timeout=10) as reply:
        body: dict[str, Any] = json.load(reply)
    columns = body["columns"]
    return sorted(row[columns.index("title")] for row in body["rows"])


RYAZANSKY = "В Рязанском и Нижегородском районах высадят 300 деревьев"
KAPOTNYA = "В Капотне благоустроят набережную Москвы-реки"
SCHOOL = "В Люблине открыли новый корпус школы № 1387"


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("search", "expected"),
    [
        # The dictionary form finds every printed form: «деревьев», «деревья».
        ("дерево", [KAPOTNYA, RYAZANSKY]),
        ("школа", [SCHOOL]),  # «корпус школы»
        ("Люблино", [SCHOOL]),  # «в Люблине»
        ("клен", [RYAZANSKY]),  # «клёны»: ё is written е
        ("Выхино-Жулебино", ["Жители Выхина-Жулебина выбрали проекты благоустройства дворов"]),
        ("звукозапись", [KUZMINKI]),  # «студия звукозаписи»
        ("звукозаписи", [KUZMINKI]),
        ("xyzzy", []),
    ],
)
def test_datasette_search_finds_word_forms(
    datasette: str, search: str, expected: list[str]
) -> None:
    assert titles(datasette, _search=search) == expected


@pytest.mark.timeout(120)
def test_datasette_raw_search_mode_passes_fts5_syntax(datasette: str) -> None:
    found = titles(datasette, _search="Люблин*", _searchmode="raw")
    assert found == [SCHOOL, "На Люблинской улице изменится схема движения автобусов"]
    assert len(titles(datasette)) == 14  # no search: every row


@pytest.mark.timeout(120)
def test_without_the_metadata_datasette_ignores_the_search(store: Path) -> None:
    """The reason the metadata file exists: plain ``datasette newsbot.db`` matches every row."""
    proc, url = _start(store, store.with_name("datasette-plain.log"))
    try:
        assert len(titles(url, _search="xyzzy")) == 14
    finally:
        _stop(proc)
