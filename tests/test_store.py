"""The SQLite store and the dedup/store pipelines, on real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem

from newsbot.items import FIELDS
from newsbot.pipelines.dedup import DedupPipeline
from newsbot.pipelines.store import SQLitePipeline
from newsbot.store import SCHEMA_VERSION, ArticleStore


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
    assert store.count() == 2
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
    assert store.count() == 1
    store.close()


def test_items_round_trip(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([article(3, modified_at="2024-01-04T10:00:00+03:00")])
    (item,) = list(store.iter_items())
    assert item == article(3, modified_at="2024-01-04T10:00:00+03:00")
    store.close()


def test_failed_batch_leaves_no_half_written_rows(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([article(1)])
    bad = article(2, word_count="not a number")
    with pytest.raises(ValueError):
        store.upsert_many([article(3), bad])
    assert store.count() == 1
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
    assert reader.count() == 3  # one batch committed, one item buffered
    pipe.close_spider()
    assert reader.count() == 4
    reader.close()
