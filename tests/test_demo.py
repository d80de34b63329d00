"""``newsbot demo``: one offline command serves the replica, crawls it, prints what to try next.

Run as a person would, ``python -m newsbot demo`` in a fresh folder; the commands it prints are
then run too.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot.analysis.cli import main
from newsbot.analysis.demo import DemoError, replica_site
from newsbot.core.fields import FIELDS
from tests.conftest import ROOT
from tests.replica.server import SITE_DIR

EXPECTED = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
#: This environment's scripts first on PATH, as in an activated venv: the bare names print.
ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
ENV.pop("PYTHONPATH", None)  # the demo finds the replica from the installed package
METADATA = ROOT / "deploy" / "datasette-metadata.json"
N = len(EXPECTED["articles"])


def demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsbot", "demo", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


def expected_stdout(port: str, seconds: str, first: str = "") -> str:
    return (
        first
        + f"newsbot demo: serving the bundled replica at http://127.0.0.1:{port}/ and crawling it"
        " into demo/ …\n"
        f"newsbot run ok (exit 0): 19 pages, {N} new, 0 updated, 0 unchanged, 0 known skipped,"
        f" 0 dropped, 1 HTTP errors, {seconds}s\n"
        f"newsbot demo: {N} articles in demo/newsbot.db and demo/articles.csv"
        " (crawl log: demo/crawl.log)\n"
        "\n"
        "Next, try:\n"
        "  newsbot stats --db demo/newsbot.db\n"
        "  newsbot export --db demo/newsbot.db --search школа --columns published_at,title,"
        "districts\n"
        "  newsbot export --db demo/newsbot.db -o demo/articles.parquet\n"
        f"  datasette demo/newsbot.db -m {METADATA}\n"
    )


def port_and_seconds(stdout: str) -> tuple[str, str]:
    port = re.search(r"at http://127\.0\.0\.1:(\d+)/", stdout)
    seconds = re.search(r"HTTP errors, (\d+\.\d)s\n", stdout)
    assert port and seconds, stdout
    return port.group(1), seconds.group(1)


def test_demo_crawls_the_replica_offline_and_prints_the_next_commands(tmp_path: Path) -> None:
    done = demo(tmp_path, "--dir", "demo")
    assert done.returncode == 0, done.stdout + done.stderr
    port, seconds = port_and_seconds(done.stdout)
    assert done.stdout == expected_stdout(port, seconds)
    assert done.stderr == ""

    folder = tmp_path / "demo"
    base = f"http://127.0.0.1:{port}"
    wanted = sorted(a["url"].replace(EXPECTED["origin"], base) for a in EXPECTED["articles"])
    conn = sqlite3.connect(folder / "newsbot.db")
    try:
        assert sorted(r[0] for r in conn.execute("SELECT url FROM articles")) == wanted
    finally:
        conn.close()
    raw = (folder / "articles.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfurl,site,title,")
    with (folder / "articles.csv").open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert list(reader.fieldnames or []) == list(FIELDS)
        assert sorted(r["url"] for r in reader) == wanted
    assert json.loads((folder / "last_run.json").read_text("utf-8"))["articles"]["new"] == N

    # The first command it suggests works as printed.
    stats_cmd = re.search(r"^  (newsbot stats .*)$", done.stdout, re.M)
    assert stats_cmd
    stats = subprocess.run(
        shlex.split(stats_cmd.group(1)), cwd=tmp_path, env=ENV, capture_output=True, text=True
    )
    assert stats.returncode == 0, stats.stderr
    assert stats.stdout.startswith(f"articles: {N}\nnear-duplicates (duplicate_of set): 0\n")

    # A second run never clobbers the first without being told: one line, exit 2.
    before = (folder / "newsbot.db").read_bytes(), raw
    again = demo(tmp_path, "--dir", "demo")
    assert again.returncode == 2
    assert again.stdout == ""
    assert again.stderr == (
        "newsbot demo: error: demo already holds a demo (newsbot.db, articles.csv); "
        "add --force to replace it, or choose another --dir\n"
    )
    assert ((folder / "newsbot.db").read_bytes(), (folder / "articles.csv").read_bytes()) == before


def test_force_replaces_the_demo_files_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "articles.csv").write_text("old\n", encoding="utf-8")
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    done = demo(tmp_path, "--dir", "demo", "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    port, seconds = port_and_seconds(done.stdout)
    replacing = "newsbot demo: replacing the demo in demo (articles.csv)\n"
    assert done.stdout == expected_stdout(port, seconds, first=replacing)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    with (folder / "articles.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == N


def test_a_folder_that_cannot_be_made_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert main(["demo", "--dir", str(tmp_path / "file" / "demo")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err == f"newsbot demo: error: cannot use {tmp_path}/file/demo: Not a directory\n"
    )


def test_an_installation_without_the_replica_says_why(tmp_path: Path) -> None:
    with pytest.raises(DemoError) as caught:
        replica_site(tmp_path)
    assert str(caught.value) == (
        f"no bundled replica at {tmp_path}/tests/replica: newsbot demo runs from a checkout of "
        "the project (pip install -e .)"
    )
    assert replica_site() == SITE_DIR
