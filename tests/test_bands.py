"""The near-duplicate bucket index in two tiers (newsbot.store.bands): same links, whatever
tier a row's buckets are in, across batches, runs, rollbacks and other connections."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newsbot.enrich import neardup
from newsbot.store import ArticleStore, bands, schema
from tests.test_neardup import EDITED, OTHER_SCHOOL, SCHOOL, STORY, item, links
from tests.test_store import REFUSE_BANDS_OF_STORY_2, make_v1

WORDS = [f"слово{k}" for k in range(400)]


def stories(count: int, seed: int = 5) -> list[dict[str, Any]]:
    """Stories of random words, every fourth an edited copy of an earlier one (a sentence
    replaced), published at random times, so groups form and their first copy moves."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for n in range(count):
        if n > 3 and n % 4 == 0:
            sentences = out[rng.randrange(len(out))]["text"].split(". ")
            sentences[rng.randrange(len(sentences))] = " ".join(rng.choices(WORDS, k=9))
            text = ". ".join(sentences)
        else:
            text = ". ".join(" ".join(rng.choices(WORDS, k=9)) for _ in range(6))
        out.append(item(n, text, f"2024-03-{rng.randint(1, 28):02d}T10:00:00+03:00"))
    return out


def keys_by_rebuild(store: ArticleStore) -> set[tuple[int, int, int]]:
    return {
        (band, bucket, row[0])
        for row in store.conn.execute("SELECT id, text FROM articles")
        for band, bucket in neardup.band_keys(neardup.shingles(row[1]))
    }


def stored_keys(store: ArticleStore) -> set[tuple[int, int, int]]:
    merged = {
        (int(band), int(bucket), int(article_id))
        for band, bucket, article_id in store.conn.execute("SELECT * FROM article_bands")
    }
    recent = {
        (band, bucket, int(article_id))
        for article_id, blob in store.conn.execute("SELECT * FROM article_bands_recent")
        for band, bucket in bands.unpack(blob)
    }
    assert not merged & recent
    return merged | recent


def write(path: Path, batches: list[list[dict[str, Any]]]) -> tuple[dict[str, Any], int]:
    store = ArticleStore(path)
    linked = sum(store.upsert_many(batch).near_duplicates for batch in batches)
    assert stored_keys(store) == keys_by_rebuild(store)
    found = links(store)
    store.close()
    return found, linked


def test_links_are_the_same_whichever_tier_holds_the_buckets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = stories(80)
    # Then some stored rows are edited: a copy into a story of its own, a story into a copy.
    rows += [item(8, rows[9]["text"]), item(9, rows[30]["text"] + " Дополнено."), item(4, SCHOOL)]
    batches = [rows[i : i + 7] for i in range(0, len(rows), 7)]
    results = {}
    for merge_rows in (1, 5, 10**9):
        monkeypatch.setattr(bands, "MERGE_ROWS", merge_rows)
        results[merge_rows] = write(tmp_path / f"m{merge_rows}.db", batches)
    assert results[1] == results[5] == results[10**9]
    found, linked = results[1]
    # As the one-tier index had it (main at 2ad9f09, same batches).
    assert linked == 21 and sum(v is not None for v in found.values()) == 18


def test_merge_moves_the_recent_tier_into_article_bands_sorted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bands, "MERGE_ROWS", 3)
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([item(1, STORY), item(2, SCHOOL)])
    count = (
        "SELECT (SELECT COUNT(*) FROM article_bands), (SELECT COUNT(*) FROM article_bands_recent)"
    )
    assert tuple(store.conn.execute(count).fetchone()) == (0, 2)
    store.upsert_many([item(3, EDITED)])  # the third row: merged before the commit
    assert tuple(store.conn.execute(count).fetchone()) == (3 * neardup.BANDS, 0)
    assert links(store)["https://uv-kurier.ru/story-3"] == "https://uv-kurier.ru/story-1"
    store.upsert_many([item(4, EDITED.replace("Собянин", "мэр"))])  # found in article_bands
    assert links(store)["https://uv-kurier.ru/story-4"] == "https://uv-kurier.ru/story-1"
    assert tuple(store.conn.execute(count).fetchone()) == (3 * neardup.BANDS, 1)
    store.close()


def test_a_rolled_back_batch_leaves_no_buckets_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite gives up a batch after two rows are written: their buckets must not linger in
    the recent tier's table in memory, where the next merge would write them."""
    monkeypatch.setattr(bands, "MERGE_ROWS", 3)
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([item(10, SCHOOL)])
    store.conn.execute(REFUSE_BANDS_OF_STORY_2.format(action="ROLLBACK"))
    with pytest.raises(sqlite3.IntegrityError):
        store.upsert_many([item(1, STORY), item(3, OTHER_SCHOOL), item(2, SCHOOL)])
    store.upsert_many([item(5, EDITED)])  # two rows in the recent tier: no merge yet
    count = (
        "SELECT (SELECT COUNT(*) FROM article_bands), (SELECT COUNT(*) FROM article_bands_recent)"
    )
    assert tuple(store.conn.execute(count).fetchone()) == (0, 2)
    store.upsert_many([item(6, STORY)])  # the third: merged
    assert tuple(store.conn.execute(count).fetchone()) == (3 * neardup.BANDS, 0)
    assert stored_keys(store) == keys_by_rebuild(store)
    assert links(store)["https://uv-kurier.ru/story-6"] == "https://uv-kurier.ru/story-5"
    store.close()


def test_rows_another_connection_committed_are_found(tmp_path: Path) -> None:
    first, second = ArticleStore(tmp_path / "news.db"), ArticleStore(tmp_path / "news.db")
    first.upsert_many([item(1, STORY)])  # first's recent tier now in its memory
    second.upsert_many([item(2, SCHOOL)])
    second.conn.execute("DELETE FROM articles WHERE id = 1")  # and its buckets, by trigger
    first.upsert_many([item(3, EDITED), item(4, SCHOOL.replace("Судакова", "Головачёва"))])
    assert links(first) == {
        "https://uv-kurier.ru/story-2": None,
        "https://uv-kurier.ru/story-3": None,
        "https://uv-kurier.ru/story-4": "https://uv-kurier.ru/story-2",
    }
    assert stored_keys(first) == keys_by_rebuild(first)
    first.close()
    second.close()


def test_a_v6_store_migrates_keeping_its_buckets_in_article_bands(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    make_v1(path, [{**item(1, STORY), "tags": [], "categories": [], "districts": []}])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    for version in range(1, 6):  # what newsbot with schema v6 did to it
        for statement in schema._statements(schema.MIGRATIONS[version]):
            conn.execute(statement)
        if version == 1:
            schema._backfill_v2(conn)
    conn.execute("PRAGMA user_version = 6")
    assert conn.execute("SELECT COUNT(*) FROM article_bands").fetchone()[0] == neardup.BANDS
    conn.close()
    store = ArticleStore(path)
    assert store.version == 9 and store.bands.count() == neardup.BANDS
    store.upsert_many([item(2, EDITED)])
    assert links(store)["https://uv-kurier.ru/story-2"] == "https://uv-kurier.ru/story-1"
    store.conn.execute("DELETE FROM articles")  # story 1's keys merged, story 2's recent
    assert store.bands.count() == neardup.BANDS  # story 1's: taken out at the next write
    store.upsert_many([item(3, SCHOOL)])
    assert store.bands.count() == neardup.BANDS  # story 3's alone
    assert stored_keys(store) == keys_by_rebuild(store)
    assert store.conn.execute("SELECT COUNT(*) FROM article_bands_deleted").fetchone()[0] == 0
    store.close()


def test_an_id_reused_after_a_delete_on_the_same_connection_has_only_its_own_buckets(
    tmp_path: Path,
) -> None:
    """A row deleted through the store's own connection (no data_version change) and its id
    taken by the next new row: the look-up table forgets the old row's buckets."""
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([item(1, STORY)])
    store.conn.execute("DELETE FROM articles WHERE id = 1")
    store.upsert_many([item(2, SCHOOL)])  # id 1 again
    assert store.conn.execute("SELECT id FROM articles").fetchall()[0][0] == 1
    assert 1 not in store.bands.hits(neardup.text_keys(STORY))
    assert store.bands.hits(neardup.text_keys(SCHOOL))[1] == neardup.BANDS
    assert stored_keys(store) == keys_by_rebuild(store)
    store.close()


def test_the_recent_tiers_table_in_memory_answers_as_its_rows_do(tmp_path: Path) -> None:
    """Buckets of one article, of several, and ones that go back to one or none as rows are
    replaced and removed: every look-up answers as the tier's rows read afresh do, and as a
    count over the keys themselves."""
    rng = random.Random(3)
    pool = [rng.getrandbits(64) - (1 << 63) for _ in range(6)]  # few buckets: many shared
    store = ArticleStore(tmp_path / "news.db")
    index = store.bands
    wanted: dict[int, list[tuple[int, int]]] = {}
    store.conn.execute("BEGIN IMMEDIATE")
    for step in range(300):
        article_id = rng.randrange(1, 40)
        if rng.random() < 0.25:
            index.remove(article_id, None)  # no text: its keys are all recent
            wanted.pop(article_id, None)
        else:
            keys = [(band, rng.choice(pool)) for band in range(neardup.BANDS)]
            index.replace(article_id, keys, None)
            wanted[article_id] = keys
        probe = [(band, rng.choice(pool)) for band in range(neardup.BANDS)]
        expected = {
            aid: n for aid, keys in wanted.items() if (n := sum(key in keys for key in probe))
        }
        assert dict(index.hits(probe)) == expected, step
        if step % 50 == 0:
            fresh = bands.BandIndex(store.conn)
            assert dict(fresh.hits(probe)) == expected
    store.conn.execute("COMMIT")
    store.close()


def test_an_empty_article_bands_is_asked_once_a_batch_and_keys_written_by_hand_are_found(
    tmp_path: Path,
) -> None:
    """Until the first merge, article_bands is empty: a batch asks once whether it is, and
    its rows' look-ups run no SQL there. Keys put there on the store's own connection (no
    data_version change) between batches are still found by the next batch."""
    store = ArticleStore(tmp_path / "news.db")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    store.upsert_many([item(2, SCHOOL), item(3, OTHER_SCHOOL)])
    on_merged = [s for s in statements if "article_bands " in s or s.endswith("article_bands")]
    assert on_merged == ["SELECT 1 FROM article_bands LIMIT 1"]
    # A row and its keys in article_bands written by hand: the recent tier's table in memory
    # does not hold them, and the batch before found article_bands empty.
    by_hand = store.conn.execute(
        "INSERT INTO articles (url, url_key, text, published_at, scraped_at, first_seen_at,"
        " last_seen_at) VALUES (?, ?, ?, '2024-03-01T10:00:00+03:00', '', '', '')",
        ("https://uv-kurier.ru/story-1", "uv-kurier.ru/story-1", STORY),
    )
    bands.insert_merged(store.conn, int(by_hand.lastrowid or 0), neardup.text_keys(STORY))
    store.upsert_many([item(4, EDITED)])
    assert links(store)["https://uv-kurier.ru/story-4"] == "https://uv-kurier.ru/story-1"
    store.close()


def test_a_merged_row_deleted_by_hand_loses_its_keys_at_the_next_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No index on article_id: a trigger cannot find a merged row's keys, so the row's id and
    text wait in article_bands_deleted. Until the store's next write its keys name an id with
    no row; that write takes them out, and a new row given the same id has only its own."""
    monkeypatch.setattr(bands, "MERGE_ROWS", 2)
    store, other = ArticleStore(tmp_path / "news.db"), ArticleStore(tmp_path / "news.db")
    store.upsert_many([item(1, STORY), item(2, SCHOOL)])  # both merged
    assert store.bands.count() == 2 * neardup.BANDS
    other.conn.execute("DELETE FROM articles WHERE id = 2")  # by hand, another connection
    waiting = store.conn.execute("SELECT article_id, text FROM article_bands_deleted").fetchall()
    assert [tuple(r) for r in waiting] == [(2, SCHOOL)]
    assert store.bands.count() == 2 * neardup.BANDS
    # The next write: story 3 is a copy of the deleted story, so only the keys it takes out
    # keep it from naming id 2, and it takes id 2 itself (the highest id was deleted).
    store.upsert_many([item(3, OTHER_SCHOOL)])
    assert (
        store.conn.execute("SELECT id FROM articles WHERE url LIKE '%/story-3'").fetchone()[0] == 2
    )
    assert store.conn.execute("SELECT COUNT(*) FROM article_bands_deleted").fetchone()[0] == 0
    assert stored_keys(store) == keys_by_rebuild(store)
    assert links(store) == {
        "https://uv-kurier.ru/story-1": None,
        "https://uv-kurier.ru/story-3": None,
    }
    store.close()
    other.close()


def test_a_v8_store_migrates_without_the_index_keeping_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v9 drops article_bands' index on article_id: a v8 file (stored by a newsbot whose schema
    stopped there, buckets in both tiers) keeps every key, and an edited merged row's old keys
    are taken out by primary key."""
    path = tmp_path / "v8.db"
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:8])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 8)
    monkeypatch.setattr(bands, "MERGE_ROWS", 2)
    store = ArticleStore(path)
    store.upsert_many([item(1, STORY), item(2, SCHOOL)])  # merged
    store.upsert_many([item(3, OTHER_SCHOOL)])  # recent
    assert store.version == 8 and not store.bands.keyed_by_text
    store.upsert_many([item(3, STORY)])  # edited on v8: its keys taken out by article_id
    store.close()
    monkeypatch.undo()
    monkeypatch.setattr(bands, "MERGE_ROWS", 10**9)
    store = ArticleStore(path)
    assert store.version == 9 and store.bands.keyed_by_text
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'article_bands'"
    assert store.conn.execute(indexes).fetchall() == []
    assert store.bands.count() == 3 * neardup.BANDS
    assert stored_keys(store) == keys_by_rebuild(store)
    store.upsert_many([item(1, EDITED.replace("Собянин", "мэр")), item(2, OTHER_SCHOOL)])
    assert store.bands.count() == 3 * neardup.BANDS  # the merged rows' old keys are gone
    assert stored_keys(store) == keys_by_rebuild(store)
    assert links(store) == {
        "https://uv-kurier.ru/story-1": None,  # the elder copy (the same day, a lower id)
        "https://uv-kurier.ru/story-2": None,
        "https://uv-kurier.ru/story-3": "https://uv-kurier.ru/story-1",
    }
    store.close()


def test_the_recent_tier_grows_with_the_store_before_a_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge rewrites much of the bucket tree: the bigger the store, the more rows it waits
    for (here at least 2, at most 5, and a quarter of the store between)."""
    monkeypatch.setattr(bands, "MERGE_ROWS", 2)
    monkeypatch.setattr(bands, "MERGE_ROWS_MAX", 5)
    monkeypatch.setattr(bands, "MERGE_FRACTION", 4)
    store = ArticleStore(tmp_path / "news.db")
    merged_rows, merges = 0, []
    for row in stories(27, seed=9):
        store.upsert_many([row])
        now = store.conn.execute("SELECT COUNT(*) FROM article_bands").fetchone()[0]
        if now // neardup.BANDS != merged_rows:
            merges.append(now // neardup.BANDS - merged_rows)
            merged_rows = now // neardup.BANDS
    # After row n: a merge once the tier holds min(5, max(2, n // 4)) rows.
    assert merges == [2, 2, 2, 2, 2, 3, 4, 5, 5]
    assert stored_keys(store) == keys_by_rebuild(store)
    store.close()
