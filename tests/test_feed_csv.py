"""The crawl's ``-O articles.csv`` opens right in Excel; its JSON feeds stay verbatim.

End to end through a real ``scrapy crawl`` of a private replica copy in which one headline
starts with ``=`` (a live formula to a spreadsheet), plus in-process checks of the exporter.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

from newsbot.analysis.export import csv_cell
from newsbot.analysis.feed_csv import ExcelCsvItemExporter
from newsbot.core.fields import FIELDS
from tests.conftest import run_crawl
from tests.replica.server import ReplicaServer

BOM = b"\xef\xbb\xbf"
PAGE = "2025/12/15/v-lyubline-otkryli-novyj-korpus-shkoly-1387/index.html"
TITLE = "В Люблине открыли новый корпус школы № 1387"
FORMULA_TITLE = "=1+2 " + TITLE


def test_crawl_csv_feed_is_excel_safe_and_json_feeds_are_verbatim(
    replica_copy: tuple[ReplicaServer, Path], tmp_path: Path
) -> None:
    server, root = replica_copy
    page = root / PAGE
    html = page.read_text(encoding="utf-8")
    assert html.count(TITLE) == 10  # <title>, og:title, JSON-LD, breadcrumb, h1, caption…
    page.write_text(html.replace(TITLE, FORMULA_TITLE), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    csv_path, json_path, jsonl_path = out / "a.csv", out / "a.json", out / "a.jsonl"
    result = run_crawl(
        server.base_url,
        out,
        *("-O", str(csv_path), "-O", str(json_path), "-O", str(jsonl_path)),
    )
    assert result.returncode == 0, result.log[-3000:]

    raw = csv_path.read_bytes()
    assert raw.startswith(BOM + b"url,site,title,published_at,")
    assert raw.count(BOM) == 1
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    assert header == list(FIELDS)

    json_raw = json_path.read_bytes()
    assert json_raw.startswith(b"[\n{")
    assert BOM not in json_raw
    items = json.loads(json_raw.decode("utf-8"))
    jsonl_raw = jsonl_path.read_bytes()
    assert BOM not in jsonl_raw
    assert [json.loads(line) for line in jsonl_raw.decode("utf-8").splitlines()] == items
    assert len(items) == len(rows) == 14

    by_url = {r["url"]: r for r in rows}
    for item in items:  # every CSV cell is the JSON value through export's one CSV rule
        assert by_url[item["url"]] == {name: csv_cell(name, item.get(name)) for name in FIELDS}
    [formula] = [i for i in items if i["title"].startswith("=")]
    assert formula["title"] == FORMULA_TITLE
    assert by_url[formula["url"]]["title"] == "'" + FORMULA_TITLE
    assert by_url[formula["url"]]["districts"] == "Люблино"

    conn = sqlite3.connect(result.db_path)
    try:
        stored = conn.execute("SELECT title FROM articles WHERE url = ?", (formula["url"],))
        assert stored.fetchall() == [(FORMULA_TITLE,)]
    finally:
        conn.close()


ITEM = {"url": "http://x/1", "title": "@SUM(A1)", "tags": ["a", "-b"], "word_count": 3}


def _export(buffer: io.BytesIO, **kwargs: object) -> bytes:
    exporter = ExcelCsvItemExporter(buffer, fields_to_export=list(ITEM), **kwargs)
    exporter.start_exporting()
    exporter.export_item(ITEM)
    exporter.finish_exporting()
    return buffer.getvalue()


def test_the_exporter_writes_one_bom_at_the_start_of_a_file_only() -> None:
    fresh = _export(io.BytesIO(), encoding="utf-8")
    assert fresh == BOM + b"url,title,tags,word_count\r\nhttp://x/1,'@SUM(A1),a; -b,3\r\n"
    appended = io.BytesIO(b"earlier\r\n")
    appended.seek(0, io.SEEK_END)
    assert _export(appended, encoding="UTF8") == (
        b"earlier\r\nurl,title,tags,word_count\r\nhttp://x/1,'@SUM(A1),a; -b,3\r\n"
    )


def test_an_encoding_other_than_utf8_is_kept_without_a_bom() -> None:
    item = {"title": "=Люблино"}
    buffer = io.BytesIO()
    exporter = ExcelCsvItemExporter(buffer, fields_to_export=["title"], encoding="cp1251")
    exporter.export_item(item)
    exporter.finish_exporting()
    assert buffer.getvalue() == "title\r\n'=Люблино\r\n".encode("cp1251")
