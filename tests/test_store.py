"""The SQLite store and the dedup/store pipelines, on real SQLite files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem

from newsbot.core.urls import url_key
from newsbot.enrich import neardup
from newsbot.items import FIELDS
from newsbot.pipelines.dedup import DedupPipeline
from newsbot.pipelines.store import SQLitePipeline
from newsbot.store import ArticleStore
from newsbot.store.bands import BandIndex
from newsbot.store.schema import MIGRATIONS, SCHEMA_VERSION
from newsbot.store.search import fts_query
from tests.conftest import ROOT
from tests.store_helpers import search_urls, stored_count, stored_items


def article(n: int, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "url": f"https://uv-kurier.ru/2024/01/{n:02d}/story-{n}",
        "site": "uv-kurier.ru",
        "title": f"Новость {n}",
        "published_at": f"2024-01-{n:02d}T10:00:00+03:00",
        "modified_at": "",
        "author": "Юго-Восточный Курьер",
        "lead": "",
        "text": f"Текст новости номер {n}.",
        "image_url": "",
        "image_caption": "",
        "photo_credit": "",
        "tags": ["Люблино", "школа"],
        "categories": ["Новости"],
        "districts": ["Люблино"],
        "word_count": 4,
        "content_hash": f"hash-{n}",
        "scraped_at": "2024-01-02T00:00:00+00:00",
    }
    row.update(over)
    return row


def test_schema_created_with_version_indexes_and_wal(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "nested" / "dir" / "news.db")
    assert store.version == SCHEMA_VERSION
    cols = [r[1] for r in store.conn.execute("PRAGMA table_info(articles)")]
    assert cols[: len(FIELDS)] == list(FIELDS)
    indexes = {r[1] for r in store.conn.execute("PRAGMA index_list(articles)")}
    assert {"articles_published_at", "articles_site", "articles_content_hash"} <= indexes
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_upsert_inserts_updates_and_touches(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    counts = store.upsert_many([article(1), article(2)], seen_at="2024-01-02T00:00:00+00:00")
    assert (counts.new, counts.updated, counts.unchanged) == (2, 0, 0)
    changed = article(1, text="Исправленный текст.", content_hash="hash-1b")
    counts = store.upsert_many([changed, article(2)], seen_at="2024-01-03T00:00:00+00:00")
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 1)
    assert stored_count(store) == 2
    rows = {r["url"]: r for r in store.conn.execute("SELECT * FROM articles")}
    one = rows[article(1)["url"]]
    assert one["text"] == "Исправленный текст."
    assert one["first_seen_at"] == "2024-01-02T00:00:00+00:00"
    assert one["last_seen_at"] == "2024-01-03T00:00:00+00:00"
    assert one["tags"] == '["Люблино", "школа"]'
    store.close()


def test_trailing_slash_spelling_updates_the_same_row(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([article(1)])
    store.upsert_many([article(1, url=article(1)["url"] + "/", content_hash="other")])
    assert stored_count(store) == 1
    store.close()


def test_items_round_trip(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([article(3, modified_at="2024-01-04T10:00:00+03:00")])
    (item,) = stored_items(store)
    assert item == article(3, modified_at="2024-01-04T10:00:00+03:00")
    store.close()


def test_a_bad_row_is_left_out_and_the_rest_of_its_batch_committed(tmp_path: Path) -> None:
    """Issue 9: one bad row used to fail its batch (and, kept in the buffer, every later one).

    This row fails in the codec, before any SQL of its own: nothing to roll back yet.
    """
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([article(1)])
    bad = article(2, word_count="not a number")
    counts = store.upsert_many([article(3), bad, article(4)])
    assert (counts.new, counts.failed) == (
        2,
        [(bad["url"], "invalid literal for int() with base 10: 'not a number'")],
    )
    assert stored_count(store) == 3
    assert bad["url"] not in {item["url"] for item in stored_items(store)}
    store.close()


#: A real SQLite trigger, on the test's connection only (TEMP), that refuses the near-duplicate
#: buckets of story 2 (a new row's go to the recent tier, newsbot.store.bands): its articles row
#: (and FTS row) are already written when it fires.
REFUSE_BANDS_OF_STORY_2 = """
    CREATE TEMP TRIGGER refuse_bands BEFORE INSERT ON main.article_bands_recent
    WHEN (SELECT url FROM main.articles WHERE id = new.article_id) LIKE '%/story-2'
    BEGIN SELECT RAISE({action}, 'buckets refused'); END
"""


def story(n: int) -> dict[str, Any]:
    """An article long enough for near-duplicate buckets (``neardup.MIN_SHINGLES``)."""
    words = " ".join(f"слово{n}x{k}" for k in range(20))
    return article(n, text=f"Текст новости номер {n}. {words}")


def _urls_and_bands(store: ArticleStore) -> tuple[list[str], int, list[str]]:
    urls = [r[0] for r in store.conn.execute("SELECT url FROM articles ORDER BY url")]
    return urls, store.bands.count(), search_urls(store, "Текст новости")


def test_a_row_failing_after_its_insert_is_rolled_back_to_its_savepoint(tmp_path: Path) -> None:
    """The row's INSERT (and the FTS trigger's) ran; its buckets then fail: ROLLBACK TO undoes
    the row alone, the rows before and after it in the batch are committed."""
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([story(1)])
    store.conn.execute(REFUSE_BANDS_OF_STORY_2.format(action="ABORT"))
    counts = store.upsert_many([story(3), story(2), story(4)])
    assert (counts.new, counts.updated, counts.unchanged, counts.failed) == (
        2, 0, 0, [(story(2)["url"], "buckets refused")]
    )  # fmt: skip
    kept = [story(n)["url"] for n in (1, 3, 4)]
    urls, bands, found = _urls_and_bands(store)
    assert (urls, bands) == (sorted(kept), 3 * neardup.BANDS)  # none of story 2's buckets
    assert sorted(found) == sorted(kept)  # and no FTS row of story 2
    store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_a_row_failing_half_written_from_a_stream_costs_only_itself(tmp_path: Path) -> None:
    """Rows go in without a savepoint each; when one fails half-written the batch is written
    again row by row. Items from a generator are read once: the rows read before the failure
    and the ones after it are all stored, in one transaction."""
    store = ArticleStore(tmp_path / "news.db")
    store.conn.execute(REFUSE_BANDS_OF_STORY_2.format(action="ABORT"))
    read: list[int] = []

    def items() -> Iterator[dict[str, Any]]:
        for n in (1, 3, 2, 4, 5):
            read.append(n)
            yield story(n)

    counts = store.upsert_many(items())
    assert read == [1, 3, 2, 4, 5]
    assert (counts.new, counts.failed) == (4, [(story(2)["url"], "buckets refused")])
    kept = [story(n)["url"] for n in (1, 3, 4, 5)]
    urls, bands, found = _urls_and_bands(store)
    assert (urls, bands, sorted(found)) == (sorted(kept), 4 * neardup.BANDS, sorted(kept))
    store.close()


#: Refuses an edit that sets this title: a BEFORE UPDATE trigger, on the test's connection only.
REFUSE_EDIT = """
    CREATE TEMP TRIGGER refuse_edit BEFORE UPDATE OF title ON main.articles
    WHEN new.title = 'Отказ' BEGIN SELECT RAISE(ABORT, 'edit refused'); END
"""


def test_an_edit_failing_after_the_rows_before_it_were_indexed_keeps_them_searchable(
    tmp_path: Path,
) -> None:
    """On the slow path, an edit of a row inserted earlier in the batch first indexes the
    batch's new rows for search (the update trigger takes the row's terms out); when the edit
    then fails, ROLLBACK TO takes that indexing back too, and the rows must still be indexed
    before the commit (they were left out of the index: stored, never found)."""
    store = ArticleStore(tmp_path / "news.db")
    store.conn.execute(REFUSE_EDIT)
    failing = article(5, title="Отказ", text="Другой текст новости.")
    counts = store.upsert_many([story(3), article(5), failing, story(4)])
    assert (counts.new, counts.updated) == (3, 0)
    assert counts.failed == [(failing["url"], "edit refused")]
    kept = [story(3)["url"], article(5)["url"], story(4)["url"]]
    assert sorted(search_urls(store, "Текст новости")) == sorted(kept)
    assert search_urls(store, "Новость 5") == [article(5)["url"]]
    indexed = fts_index(store.conn)
    store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    assert indexed == fts_index(store.conn)
    store.close()


def test_a_batch_with_a_row_failing_in_the_codec_and_one_in_sql_names_each_once(
    tmp_path: Path,
) -> None:
    """Both paths record a failure (the codec's before any SQL, the row's SQL on the slow
    path); the fast path's record is dropped with its counts when the batch is written again,
    so a codec failure read before the SQL failure is named once, not twice."""
    store = ArticleStore(tmp_path / "news.db")
    store.conn.execute(REFUSE_BANDS_OF_STORY_2.format(action="ABORT"))
    bad = article(6, word_count="not a number")
    counts = store.upsert_many([story(1), bad, story(3), story(2), bad, story(4)])
    codec = "invalid literal for int() with base 10: 'not a number'"
    assert counts.new == 3
    assert counts.failed == [
        (bad["url"], codec), (story(2)["url"], "buckets refused"), (bad["url"], codec)
    ]  # fmt: skip
    assert stored_count(store) == 3
    store.close()


def test_sqlite_giving_up_the_transaction_loses_the_whole_batch_and_only_it(
    tmp_path: Path,
) -> None:
    """RAISE(ROLLBACK) mid-batch: SQLite has rolled back the rows already written in it; the
    store re-raises (not a row's fault) and the earlier batch is intact."""
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([story(1)])
    before = _urls_and_bands(store)
    store.conn.execute(REFUSE_BANDS_OF_STORY_2.format(action="ROLLBACK"))
    with pytest.raises(sqlite3.IntegrityError, match=r"^buckets refused$"):
        store.upsert_many([story(3), story(2), story(4)])
    assert not store.conn.in_transaction
    assert before == ([story(1)["url"]], neardup.BANDS, [story(1)["url"]])
    assert _urls_and_bands(store) == before
    store.upsert_many([story(5)])  # the connection is usable: no transaction left open
    assert stored_count(store) == 2
    store.close()


def test_an_error_that_is_no_rows_fault_rolls_back_the_batch_written_so_far(
    tmp_path: Path,
) -> None:
    """Two rows written, then the items themselves fail (not a row error): ROLLBACK, re-raise."""
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([story(1)])

    def items() -> Iterator[dict[str, Any]]:
        yield story(2)
        yield story(3)
        raise RuntimeError("the feed broke off")

    with pytest.raises(RuntimeError, match=r"^the feed broke off$"):
        store.upsert_many(items())
    assert not store.conn.in_transaction
    assert _urls_and_bands(store) == ([story(1)["url"]], neardup.BANDS, [story(1)["url"]])
    store.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer than this newsbot"):
        ArticleStore(path)


def test_dedup_drops_second_copy_by_url_and_by_text(tmp_path: Path) -> None:
    pipe = DedupPipeline(str(tmp_path / "news.db"))
    pipe.open_spider()
    pipe.process_item(article(1))
    with pytest.raises(DropItem, match="duplicate URL"):
        pipe.process_item(article(1, url=article(1)["url"] + "/"))
    with pytest.raises(DropItem, match="same text"):
        pipe.process_item(article(9, content_hash="hash-1"))
    pipe.close_spider()


def test_dedup_against_store_lets_recrawl_through_but_drops_copies(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    store = ArticleStore(path)
    store.upsert_many([article(1)])
    store.close()
    pipe = DedupPipeline(str(path))
    pipe.open_spider()
    with pytest.raises(DropItem, match="same text as stored"):
        pipe.process_item(article(5, content_hash="hash-1"))
    assert pipe.process_item(article(1))["url"] == article(1)["url"]
    pipe.close_spider()


def test_store_pipeline_batches_and_flushes_on_close(tmp_path: Path) -> None:
    path = tmp_path / "news.db"
    pipe = SQLitePipeline(path, batch_size=3, flush_seconds=3600)
    pipe.open_spider()
    for n in range(1, 5):
        pipe.process_item(article(n))
    reader = ArticleStore(path, readonly=True)
    assert stored_count(reader) == 3  # one batch committed, one item buffered
    pipe.close_spider()
    assert stored_count(reader) == 4
    reader.close()


# -- schema v2: migration from a real v1 file ---------------------------------------------------
V1_STORY = (
    "В районе Люблино после капитального ремонта открылся корпус школы на улице Судакова. "
    "В здании оборудовали двадцать два учебных кабинета, библиотеку и спортивный зал. "
    "Ремонт шёл полтора года, его провели по городской программе капитального ремонта."
)


def make_v1(path: Path, rows: list[dict[str, Any]]) -> None:
    """A database exactly as newsbot with schema v1 left it."""
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    for n, row in enumerate(rows):
        values = {**row, "tags": json.dumps(row["tags"], ensure_ascii=False)}
        values.update(
            categories=json.dumps(row["categories"], ensure_ascii=False),
            districts=json.dumps(row["districts"], ensure_ascii=False),
            url_key=row["url"].rstrip("/"),
            first_seen_at=f"2024-01-0{n + 1}T00:00:00+00:00",
            last_seen_at="2024-02-01T00:00:00+00:00",
        )
        names = ", ".join(values)
        conn.execute(
            f"INSERT INTO articles ({names}) VALUES ({', '.join(':' + k for k in values)})", values
        )
    conn.commit()
    conn.close()


def test_v1_database_is_migrated_keeping_rows_and_indexing_them(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    old_rows = [
        article(1, title="Ёлку нарядили в Люблине", text=V1_STORY),
        article(2, text=V1_STORY.replace("Ремонт шёл полтора года", "Работы заняли два года")),
        article(3, text="Совсем другая заметка о парке в Кузьминках."),
    ]
    make_v1(path, old_rows)
    store = ArticleStore(path)
    assert store.version == SCHEMA_VERSION == 9
    assert stored_items(store) == old_rows
    seen = store.conn.execute("SELECT first_seen_at, last_seen_at FROM articles WHERE id = 1")
    assert tuple(seen.fetchone()) == ("2024-01-01T00:00:00+00:00", "2024-02-01T00:00:00+00:00")
    # FTS holds the old rows, lemmas included; the copy is linked; the run log exists.
    assert search_urls(store, "елка") == [old_rows[0]["url"]]
    assert set(search_urls(store, "школа")) == {old_rows[0]["url"], old_rows[1]["url"]}
    dup = store.conn.execute(
        "SELECT duplicate_of FROM articles WHERE url = ?", (old_rows[1]["url"],)
    )
    assert dup.fetchone()[0] == old_rows[0]["url"]
    assert store.conn.execute("SELECT COUNT(*) FROM crawl_runs").fetchone()[0] == 0
    store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()
    again = ArticleStore(path)  # opening a current file changes nothing
    assert again.version == SCHEMA_VERSION and stored_count(again) == 3
    again.close()


def test_a_v7_store_migrates_to_merging_eight_segments_with_the_same_search_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v8 only sets the search index's automerge: a v7 file (the same rows, stored by a
    newsbot whose schema stopped at v7) finds the same rows in the same order, before and
    after more rows are stored."""
    from newsbot.store import schema
    from newsbot.store.schema import FTS_AUTOMERGE

    path = tmp_path / "v7.db"
    monkeypatch.setattr(schema, "MIGRATIONS", MIGRATIONS[:7])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 7)
    store = ArticleStore(path)
    assert store.version == 7
    rows = [
        article(1, title="Ёлку нарядили в Люблине", text=V1_STORY),
        article(2, text=V1_STORY.replace("Ремонт шёл полтора года", "Работы заняли два года")),
        article(3, text="Совсем другая заметка о парке в Кузьминках, о школе и о ёлке."),
    ]
    store.upsert_many(rows)
    queries = ["елка", "школа", "школы", "ремонт", "Кузьминки", '"капитального ремонта"']
    before = {q: search_urls(store, q) for q in queries}
    assert (
        store.conn.execute("SELECT v FROM articles_fts_config WHERE k = 'automerge'").fetchone()
        is None
    )
    store.close()
    monkeypatch.undo()
    store = ArticleStore(path)
    assert store.version == SCHEMA_VERSION
    config = store.conn.execute("SELECT v FROM articles_fts_config WHERE k = 'automerge'")
    assert config.fetchone()[0] == FTS_AUTOMERGE == 8
    url = [""] + [r["url"] for r in rows]
    assert before == {
        "елка": [url[3], url[1]],
        "школа": [url[3], url[2], url[1]],
        "школы": [url[2], url[1], url[3]],
        "ремонт": [url[1], url[2]],
        "Кузьминки": [url[3]],
        '"капитального ремонта"': [url[2], url[1]],  # a phrase: positions are indexed
    }
    assert {q: search_urls(store, q) for q in queries} == before
    more = [article(n, text=f"Заметка номер {n} о ремонте школы в Люблине.") for n in range(4, 28)]
    store.upsert_many(more)
    assert len(search_urls(store, "ремонт")) == 2 + 24
    assert search_urls(store, '"капитального ремонта"') == [url[2], url[1]]
    store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    store.close()


def test_schema_v2_objects(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert {"articles_fts", "article_bands", "crawl_runs", "articles_duplicate_of"} <= names
    cols = [r[1] for r in store.conn.execute("PRAGMA table_info(articles)")]
    assert cols[len(FIELDS) :] == [
        "url_key", "first_seen_at", "last_seen_at", "duplicate_of", "search_lemmas", "id"
    ]  # fmt: skip
    store.close()


# -- full-text search ---------------------------------------------------------------------------
@pytest.fixture
def searchable(tmp_path: Path) -> ArticleStore:
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many(
        [
            article(1, title="Ёлку нарядили в Люблине", text="Во дворе школы № 5 поставили ёлку."),
            article(2, title="Парк в Кузьминках", text="В Кузьминках открыли новую школу.",
                    lead="Выхино-Жулебино ждёт такой же"),
            article(3, title="Мой край", text="Рассказ о районе Марьино и его жителях."),
        ]
    )  # fmt: skip
    return store


def urls(store: ArticleStore, query: str, **kw: Any) -> set[int]:
    return {int(u.rsplit("-", 1)[1]) for u in search_urls(store, query, **kw)}


def test_fts_reads_yo_as_ye_both_ways(searchable: ArticleStore) -> None:
    assert urls(searchable, "елку") == urls(searchable, "ёлку") == {1}
    assert urls(searchable, "нарядили ЁЛКУ") == {1}


def test_fts_finds_inflected_forms_through_lemmas(searchable: ArticleStore) -> None:
    assert urls(searchable, "школа") == {1, 2}  # «школы», «школу»
    assert urls(searchable, "Люблино") == {1}  # «в Люблине»
    assert urls(searchable, "Кузьминки") == {2}  # «в Кузьминках»
    assert urls(searchable, "Люблин*") == {1}  # a prefix query: FTS syntax passes through
    assert urls(searchable, "Выхино-Жулебино") == {2}  # hyphenated: a phrase


def test_fts_does_not_stem_without_lemmas_nor_match_inside_words(searchable: ArticleStore) -> None:
    # Without the query's own lemma, an inflected query word finds only that exact form.
    assert urls(searchable, "школе", lemmatize=False) == set()
    assert urls(searchable, "школе") == {1, 2}
    assert urls(searchable, "{title lead text}: Люблино") == set()  # surface text only
    assert urls(searchable, "блин") == set()  # no substring matches
    assert urls(searchable, "мои", lemmatize=False) == set()  # «й» stays «й»: «мой» ≠ «мои»
    assert urls(searchable, "мой") == {3}


def test_fts_follows_updates_and_touches(searchable: ArticleStore) -> None:
    searchable.upsert_many([article(1, title="Праздник", text="Во дворе поставили сосну.")])
    assert urls(searchable, "елка") == set()
    assert urls(searchable, "сосна") == {1}
    searchable.conn.execute("DELETE FROM articles WHERE url = ?", (article(2)["url"],))
    assert urls(searchable, "Кузьминки") == set()
    searchable.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")


def fts_index(conn: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], ...]:
    """What the search index holds: every token (term, row id, column, offset), each row's
    token counts and the totals bm25 ranks by."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms"
        " USING fts5vocab(main, articles_fts, instance)"
    )
    tokens = conn.execute("SELECT term, doc, col, offset FROM temp.fts_terms ORDER BY 1, 2, 3, 4")
    sizes = conn.execute("SELECT id, sz FROM articles_fts_docsize ORDER BY id")
    totals = conn.execute("SELECT block FROM articles_fts_data WHERE id = 1")  # 'averages'
    return tuple([tuple(r) for r in rows] for rows in (tokens, sizes, totals))


def test_rows_the_store_indexes_at_the_end_of_a_batch_are_indexed_as_the_trigger_would(
    tmp_path: Path,
) -> None:
    """A batch's new rows are indexed together before its commit (the insert trigger stands
    aside inside the store's transaction): the index is the one a rebuild from the rows makes,
    also when a row of the batch is updated after its insert and when a row fails."""
    store = ArticleStore(tmp_path / "news.db")
    store.conn.execute(REFUSE_BANDS_OF_STORY_2.format(action="ABORT"))
    store.upsert_many([story(1), article(5, text="Ёлка в Люблине.")])
    edited = article(5, title="Сосна", text="Во дворе поставили сосну.")
    store.upsert_many([story(3), article(6), edited, story(2), article(7)])  # story 2 fails
    twice = [article(9, text="Каток залили."), article(9, text="Каток закрыли.")]
    store.upsert_many([article(6, text="Текст изменили."), *twice, article(8)])
    assert store.conn.execute("SELECT * FROM store_meta WHERE key LIKE 'fts%'").fetchall() == []
    assert urls(store, "сосна") == {5} and urls(store, "елка") == set()
    assert urls(store, "закрыли") == {9} and urls(store, "залили") == set()
    indexed = fts_index(store.conn)
    store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    assert indexed == fts_index(store.conn)
    assert [len(part) for part in indexed] == [88, 7, 1]
    # Rows written by hand, on another connection, are still indexed by the trigger.
    other = sqlite3.connect(tmp_path / "news.db")
    other.execute(
        "INSERT INTO articles (url, url_key, text, scraped_at, first_seen_at, last_seen_at)"
        " VALUES ('https://uv-kurier.ru/x', 'uv-kurier.ru/x', 'Горку залили.', '', '', '')"
    )
    other.commit()
    other.close()
    assert search_urls(store, "горку") == ["https://uv-kurier.ru/x"]
    store.close()


def test_new_rows_indexed_from_their_values_or_through_the_view_as_the_trigger_would(
    tmp_path: Path,
) -> None:
    """A batch's new rows go to the index from the values just written, ё folded in Python as
    the view folds it in SQL; a column that is not text (SQLite's affinity decides how it reads
    back) sends the batch through the view. Both give the index a rebuild makes."""
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([article(1, title="Ёлка ЁЛКА ёлочка", lead="Всё ещё"), article(2)])
    store.upsert_many([article(3, title=0, lead=0.0), article(4, text="Ёж.")])
    assert urls(store, "елка") == {1} and urls(store, "ЕЛОЧКА") == {1} and urls(store, "еж") == {4}
    assert urls(store, "0") == {3}
    indexed = fts_index(store.conn)
    store.conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    assert indexed == fts_index(store.conn)
    store.close()


def test_fts_query_rewrites_plain_words_only() -> None:
    assert fts_query("школы") == '("школы" OR "школа")'
    assert fts_query("Люблин*") == "Люблин*"
    assert fts_query('"ёлка" OR парк') == '"елка" OR парк'


def test_upsert_counts_a_change_in_any_field_but_scraped_at(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([article(1)])
    counts = store.upsert_many([article(1, scraped_at="2025-01-01T00:00:00+00:00")])
    assert (counts.updated, counts.unchanged) == (0, 1)
    counts = store.upsert_many([article(1, tags=["Люблино"])])
    assert (counts.updated, counts.unchanged) == (1, 0)
    assert stored_items(store)[0]["tags"] == ["Люблино"]
    store.close()


# -- crawl runs ---------------------------------------------------------------------------------
def test_crawl_runs_are_recorded(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    assert store.last_run("uv-kurier.ru") is None
    first = store.start_run("district", "uv-kurier.ru")
    store.finish_run(first, "ok", {"new": 3, "errors": 0})
    second = store.start_run("district", "uv-kurier.ru")
    store.start_run("district", "tekgazeta.ru")
    run = store.last_run("uv-kurier.ru")
    assert run is not None and run["id"] == second and run["status"] == "running"
    done = store.conn.execute("SELECT * FROM crawl_runs WHERE id = ?", (first,)).fetchone()
    assert done["finished_at"] and json.loads(done["summary"]) == {"errors": 0, "new": 3}
    assert store.last_run("uv-kurier.ru", spider="sitemap") is None
    store.close()


# -- crash safety -------------------------------------------------------------------------------
#: Writes batches of ``batch`` rows; in batch number ``stop_batch`` (0-based) it stops after
#: ``stop_row`` rows, inside the open transaction, says "inside" and waits to be killed.
#: With ``stop_row`` = ``batch`` it stops after that batch's COMMIT instead: "between".
WRITER = """
import sys
from newsbot.store import ArticleStore
path, batch, stop_batch, stop_row = sys.argv[1], *map(int, sys.argv[2:5])
store = ArticleStore(path)

def rows(n):
    for i in range(n * batch, (n + 1) * batch):
        if n == stop_batch and i - n * batch == stop_row:
            print("inside", flush=True)  # BEGIN IMMEDIATE ran; stop_row rows are written
            sys.stdin.readline()  # blocks until SIGKILL
        text = f"Заметка номер {i}. " + " ".join(f"слово{i}x{k}" for k in range(300))
        yield {"url": f"https://uv-kurier.ru/a-{i}", "site": "uv-kurier.ru",
               "title": f"Заголовок {i}", "text": text, "word_count": 302,
               "content_hash": f"h{i}", "tags": [f"t{i}"],
               "scraped_at": "2024-01-01T00:00:00+00:00"}

for n in range(stop_batch + 1):
    store.upsert_many(rows(n))
    print("committed", n + 1, flush=True)
print("between", flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize(
    ("stop_row", "batches_kept"),
    [(0, 4), (3, 4), (6, 4), (7, 5)],
    ids=["inside-before-any-row", "inside-after-3-rows", "inside-before-commit", "between"],
)
def test_kill_during_writes_leaves_only_whole_batches(
    tmp_path: Path, stop_row: int, batches_kept: int
) -> None:
    """SIGKILL at a known moment: inside batch 5's open transaction, after 0, 3 or all 7 of
    its rows, leaves exactly the 4 batches committed before it; after its COMMIT, all 5."""
    path, batch, stop_batch = tmp_path / "news.db", 7, 4
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [str(path), str(batch), str(stop_batch), str(stop_row)]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout is not None
    said = []
    try:
        for line in proc.stdout:
            said.append(line.strip())
            if said[-1] in ("inside", "between"):
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    committed = [f"committed {n}" for n in range(1, batches_kept + 1)]
    assert said == [*committed, "inside" if stop_row < batch else "between"]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    count = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert count == batches_kept * batch
    ids = sorted(int(r[0].rsplit("-", 1)[1]) for r in conn.execute("SELECT url FROM articles"))
    assert ids == list(range(count))
    for url, title, text, tags, key in conn.execute(
        "SELECT url, title, text, tags, url_key FROM articles"
    ):
        i = int(url.rsplit("-", 1)[1])
        assert title == f"Заголовок {i}" and text.startswith(f"Заметка номер {i}. ")
        assert text.endswith(f"слово{i}x299") and json.loads(tags) == [f"t{i}"]
        assert key == url_key(url)
    assert BandIndex(conn).count() == count * neardup.BANDS  # both tiers
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    conn.close()
    store = ArticleStore(path)  # and the writer's successor opens it normally
    assert stored_count(store) == count
    store.close()


def test_lemmas_from_the_dictionary_path_match_full_parses() -> None:
    """word_lemmas reads known words from pymorphy3's DAWG directly; same forms as parse()."""
    from newsbot.enrich.districts import morph_analyzer
    from newsbot.store.search import fold, word_lemmas

    morph = morph_analyzer()
    words = ["школы", "жителей", "районе", "ёлки", "в", "люблине", "выхине-жулебине", "мфц"]
    words += ["ювао", "skyeng", "собянинский", "по-новому", "2025", "прошёл", "открыли"]
    for word in words:
        expected = {fold(p.normal_form) for p in morph.parse(word)} - {fold(word)}
        assert word_lemmas(word) == tuple(sorted(expected)), word
    assert word_lemmas("школы") == ("школа",)
    assert word_lemmas("2025") == ()


def test_words_without_cyrillic_have_no_lemmas_as_full_parses_say() -> None:
    """word_lemmas skips the parse for words with no Cyrillic letter: pymorphy3 agrees."""
    from newsbot.enrich.districts import morph_analyzer
    from newsbot.store.search import word_lemmas

    morph = morph_analyzer()
    words = ["covid", "mos", "ru", "xiv", "ii", "abc123", "2025", "12abc", "test_word", "ωμέγα"]
    for word in words:
        assert {p.normal_form for p in morph.parse(word)} == {word}, word
        assert word_lemmas(word) == (), word
    assert word_lemmas("к") == ("как",)  # one Cyrillic letter still goes to the dictionary


def test_lemmas_of_words_with_paradigm_prefixes_match_full_parses() -> None:
    """Normal forms are built from a cut cached per (paradigm, form): comparatives and
    superlatives carry a paradigm prefix («по-», «наи-»), which the cut must strip and dress."""
    from newsbot.enrich.districts import morph_analyzer
    from newsbot.store.search import fold, word_lemmas

    morph = morph_analyzer()
    words = ["наилучшего", "наибольшей", "получше", "побыстрее", "лучшие", "наилучшие"]
    words += ["быстрее", "большего", "ещё", "всё", "её", "шёл", "пошли", "людей", "детьми"]
    for _ in range(2):  # cold, then with every cut cached
        word_lemmas.cache_clear()
        for word in words:
            expected = {fold(p.normal_form) for p in morph.parse(word)} - {fold(word)}
            assert word_lemmas(word) == tuple(sorted(expected)), word
    assert word_lemmas("наилучшего") == ("хороший",)


def test_lemmas_column_is_every_words_forms_in_text_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """lemmas_of looks a row's words up in a dict (a new word filled in by __missing__),
    emptied when full: the column is still each word's forms (word_lemmas), in text order,
    repeats kept."""
    from newsbot.store import search

    title, lead, text = "Ёлки в Люблине", None, "Школы района. В школе № 5 ёлки, 2025 школы!"
    expected = " ".join(
        form
        for part in (title, lead, text)
        for word in search._WORD.findall((part or "").casefold())
        for form in search.word_lemmas(word)
    )
    assert expected == "елка люблин люблино школа район школа елка школа"
    distinct = set(search._WORD.findall(f"{title} {text}".casefold()))
    monkeypatch.setattr(search, "_COLUMN_PARTS_MAX", 4)
    for _ in range(3):  # emptied as too full, then read from the dict
        assert search.lemmas_of(title, lead, text) == expected
        assert search._COLUMN_PARTS.keys() == distinct
    assert search.lemmas_of("", None) == ""


def test_a_writer_checkpoints_less_often_and_a_reader_as_before(
    tmp_path: Path,
) -> None:
    """The writer checkpoints every 4,000 WAL pages; a read-only store (exports, search) reads
    as before; nothing is memory-mapped (an I/O error under a mapped page is SIGBUS)."""
    path = tmp_path / "news.db"
    writer = ArticleStore(path)
    writer.upsert_many([article(1, text=V1_STORY)])
    assert writer.conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
    assert writer.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 4000
    reader = ArticleStore(path, readonly=True)
    assert reader.conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
    assert reader.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert search_urls(reader, "школа") == [article(1)["url"]]
    reader.close()
    assert (tmp_path / "news.db-wal").stat().st_size > 0
    writer.close()
    assert not (tmp_path / "news.db-wal").exists()  # the last close checkpoints it away


def test_a_rows_words_tokenised_once_are_the_lemmas_and_near_duplicate_words() -> None:
    """row_words gives lemmas_of's words and neardup.words' words of the text from one
    casefold and one tokenisation of it, on texts of «ё», «Ё», «ß», «İ», combining marks,
    digits, underscores and punctuation; a column neither text nor empty fails as before."""
    import random

    from newsbot.store import search

    rng = random.Random(13)
    alphabet = "аёЁеЕжЖßİIi\u0307\u0301_-9 .,\n«»ΣσςǅﬁLatin"
    parts = ["", None, "Ёлки в Люблине", "ВСЁ ЁЖ ß STRASSE İstanbul", "a\u0301b_c 12-3"]
    parts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(400)]
    for _ in range(600):
        title, lead, text = (rng.choice(parts) for _ in range(3))
        words, casefolded, text_words = search.row_words(title, lead, text)
        assert search.lemmas_of_words(words) == search.lemmas_of(title, lead, text)
        assert words == search._WORD.findall(f"{title or ''} {lead or ''} {text or ''}".casefold())
        assert neardup.words_from_casefolded(casefolded, text_words) == neardup.words(text or "")
        assert neardup.word_keys(neardup.words(text or "")) == neardup.text_keys(text)
    for bad in ((1, "", ""), ("", 2.5, ""), ("", "", 3), ("", "", b"x")):
        with pytest.raises(TypeError) as old:
            search.lemmas_of(*bad)
        with pytest.raises(TypeError) as new:
            search.row_words(*bad)
        assert str(new.value) == str(old.value)
    assert search.row_words(0, None, 0.0) == ([], "", [])


def test_list_columns_are_encoded_as_json_dumps_without_ascii_escapes() -> None:
    """The codec's one reused encoder writes what json.dumps(ensure_ascii=False) wrote."""
    from newsbot.store.codec import to_row

    lists: list[Any] = [[], ["Люблино", "школа"], ['"кавычки"', "\\", "\n\t", "😀", "\u2028"]]
    lists += [[1, 2.5, None, True], [["вложенный"], {"ключ": "значение"}], ["é", "ё", ""]]
    for value in lists:
        row = to_row(article(1, tags=value, categories=value, districts=value))
        expected = json.dumps(value, ensure_ascii=False)
        assert row["tags"] == row["categories"] == row["districts"] == expected
