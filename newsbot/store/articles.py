"""The articles table: one store object per crawl, batched upserts, the lookups a crawl needs."""

from __future__ import annotations

import itertools
import logging
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsbot.core.dates import utc_now
from newsbot.core.fields import FIELDS
from newsbot.core.urls import url_key
from newsbot.enrich import neardup
from newsbot.store import links, robots, runs, schema, search, sitemaps
from newsbot.store.bands import BandIndex
from newsbot.store.batch import write_rows
from newsbot.store.codec import to_row
from newsbot.store.search import lemmas_of_words, row_words

logger = logging.getLogger(__name__)


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Of the new and updated rows, how many were linked to an earlier copy (``duplicate_of``).
    near_duplicates: int = 0
    #: Rows kept out of the transaction: (url, reason); the rest of the batch is committed.
    failed: list[tuple[str, str]] = field(default_factory=list)


#: What a bad row raises (a value SQLite cannot bind, a constraint); anything else, such as
#: sqlite3.OperationalError (disk full, read-only, locked), is the store's fault, not the row's.
ROW_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
    UnicodeError,
    ValueError,
    TypeError,
    OverflowError,
)


#: SQLite's page cache for a writer, KiB (its default is 2 MB). Each row inserts 32 random keys
#: into ``article_bands`` and its words into the FTS index: once those B-trees outgrow the cache,
#: every insert re-reads pages. Allocated only as pages are read, so an idle run stays small.
_WRITER_CACHE_KIB = 65_536
#: WAL pages a writer lets pile up before it checkpoints them into the file (SQLite's default
#: is 1,000: 4 MiB). Each batch rewrites the same hot pages (the search index's structure
#: record and newest segments, the right edges of the indexes, the recent bucket tier), and a
#: checkpoint copies each page once however often it was rewritten since the last one. At
#: 4,000 that is every ~16 MiB of WAL (one bigger transaction, a bucket merge, still writes
#: all its pages there first, as before); the last connection's close still empties it.
_WRITER_CHECKPOINT_PAGES = 4000


_COLUMNS = (*FIELDS, "url_key", "search_lemmas")
#: The fields whose change makes a stored row "updated" (a re-crawl always has a new scraped_at).
_COMPARED = tuple(c for c in FIELDS if c != "scraped_at")
_SELECT_BY_KEY = f"SELECT id, {', '.join(FIELDS)} FROM articles WHERE url_key = ?"
_INSERT = (
    f"INSERT INTO articles ({', '.join([*_COLUMNS, 'first_seen_at', 'last_seen_at'])})"
    f" VALUES ({', '.join([f':{c}' for c in _COLUMNS] + [':seen_at', ':seen_at'])})"
)
_UPDATE = (
    "UPDATE articles SET url = :url, "
    + ", ".join(f"{c} = :{c}" for c in _COLUMNS if c not in ("url", "url_key"))
    + ", last_seen_at = :seen_at WHERE id = :id"
)


class ArticleStore:
    """A connection to one database file, schema guaranteed current."""

    def __init__(self, path: str | Path, *, readonly: bool = False, timeout: float = 30.0) -> None:
        self.path = Path(path)
        if readonly:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if not readonly:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute(f"PRAGMA cache_size = -{_WRITER_CACHE_KIB}")
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {_WRITER_CHECKPOINT_PAGES}")
            self.migrate()
        #: The near-duplicate buckets, both tiers (newsbot.store.bands).
        self.bands = BandIndex(self.conn)
        #: Rows this transaction inserted (id -> index entry), to be indexed for search before
        #: it commits.
        self._unindexed: dict[int, search.IndexEntry] = {}

    @property
    def version(self) -> int:
        return schema.version_of(self.conn)

    def migrate(self) -> None:
        schema.migrate(self.conn, self.path)

    # -- writes ---------------------------------------------------------------------------
    def upsert_many(
        self, items: Iterable[Mapping[str, Any]], seen_at: str | None = None
    ) -> UpsertCounts:
        """Insert new URLs, update changed ones, touch unchanged ones: one transaction.

        A row counts as changed when any DESIGN.md field but ``scraped_at`` differs. New and
        changed rows get their search lemmas and near-duplicate buckets in the same transaction.
        A row SQLite refuses is left out and named in ``failed``; the others are committed.

        Rows are written without a savepoint each: a savepoint makes FTS5 flush its pending
        terms as a one-row segment (and SQLite copy every page the row touches to a
        sub-journal), which was a third of an upsert. Should a row fail half-written, the batch
        is rolled back and written again with a savepoint per row, so the failing row is
        rolled back alone, as before; items are read once, as they come. New rows are indexed
        for search together, before the commit (``search.defer_indexing``).
        """
        seen_at = seen_at or utc_now()
        pending = iter(items)
        consumed: list[Mapping[str, Any]] = []
        counts = UpsertCounts()
        try:
            self._begin()
            try:
                for item in pending:
                    consumed.append(item)
                    row = self._row_or_failure(item, counts)
                    if row is not None:
                        self._upsert_one(row, seen_at, counts)
            except ROW_ERRORS:
                if not self.conn.in_transaction:
                    raise  # SQLite gave up the whole transaction: not this row's fault
                self.conn.execute("ROLLBACK")
                self.bands.forget()
                self._begin()
                counts = self._upsert_each_alone(itertools.chain(consumed, pending), seen_at)
            self._index_new_rows()
            search.end_deferral(self.conn)
            self.bands.merge_if_due()
            self.conn.execute("COMMIT")
        except Exception:
            self.bands.forget()
            # A full disk or an I/O error has already rolled back (and ROLLBACK would raise,
            # hiding the cause).
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return counts

    def _begin(self) -> None:
        """A write transaction whose new rows are indexed for search at its end, all at once."""
        self.conn.execute("BEGIN IMMEDIATE")
        self._unindexed = {}
        self.bands.begin()
        search.defer_indexing(self.conn)

    def _index_new_rows(self) -> None:
        search.index_rows(self.conn, self._unindexed)
        self._unindexed = {}

    @staticmethod
    def _row_or_failure(item: Mapping[str, Any], counts: UpsertCounts) -> dict[str, Any] | None:
        """The item as a row, or None with the reason in ``failed`` (no SQL ran for it yet)."""
        try:
            return to_row(item)
        except ROW_ERRORS as exc:
            counts.failed.append((str(item.get("url") or "?"), str(exc)))
            return None

    def _upsert_each_alone(self, items: Iterable[Mapping[str, Any]], seen_at: str) -> UpsertCounts:
        """The slow path, once a row failed: each row in a savepoint of its own."""
        counts = UpsertCounts()
        for item in items:
            row = self._row_or_failure(item, counts)
            if row is None:
                continue
            # An edit of a row new in this batch indexes the batch's new rows first: should
            # it then fail, ROLLBACK TO takes that indexing back, so they are pending again.
            unindexed = dict(self._unindexed)
            self.conn.execute("SAVEPOINT upsert_row")
            try:
                self._upsert_one(row, seen_at, counts)
            except ROW_ERRORS as exc:
                if not self.conn.in_transaction:
                    raise
                self.conn.execute("ROLLBACK TO upsert_row")
                self._unindexed = unindexed
                self.bands.forget()  # it may hold the row's buckets
                counts.failed.append((str(item.get("url") or "?"), str(exc)))
            self.conn.execute("RELEASE upsert_row")
        return counts

    def _upsert_one(self, row: dict[str, Any], seen_at: str, counts: UpsertCounts) -> None:
        old = self.conn.execute(_SELECT_BY_KEY, (row["url_key"],)).fetchone()
        row["seen_at"] = seen_at
        if old is not None and all(old[c] == row[c] for c in _COMPARED):
            self.conn.execute(
                "UPDATE articles SET last_seen_at = :seen_at WHERE id = :id",
                {"seen_at": seen_at, "id": old["id"]},
            )
            counts.unchanged += 1
            return
        lemma_words, casefolded, text_words = row_words(row["title"], row["lead"], row["text"])
        lemmas = row["search_lemmas"] = lemmas_of_words(lemma_words)
        if old is None:
            cursor = self.conn.execute(_INSERT, row)
            article_id = int(cursor.lastrowid or 0)
            self._unindexed[article_id] = search.index_entry(
                row["title"], row["lead"], row["text"], lemmas
            )
            new = True
        else:
            new = False
            article_id = old["id"]
            if article_id in self._unindexed:  # inserted in this batch: index it before the
                self._index_new_rows()  # update trigger takes its terms out again
            self.conn.execute(_UPDATE, {**row, "id": article_id})
            if old["url"] != row["url"]:
                self.conn.execute(
                    "UPDATE articles SET duplicate_of = ? WHERE duplicate_of = ?",
                    (row["url"], old["url"]),
                )
            if old["text"] == row["text"]:
                counts.updated += 1
                return
            links.detach(self.conn, article_id, row["url"])
        words = neardup.words_from_casefolded(casefolded, text_words)
        keys = neardup.word_keys(words)
        if new:  # a new id: no keys to take out first
            self.bands.add(article_id, keys)
        else:
            self.bands.replace(article_id, keys, old["text"])
        linked = links.link_near_duplicate(
            self.conn, article_id, row["url"], row, keys, self.bands, words
        )
        # Counted last, so a row rolled back to its savepoint is not counted as stored.
        if new:
            counts.new += 1
        else:
            counts.updated += 1
        if linked:
            counts.near_duplicates += 1

    # -- crawl runs (newsbot.store.runs) ---------------------------------------------------
    def start_run(self, spider: str, site: str) -> int:
        return runs.start_run(self.conn, spider, site)

    def finish_run(self, run_id: int, status: str, summary: Mapping[str, Any]) -> None:
        runs.finish_run(self.conn, run_id, status, summary)

    def last_run(self, site: str, spider: str = "district") -> sqlite3.Row | None:
        return runs.last_run(self.conn, site, spider)

    def recent_summaries(
        self, site: str, spider: str = "district", status: str = "ok", limit: int = 10
    ) -> list[dict[str, Any]]:
        return runs.recent_summaries(self.conn, site, spider, status, limit)

    # -- reads ----------------------------------------------------------------------------
    def url_for_hash(self, content_hash: str) -> str | None:
        if not content_hash:
            return None
        row = self.conn.execute(
            "SELECT url FROM articles WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        return row["url"] if row else None

    def has_site(self, site: str) -> bool:
        """Whether any row of the site is stored: one index probe, where a count of a
        million-row site walks a million index entries (~0.1 s of an idle run)."""
        row = self.conn.execute("SELECT 1 FROM articles WHERE site = ? LIMIT 1", (site,))
        return row.fetchone() is not None

    def stored_among(self, keys: Iterable[str]) -> set[str]:
        """Which of these url_keys are stored: a run asks only about the links a page shows,
        so an idle run costs the same with a million rows as with a hundred."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.conn.execute(
                    f"SELECT url_key FROM articles WHERE url_key IN ({marks})", chunk
                )
            )
        return found

    def note_skipped(self, site: str, skipped: Iterable[tuple[str, str]], at: str) -> None:
        """Record (url, reason) pairs that gave no article, in one transaction."""
        write_rows(
            self.conn,
            "INSERT OR REPLACE INTO skipped_urls (url_key, url, site, reason, skipped_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(url_key(url), url, site, reason, at) for url, reason in skipped],
        )

    def capability(self, site: str, feature: str) -> tuple[bool, str] | None:
        """(whether the site offered ``feature``, when that was checked), or None if never."""
        row = self.conn.execute(
            "SELECT available, checked_at FROM site_capabilities WHERE site = ? AND feature = ?",
            (site, feature),
        ).fetchone()
        return (bool(row[0]), str(row[1])) if row else None

    def note_capability(self, site: str, feature: str, available: bool, at: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO site_capabilities (site, feature, available, checked_at)"
            " VALUES (?, ?, ?, ?)",
            (site, feature, int(available), at),
        )

    def recently_skipped(self, site: str, since: str) -> set[str]:
        """url_keys of this site refused as no article at or after ``since`` (ISO UTC)."""
        return {
            r[0]
            for r in self.conn.execute(
                "SELECT url_key FROM skipped_urls WHERE site = ? AND skipped_at >= ?",
                (site, since),
            )
        }

    def stored_change_times(self, keys: Iterable[str]) -> dict[str, str]:
        """url_key -> when the stored copy last changed (``modified_at``, else ``published_at``,
        ISO), for the keys given: an incremental run asks only about the posts it sees."""
        wanted = list(keys)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.conn.execute(
                "SELECT url_key, coalesce(modified_at, published_at, '') FROM articles"
                f" WHERE url_key IN ({marks})",
                chunk,
            ):
                found[row[0]] = row[1]
        return found

    # -- sitemaps read (newsbot.store.sitemaps) -------------------------------------------
    def sitemap_lastmods(self, site: str) -> dict[str, str]:
        return sitemaps.lastmods_read(self.conn, site)

    def note_sitemaps_read(self, site: str, read: Iterable[tuple[str, str]], at: str) -> None:
        sitemaps.note_read(self.conn, site, read, at)

    def page_lastmods(self, keys: Iterable[str]) -> dict[str, str]:
        return sitemaps.page_lastmods(self.conn, keys)

    def note_page_lastmods(self, fetched: Iterable[tuple[str, str]], at: str) -> None:
        sitemaps.note_pages(self.conn, fetched, at)

    # -- robots.txt answers (newsbot.store.robots) ----------------------------------------
    def robots_txt_since(self, since: str) -> list[tuple[str, int, bytes, str]]:
        return robots.remembered(self.conn, since)

    def note_robots_txt(self, origin: str, status: int, body: bytes, at: str) -> None:
        robots.note(self.conn, origin, status, body, at)

    def close(self) -> None:
        self.conn.close()
