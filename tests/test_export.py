"""Exports: each format read back gives the stored rows; CSV is Excel-safe; filters; stats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from newsbot.analysis.export import (
    EXPORT_COLUMNS,
    FORMULA_PREFIXES,
    ExportError,
    Filters,
    collect_stats,
    date_bound,
    export,
    format_for,
    format_stats,
    iter_rows,
    neutralise,
    open_store,
)
from newsbot.analysis.feed_csv import LIST_SEPARATOR
from newsbot.items import LIST_FIELDS
from newsbot.store import ArticleStore
from tests.conftest import run_python
from tests.test_neardup import EDITED, STORY
from tests.test_store import article

FORMULAS = {
    "title": '=HYPERLINK("http://evil";"click")',
    "lead": "+7 (495) 123-45-67",
    "author": "@SUM(A1:A9)",
    "text": "- Первая реплика диалога.\n\nВторой абзац.",
    "image_caption": "\tcaption",
    "photo_credit": "\rcredit",
}


def rows() -> list[dict[str, Any]]:
    return [
        article(1, title="Ёлка в Люблине", text=STORY, districts=["Люблино"]),
        article(2, published_at="2024-02-10T09:00:00+03:00", text=EDITED, districts=[]),
        article(3, published_at="2023-09-05T12:57:00+03:00", site="tekgazeta.ru",
                districts=["Текстильщики", "Печатники"], tags=[], **FORMULAS),
        article(4, published_at="", text="Без даты.", tags=["ЖКХ"], districts=[]),
    ]  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "news.db"
    store = ArticleStore(path)
    store.upsert_many(rows(), seen_at="2024-03-01T00:00:00+00:00")
    store.close()
    return path


def stored(path: Path) -> list[dict[str, Any]]:
    conn = open_store(path)
    out = list(iter_rows(conn))
    conn.close()
    return out


def test_rows_are_typed_and_ordered_with_bookkeeping(db: Path) -> None:
    out = stored(db)
    assert [r["url"].rsplit("-", 1)[1] for r in out] == ["4", "3", "1", "2"]  # NULL date first
    assert list(out[0]) == list(EXPORT_COLUMNS)
    assert out[0]["published_at"] is None and out[0]["tags"] == ["ЖКХ"]
    assert out[3]["duplicate_of"] == out[2]["url"]  # the edited copy
    assert out[1]["first_seen_at"] == "2024-03-01T00:00:00+00:00"
    word_count = out[1]["word_count"]
    assert (type(word_count), word_count) == (int, 4)  # as stored, an int (not "4" or 4.0)


def test_csv_round_trip_with_bom_lists_and_neutralised_formulas(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    conn = open_store(db)
    assert export(conn, target, "csv") == 4
    conn.close()
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with target.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == list(EXPORT_COLUMNS)
        back = list(reader)
    for want, got in zip(stored(db), back, strict=True):
        for name in EXPORT_COLUMNS:
            value = want[name]
            if name in LIST_FIELDS:
                value = LIST_SEPARATOR.join(value)
            elif value is None:
                value = ""
            value = str(value)
            if name in FORMULAS and want["url"].endswith("-3"):
                assert got[name] == "'" + value, name  # neutralised in CSV ...
            else:
                assert got[name] == value, name
    # ... and verbatim in the database.
    formula_row = next(r for r in stored(db) if r["url"].endswith("-3"))
    assert {k: formula_row[k] for k in FORMULAS} == FORMULAS


def test_csv_without_bom(db: Path, tmp_path: Path) -> None:
    conn = open_store(db)
    export(conn, tmp_path / "a.csv", "csv", bom=False)
    conn.close()
    assert (tmp_path / "a.csv").read_bytes().startswith(b"url,site,")


def test_jsonl_round_trip_keeps_text_verbatim(db: Path, tmp_path: Path) -> None:
    conn = open_store(db)
    export(conn, tmp_path / "a.jsonl", "jsonl")
    conn.close()
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    back = [json.loads(line) for line in lines]
    assert back == stored(db)
    assert "Ёлка" in lines[2]  # not \\u-escaped
    assert back[1]["title"] == FORMULAS["title"]


def test_parquet_round_trip_with_types(db: Path, tmp_path: Path) -> None:
    conn = open_store(db)
    export(conn, tmp_path / "a.parquet", "parquet")
    conn.close()
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.schema.names == list(EXPORT_COLUMNS)
    assert str(table.schema.field("tags").type) == "list<element: string>"
    assert str(table.schema.field("word_count").type) == "int32"
    assert "Europe/Moscow" in str(table.schema.field("published_at").type)
    back = table.to_pylist()
    for row in back:
        for name, value in row.items():
            if hasattr(value, "isoformat"):
                row[name] = value.isoformat()
    assert back == stored(db)


def test_csv_from_sqlite_is_byte_for_byte_the_arrow_writers(db: Path, tmp_path: Path) -> None:
    from newsbot.analysis.export import write_csv

    conn = open_store(db)
    export(conn, tmp_path / "sql.csv", "csv")
    arrow = io.BytesIO()
    assert write_csv(iter_rows(conn), arrow, EXPORT_COLUMNS) == 4
    conn.close()
    got = (tmp_path / "sql.csv").read_bytes()
    assert got == arrow.getvalue()
    # Formula, quotes and an empty list as the lines show them: neutralised, doubled, bare.
    assert b'"\'=HYPERLINK(""http://evil"";""click"")"' in got
    assert b'"\'\rcredit"' in got and b'"\'\tcaption"' in got


def test_parquet_from_sqlite_reads_a_bad_stored_date_as_null_and_says_so(
    db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ArticleStore(db)
    store.conn.execute("UPDATE articles SET modified_at = 'вчера' WHERE url LIKE '%-1'")
    store.close()
    conn = open_store(db)
    assert export(conn, tmp_path / "a.parquet", "parquet") == 4
    conn.close()
    rows = {r["url"][-1]: r for r in pq.read_table(tmp_path / "a.parquet").to_pylist()}
    assert rows["1"]["modified_at"] is None
    assert rows["3"]["published_at"].isoformat() == "2023-09-05T12:57:00+03:00"
    assert "not an ISO date, exported as null: 'вчера'" in caplog.text


def test_parquet_dates_outside_the_stored_form_read_as_python_reads_them(
    db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # SQLite converts only the store's own form; the rest goes through datetime.fromisoformat,
    # so a day that does not exist is null (SQLite would roll 02-30 into March).
    dates = {
        "1": "2023-09-05T12:00:00Z",
        "2": "2023-09-05T12:00:00",  # naive: taken as UTC
        "3": "2023-02-30T10:00:00+03:00",
        "4": "2023-09-05T15:00:00+03:00",
    }
    store = ArticleStore(db)
    for n, value in dates.items():
        store.conn.execute(
            "UPDATE articles SET modified_at = ? WHERE url LIKE ?", (value, f"%-{n}")
        )
    store.close()
    conn = open_store(db)
    assert export(conn, tmp_path / "a.parquet", "parquet") == 4
    conn.close()
    rows = {r["url"][-1]: r for r in pq.read_table(tmp_path / "a.parquet").to_pylist()}
    moscow = {n: r["modified_at"] and r["modified_at"].isoformat() for n, r in rows.items()}
    assert moscow == {
        "1": "2023-09-05T15:00:00+03:00",
        "2": "2023-09-05T15:00:00+03:00",
        "3": None,
        "4": "2023-09-05T15:00:00+03:00",
    }
    assert "not an ISO date, exported as null: '2023-02-30T10:00:00+03:00'" in caplog.text


def test_parquet_export_runs_without_numpy_which_stays_importable(db: Path) -> None:
    script = (
        "import sys; from pathlib import Path\n"
        "from newsbot.analysis.export import export, open_store\n"
        f"export(open_store({str(db)!r}), {str(db.with_suffix('.parquet'))!r}, 'parquet')\n"
        "print('numpy' in sys.modules)\n"
        "import numpy\n"
        "print(numpy.arange(3).sum())\n"
    )
    assert run_python(script).split() == ["False", "3"]
    assert pq.read_table(db.with_suffix(".parquet")).num_rows == 4


def test_empty_parquet_still_has_the_schema(db: Path, tmp_path: Path) -> None:
    conn = open_store(db)
    assert export(conn, tmp_path / "e.parquet", "parquet", Filters(sites=["x"])) == 0
    conn.close()
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.num_rows == 0 and table.schema.names == list(EXPORT_COLUMNS)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(since="2024-01"), {"1", "2"}),
        (Filters(until="2024-01-01"), {"1", "3"}),  # a whole day, inclusive
        (Filters(since="2023-09-05", until="2023-09"), {"3"}),
        (Filters(since="2024-02-10T06:00:00+00:00"), {"2"}),  # 09:00 Moscow
        (Filters(sites=["TEKGAZETA.RU"]), {"3"}),
        (Filters(districts=["люблино"]), {"1"}),
        (Filters(districts=["Текстильщики", "Печатники"]), {"3"}),
        (Filters(search="ёлка"), {"1"}),
        (Filters(search="Собянин"), {"1", "2"}),
        (Filters(search="Собянин", unique=True), {"1"}),
        (Filters(search="собянин NOT Ёлка"), {"2"}),
    ],
)
def test_filters(db: Path, filters: Filters, expected: set[str]) -> None:
    conn = open_store(db)
    got = {r["url"].rsplit("-", 1)[1] for r in iter_rows(conn, filters)}
    conn.close()
    assert got == expected


def test_bad_arguments_fail_before_writing(db: Path, tmp_path: Path) -> None:
    conn = open_store(db)
    for filters in (
        Filters(search='"unclosed'),
        Filters(since="yesterday-ish"),
        Filters(districts=["Арбат"]),
    ):
        with pytest.raises(ExportError):
            export(conn, tmp_path / "x.csv", "csv", filters)
    with pytest.raises(ExportError, match="unknown column"):
        export(conn, tmp_path / "x.csv", "csv", columns=("url", "nope"))
    conn.close()
    assert not list(tmp_path.glob("x.csv*"))
    with pytest.raises(ExportError, match="no database"):
        open_store(tmp_path / "missing.db")
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all, just text" * 100)
    with pytest.raises(ExportError):
        open_store(tmp_path / "junk.db")


def test_old_store_is_migrated_on_open(tmp_path: Path) -> None:
    from tests.test_store import make_v1

    make_v1(tmp_path / "v1.db", [article(1)])
    conn = open_store(tmp_path / "v1.db")
    assert [r["url"] for r in iter_rows(conn, Filters(search="новость"))] == [article(1)["url"]]
    conn.close()


def test_list_separator_is_the_feed_exporters() -> None:
    from newsbot.analysis import export, feed_csv

    assert export.LIST_SEPARATOR == feed_csv.LIST_SEPARATOR


def test_neutralise() -> None:
    for cell in ("=1+2", "+1", "-1", "@x", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell
    for cell in ("", "Москва", "1-2", "a=b", " =1"):
        assert neutralise(cell) == cell


def test_date_bounds_and_formats() -> None:
    assert date_bound("2023") == "2023-01-01"
    assert date_bound("2023", end=True) == "2024-01-01"
    assert date_bound("2024-02", end=True) == "2024-03-01"
    assert date_bound("2023-12-31", end=True) == "2024-01-01"
    assert date_bound("2023-09-05T10:00") == "2023-09-05T10:00:00+03:00"
    assert format_for("a.parquet") == "parquet"
    assert format_for("a.ndjson") == "jsonl"
    assert format_for("a.txt") == format_for("-") == "csv"
    assert format_for("a.csv", "jsonl") == "jsonl"


def test_stats(db: Path) -> None:
    conn = open_store(db)
    stats = collect_stats(conn)
    assert stats["articles"] == 4 and stats["near_duplicates"] == 1
    assert stats["by_month"] == [("(no date)", 1), ("2023-09", 1), ("2024-01", 1), ("2024-02", 1)]
    assert stats["by_district"] == [("Люблино", 1), ("Печатники", 1), ("Текстильщики", 1)]
    assert stats["by_tag"][0] == ("Люблино", 2)
    assert stats["fill_rate"]["published_at"] == (3, 4)
    assert stats["fill_rate"]["tags"] == (3, 4)
    assert stats["fill_rate"]["url"] == (4, 4)
    text = format_stats(stats, top=1)
    assert "articles: 4" in text and "  2023-09" in text and "more (--top 0" in text
    assert "published_at     75.0%  (3/4)" in text
    only = collect_stats(conn, Filters(sites=["tekgazeta.ru"]))
    assert only["articles"] == 1 and only["by_tag"] == []
    conn.close()


def test_csv_writer_streams_in_chunks() -> None:
    from newsbot.analysis.export import write_csv

    def many() -> Any:
        for n in range(2500):
            yield {"url": f"u{n}", "tags": ["a", "b"]}

    out = io.BytesIO()
    assert write_csv(many(), out, ("url", "tags"), bom=False) == 2500
    lines = out.getvalue().decode().splitlines()
    assert lines[0] == "url,tags" and lines[-1] == '"u2499","a; b"' and len(lines) == 2501


def _write_undecodable(path: Path, cells: int) -> None:
    """What only another tool can store: a title and a tag whose bytes are not UTF-8."""
    import sqlite3

    conn = sqlite3.connect(path)
    ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id")][:cells]
    for i in ids:
        conn.execute(
            "UPDATE articles SET title = CAST(x'd0bfd0ffd0' AS TEXT),"
            " tags = CAST(x'5b22d0ff225d' AS TEXT) WHERE id = ?",
            (i,),
        )
    conn.commit()
    conn.close()


def _read_back(target: Path, fmt: str) -> list[dict[str, Any]]:
    if fmt == "csv":
        with target.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    if fmt == "jsonl":
        return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    return pq.read_table(target).to_pylist()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_text_that_is_not_utf8_is_exported_repaired_and_said(
    db: Path, tmp_path: Path, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    from newsbot.analysis.cli import main

    good = {r["url"]: r for r in stored(db)}
    _write_undecodable(db, cells=1)
    target = tmp_path / f"out.{fmt}"
    assert main(["export", "--db", str(db), "-o", str(target)]) == 0
    back = {r["url"]: r for r in _read_back(target, fmt)}
    assert set(back) == set(good)  # no row lost
    bad_url = article(1)["url"]
    assert back[bad_url]["title"] == "п\ufffd\ufffd\ufffd"  # one U+FFFD for each bad byte
    tags = back[bad_url]["tags"]
    assert tags == ("\ufffd\ufffd" if fmt == "csv" else ["\ufffd\ufffd"])
    for url, row in good.items():  # the other rows as the format writes them
        if url != bad_url:
            title = row["title"]
            if fmt == "csv" and title.startswith(FORMULA_PREFIXES):
                title = "'" + title
            assert back[url]["title"] == title
    said = [r.getMessage() for r in caplog.records if "not valid UTF-8" in r.getMessage()]
    where = {"csv": "(row ", "jsonl": "(row ", "parquet": ", rows 1-4)"}[fmt]
    assert said and all(where in m for m in said), said


def test_many_cells_that_are_not_utf8_are_named_a_few_then_counted(
    db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from newsbot.analysis.bad_text import NAMED_REPAIRS
    from newsbot.analysis.cli import main

    _write_undecodable(db, cells=4)  # 8 cells: 4 titles, 4 tag lists
    assert main(["export", "--db", str(db), "-o", str(tmp_path / "out.jsonl")]) == 0
    said = [r.getMessage() for r in caplog.records if "not valid UTF-8" in r.getMessage()]
    assert len(said) == NAMED_REPAIRS + 1
    assert said[-1].startswith("8 stored text cells in all")
