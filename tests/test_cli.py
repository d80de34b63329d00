"""The ``newsbot`` command run for real: ``python -m newsbot export|stats`` in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from newsbot.analysis.export import EXPORT_COLUMNS
from newsbot.store import ArticleStore
from tests.conftest import ROOT
from tests.test_export import rows


def newsbot(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "newsbot", *args],
        cwd=cwd, env=env, capture_output=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "data" / "newsbot.db"
    store = ArticleStore(path)
    store.upsert_many(rows())
    store.close()
    return path


def test_export_csv_to_a_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    proc = newsbot("export", "--db", str(db), "--site", "uv-kurier.ru", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert b"exported 3 articles" in proc.stderr
    with out.open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.DictReader(fh))
    assert [r["url"][-1] for r in back] == ["4", "1", "2"]
    assert list(back[0]) == list(EXPORT_COLUMNS)


def test_export_jsonl_and_parquet_to_stdout(db: Path) -> None:
    proc = newsbot("export", "--db", str(db), "--format", "jsonl", "--search", "ёлка")
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.decode("utf-8").splitlines()
    assert json.loads(line)["title"] == "Ёлка в Люблине"
    proc = newsbot("export", "--db", str(db), "--format", "parquet", "--columns", "url,tags")
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(io.BytesIO(proc.stdout))
    assert table.schema.names == ["url", "tags"] and table.num_rows == 4


def test_default_db_is_the_sqlite_path_setting(db: Path) -> None:
    proc = newsbot("export", "--no-bom", "--columns", "url", cwd=db.parent.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines()[0] == "url"
    assert len(proc.stdout.decode().splitlines()) == 5


def test_stats_command(db: Path) -> None:
    proc = newsbot("stats", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "articles: 4" in out
    lines = [line.split() for line in out.splitlines()]
    assert "by month:" in out and ["2024-02", "1"] in lines
    assert "by district:" in out and "Текстильщики" in out
    assert "fill rate:" in out and "published_at     75.0%  (3/4)" in out
    proc = newsbot("stats", "--db", str(db), "--json", "--district", "Люблино")
    assert json.loads(proc.stdout)["articles"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "--db", "/nonexistent/x.db"), b"no database at"),
        (("stats", "--db", "/nonexistent/x.db"), b"no database at"),
        (("export", "--format", "xml"), b"invalid choice"),
        (("export", "--search", '"unclosed'), b"bad --search query"),
        (("export", "--since", "вчера"), b"not a date"),
        (("export", "--district", "Арбат"), b"unknown district"),
        ((), b"required"),
    ],
)
def test_bad_input_exits_2_with_a_message(db: Path, args: tuple[str, ...], message: bytes) -> None:
    if "--db" not in args and args:
        args = (*args, "--db", str(db))
    proc = newsbot(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stdout == b""


def test_extract_names_operator_mistakes_in_one_line(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>x</h1></body></html>", encoding="utf-8")
    cases = [
        ([str(tmp_path / "missing.html")], f"no such file: {tmp_path / 'missing.html'}"),
        (
            [str(page), "--url", "https://a.ru/1", "--url", "https://a.ru/2"],
            "2 --url values for 1 files",
        ),
        (
            [str(page), "--fetched-at", "yesterday"],
            "--fetched-at 'yesterday' is not an ISO 8601 time",
        ),
    ]
    for args, message in cases:
        proc = subprocess.run(
            [sys.executable, "-m", "newsbot.analysis.cli", "extract", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2
        assert proc.stderr == f"newsbot extract: error: {message}\n"
        assert proc.stdout == ""


def test_extract_reports_a_page_that_is_not_an_article(tmp_path: Path) -> None:
    page = tmp_path / "contacts.html"
    page.write_text(
        '<html><head><meta property="og:type" content="website"></head>'
        "<body><h1>Контакты</h1><p>Редакция: ул. Примерная, 1. Телефон редакции.</p></body></html>",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsbot.analysis.cli",
            "extract",
            str(page),
            "--url",
            "https://a.ru/k/",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["skipped"] == "not_article: not an article (og:type=website)"
    assert record["url"] == "https://a.ru/k/"
