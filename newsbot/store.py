"""The SQLite store: one row per article URL, written in batched transactions under WAL.

The schema is created and migrated by code (``PRAGMA user_version`` holds its version), so an old
database file is brought up to date the first time a newer newsbot opens it. Schema v2 adds
full-text search (``articles_fts``), near-duplicate links (``duplicate_of``, ``article_bands``)
and the operators' run log (``crawl_runs``); docs/analysts.md documents every table.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from newsbot import neardup
from newsbot.fields import FIELDS, LIST_FIELDS
from newsbot.text import sanitize
from newsbot.urls import url_key

logger = logging.getLogger(__name__)

#: Columns beside the DESIGN.md fields.
BOOKKEEPING = ("url_key", "first_seen_at", "last_seen_at")


def _fold_sql(column: str) -> str:
    """SQL that reads «ё» as «е»: FTS5's unicode61 does not (ё is a letter, not е + diacritic)."""
    return f"replace(replace({column}, 'ё', 'е'), 'Ё', 'Е')"


_FTS_COLUMNS = ("title", "lead", "text")
_FTS_NEW = ", ".join([*(_fold_sql(f"new.{c}") for c in _FTS_COLUMNS), "new.search_lemmas"])
_FTS_OLD = ", ".join([*(_fold_sql(f"old.{c}") for c in _FTS_COLUMNS), "old.search_lemmas"])
_V1_COLUMNS = ", ".join([*FIELDS, *BOOKKEEPING])

# Each entry brings the schema from version i to i+1; never edit a released step, add one.
MIGRATIONS: tuple[str, ...] = (
    # v1: the articles table of DESIGN.md, one row per URL.
    """
    CREATE TABLE articles (
        url           TEXT PRIMARY KEY,
        site          TEXT NOT NULL DEFAULT '',
        title         TEXT NOT NULL DEFAULT '',
        published_at  TEXT,
        modified_at   TEXT,
        author        TEXT NOT NULL DEFAULT '',
        lead          TEXT NOT NULL DEFAULT '',
        text          TEXT NOT NULL DEFAULT '',
        image_url     TEXT NOT NULL DEFAULT '',
        image_caption TEXT NOT NULL DEFAULT '',
        photo_credit  TEXT NOT NULL DEFAULT '',
        tags          TEXT NOT NULL DEFAULT '[]',
        categories    TEXT NOT NULL DEFAULT '[]',
        districts     TEXT NOT NULL DEFAULT '[]',
        word_count    INTEGER NOT NULL DEFAULT 0,
        content_hash  TEXT NOT NULL DEFAULT '',
        scraped_at    TEXT NOT NULL,
        url_key       TEXT NOT NULL UNIQUE,
        first_seen_at TEXT NOT NULL,
        last_seen_at  TEXT NOT NULL
    );
    CREATE INDEX articles_published_at ON articles (published_at);
    CREATE INDEX articles_site ON articles (site);
    CREATE INDEX articles_content_hash ON articles (content_hash);
    """,
    # v2: an explicit integer key (VACUUM may renumber an implicit rowid, which FTS5 keys on),
    # full-text search, near-duplicate links and buckets, the crawl run log.
    f"""
    CREATE TABLE articles_v2 (
        url           TEXT NOT NULL UNIQUE,
        site          TEXT NOT NULL DEFAULT '',
        title         TEXT NOT NULL DEFAULT '',
        published_at  TEXT,
        modified_at   TEXT,
        author        TEXT NOT NULL DEFAULT '',
        lead          TEXT NOT NULL DEFAULT '',
        text          TEXT NOT NULL DEFAULT '',
        image_url     TEXT NOT NULL DEFAULT '',
        image_caption TEXT NOT NULL DEFAULT '',
        photo_credit  TEXT NOT NULL DEFAULT '',
        tags          TEXT NOT NULL DEFAULT '[]',
        categories    TEXT NOT NULL DEFAULT '[]',
        districts     TEXT NOT NULL DEFAULT '[]',
        word_count    INTEGER NOT NULL DEFAULT 0,
        content_hash  TEXT NOT NULL DEFAULT '',
        scraped_at    TEXT NOT NULL,
        url_key       TEXT NOT NULL UNIQUE,
        first_seen_at TEXT NOT NULL,
        last_seen_at  TEXT NOT NULL,
        duplicate_of  TEXT,
        search_lemmas TEXT NOT NULL DEFAULT '',
        id            INTEGER PRIMARY KEY
    );
    INSERT INTO articles_v2 ({_V1_COLUMNS}, id)
        SELECT {_V1_COLUMNS}, rowid FROM articles ORDER BY rowid;
    DROP TABLE articles;
    ALTER TABLE articles_v2 RENAME TO articles;
    CREATE INDEX articles_published_at ON articles (published_at);
    CREATE INDEX articles_site ON articles (site);
    CREATE INDEX articles_content_hash ON articles (content_hash);
    CREATE INDEX articles_duplicate_of ON articles (duplicate_of);
    CREATE VIEW articles_fts_source AS
        SELECT id, {_fold_sql("title")} AS title, {_fold_sql("lead")} AS lead,
               {_fold_sql("text")} AS text, search_lemmas AS lemmas
        FROM articles;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, lead, text, lemmas,
        content = 'articles_fts_source', content_rowid = 'id',
        tokenize = "unicode61 remove_diacritics 2"
    );
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, title, lead, text, lemmas) VALUES (new.id, {_FTS_NEW});
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, lead, text, lemmas)
            VALUES ('delete', old.id, {_FTS_OLD});
        DELETE FROM article_bands WHERE article_id = old.id;
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, lead, text, search_lemmas
    ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, lead, text, lemmas)
            VALUES ('delete', old.id, {_FTS_OLD});
        INSERT INTO articles_fts (rowid, title, lead, text, lemmas) VALUES (new.id, {_FTS_NEW});
    END;
    INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
    CREATE TABLE article_bands (
        band       INTEGER NOT NULL,
        bucket     INTEGER NOT NULL,
        article_id INTEGER NOT NULL,
        PRIMARY KEY (band, bucket, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX article_bands_article ON article_bands (article_id);
    CREATE TABLE store_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE crawl_runs (
        id          INTEGER PRIMARY KEY,
        spider      TEXT NOT NULL,
        site        TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        status      TEXT NOT NULL DEFAULT 'running',
        summary     TEXT NOT NULL DEFAULT '{{}}'
    );
    CREATE INDEX crawl_runs_site_spider ON crawl_runs (site, spider, id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

#: Rows fetched per round trip when a step walks the whole table.
_CHUNK = 500
#: Near-duplicate candidates confirmed by exact similarity, per new or edited row.
_MAX_CANDIDATES = 20


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


class StoreUnavailable(Exception):
    """The store (or its lock) cannot be used; the message is one line for the operator."""


def store_failure(path: str | Path, exc: BaseException) -> str:
    """One line saying which file cannot be used and why, for a log or stderr."""
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename or path
        return f"cannot use the store {path}: {where}: {exc.strerror}"
    text = str(exc) or type(exc).__name__
    low = text.lower()
    if "not a database" in low:
        text = "the file is not an SQLite database"
    elif "disk is full" in low or "disk full" in low:
        text = "database or disk is full"
    elif "readonly" in low or "read-only" in low:
        text = "the file or its directory is read-only"
    elif "unable to open" in low:
        text = "cannot open or create the file (missing or unwritable directory?)"
    return f"cannot use the store {path}: {text}"


def check_store(path: str | Path, lock_path: str | Path | None) -> None:
    """Before a run: can the lock be created and the store opened, migrated and written?

    Raises StoreUnavailable with one line for the operator (missing or read-only directory,
    a file that is not a database, a full disk); a run would otherwise fail in several
    components at once, each with a traceback.
    """
    if lock_path:
        lock = Path(lock_path)
        try:
            lock.parent.mkdir(parents=True, exist_ok=True)
            with lock.open("a"):
                pass
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot create the run lock {lock}: {exc.strerror or exc}"
            ) from exc
    try:
        store = ArticleStore(path)
        try:
            store.conn.execute("BEGIN IMMEDIATE")  # a write lock: read-only files fail here
            store.conn.execute("ROLLBACK")
        finally:
            store.close()
    except (sqlite3.Error, OSError, RuntimeError) as exc:
        raise StoreUnavailable(store_failure(path, exc)) from exc


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# -- search helpers ----------------------------------------------------------------------------
_WORD = re.compile(r"\w+")
_FTS_OPERATORS = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")
_PLAIN_QUERY = re.compile(r"[\w\s-]+")


def fold(text: str) -> str:
    """«ё» → «е», as the FTS index stores it; apply to queries before MATCH."""
    return text.replace("ё", "е").replace("Ё", "Е")


@cache
def _morph() -> Any:
    from newsbot.districts import morph_analyzer

    return morph_analyzer()


@lru_cache(maxsize=200_000)
def word_lemmas(word: str) -> tuple[str, ...]:
    """Every dictionary form pymorphy3 offers for a lower-case word, folded, except the word."""
    morph = _morph()
    if morph is None or word.isdigit():
        return ()
    folded = fold(word)
    found = {fold(p.normal_form) for p in morph.parse(word)}
    found.discard(folded)
    return tuple(sorted(found))


def lemmas_of(*texts: str | None) -> str:
    """The ``lemmas`` FTS column: dictionary forms of the inflected words, in text order.

    Words already in dictionary form are left out (the text columns hold them), which keeps the
    column about half the size of the text.
    """
    out: list[str] = []
    for text in texts:
        for word in _WORD.findall((text or "").casefold()):
            out.extend(word_lemmas(word))
    return " ".join(out)


def fts_query(query: str, *, lemmatize: bool = True) -> str:
    """An FTS5 MATCH expression for a user's query, folded like the index.

    A plain query (words only) matches each word in any grammatical form: ``школы`` becomes
    ``("школы" OR "школа")``, and since the index holds the dictionary form of every inflected
    word, that finds «школа», «школы», «школе», «школу». Anything else (quotes, ``*``,
    ``AND``/``OR``/``NOT``/``NEAR``, column filters) is FTS5 syntax and passes through folded.
    """
    folded = fold(query.strip())
    if not lemmatize or not _PLAIN_QUERY.fullmatch(folded) or _FTS_OPERATORS.search(folded):
        return folded
    terms = []
    for token in folded.split():
        parts = _WORD.findall(token.casefold())
        if not parts:
            continue
        if len(parts) > 1:  # «Выхино-Жулебино»: the tokenizer splits it, so it is a phrase
            terms.append('"' + " ".join(parts) + '"')
            continue
        alternatives = [parts[0], *word_lemmas(parts[0])]
        quoted = [f'"{a}"' for a in alternatives]
        terms.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
    return " AND ".join(terms)


# -- rows --------------------------------------------------------------------------------------
def _to_row(item: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in FIELDS:
        value = item.get(name)
        if name in LIST_FIELDS:
            values = [sanitize(v) if isinstance(v, str) else v for v in value or []]
            value = json.dumps(values, ensure_ascii=False)
        elif name == "word_count":
            value = int(value or 0)
        elif name in ("published_at", "modified_at"):
            value = sanitize(value) if isinstance(value, str) else value
            value = value or None  # NULL sorts and filters better than ''
        elif value is None:
            value = ""
        elif isinstance(value, str):
            value = sanitize(value)  # a lone surrogate would fail the row (and did the batch)
        row[name] = value
    row["url_key"] = url_key(row["url"])
    return row


def row_to_item(row: sqlite3.Row | Mapping[str, Any]) -> dict[str, Any]:
    """A stored row back as a dataset item (lists decoded, NULL dates as '')."""
    item: dict[str, Any] = {}
    keys = row.keys()
    for name in FIELDS:
        value = row[name] if name in keys else None
        if name in LIST_FIELDS:
            value = json.loads(value) if value else []
        elif value is None:
            value = "" if name != "word_count" else 0
        item[name] = value
    return item


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements; ``CREATE TRIGGER … END;`` holds inner semicolons."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending
            pending = ""
    if pending.strip():
        yield pending


def _order_key(row: sqlite3.Row | Mapping[str, Any]) -> tuple[str, int]:
    """Which copy of a story came first: earliest published, then earliest stored."""
    return (row["published_at"] or "9999", int(row["id"]))


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
            self.migrate()

    # -- schema ---------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply the missing steps, each in its own transaction with its version bump."""
        current = self.version
        if current > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} has schema v{current}, newer than this newsbot (v{SCHEMA_VERSION})"
            )
        for version in range(current, SCHEMA_VERSION):
            logger.info("migrating %s to schema v%d", self.path, version + 1)
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[version]):
                    self.conn.execute(statement)
                backfill = _BACKFILLS.get(version + 1)
                if backfill is not None:
                    backfill(self)
                self.conn.execute(f"PRAGMA user_version = {version + 1}")
                self.conn.execute("COMMIT")
            except Exception:
                self.conn.execute("ROLLBACK")
                raise
        if self._meta("neardup_scheme") != neardup.SCHEME:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self._rebuild_bands()
                self.conn.execute("COMMIT")
            except Exception:
                self.conn.execute("ROLLBACK")
                raise

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM store_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _backfill_v2(self) -> None:
        """Old rows get their lemmas (FTS follows by trigger) and near-duplicate buckets."""
        self._walk(
            "SELECT id, title, lead, text FROM articles",
            lambda row: self.conn.execute(
                "UPDATE articles SET search_lemmas = ? WHERE id = ?",
                (lemmas_of(row["title"], row["lead"], row["text"]), row["id"]),
            ),
        )
        self._rebuild_bands()
        # Link old copies; whatever the order, each group ends up pointing at its first copy.
        self._walk(
            "SELECT id, url, text, published_at FROM articles",
            lambda row: self._link_near_duplicate(row["id"], row["url"], row),
        )

    def _walk(self, sql: str, step: Callable[[sqlite3.Row], Any]) -> None:
        """Apply ``step`` to every row of ``sql`` (which selects ``id``), a page at a time."""
        last = -1
        while True:
            page = self.conn.execute(
                f"SELECT * FROM ({sql}) AS w WHERE w.id > ? ORDER BY w.id LIMIT {_CHUNK}", (last,)
            ).fetchall()
            if not page:
                return
            for row in page:
                step(row)
            last = page[-1]["id"]

    def _rebuild_bands(self) -> None:
        self.conn.execute("DELETE FROM article_bands")
        self._walk(
            "SELECT id, text FROM articles",
            lambda row: self._store_bands(row["id"], neardup.shingles(row["text"])),
        )
        self.conn.execute(
            "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('neardup_scheme', ?)",
            (neardup.SCHEME,),
        )

    # -- near-duplicates ------------------------------------------------------------------
    def _store_bands(self, article_id: int, shingle_set: frozenset[str]) -> list[tuple[int, int]]:
        self.conn.execute("DELETE FROM article_bands WHERE article_id = ?", (article_id,))
        keys = neardup.band_keys(shingle_set)
        self.conn.executemany(
            "INSERT OR IGNORE INTO article_bands (band, bucket, article_id) VALUES (?, ?, ?)",
            [(band, bucket, article_id) for band, bucket in keys],
        )
        return keys

    def _link_near_duplicate(
        self, article_id: int, url: str, me: sqlite3.Row | Mapping[str, Any]
    ) -> bool:
        """Point this row, or the group it joins, at the group's first copy. True if linked."""
        mine = neardup.shingles(me["text"])
        if not mine:
            return False
        hits: Counter[int] = Counter()
        for band, bucket in neardup.band_keys(mine):
            hits.update(
                r[0]
                for r in self.conn.execute(
                    "SELECT article_id FROM article_bands WHERE band = ? AND bucket = ?",
                    (band, bucket),
                )
            )
        hits.pop(article_id, None)
        # More shared buckets, more likely similar: a big group of copies costs a bounded check.
        candidates = sorted(hits, key=lambda cid: (-hits[cid], cid))[:_MAX_CANDIDATES]
        best: tuple[float, sqlite3.Row] | None = None
        for cid in candidates:
            other = self.conn.execute(
                "SELECT id, url, text, published_at, duplicate_of FROM articles WHERE id = ?",
                (cid,),
            ).fetchone()
            if other is None or other["duplicate_of"] == url:
                continue
            score = neardup.jaccard(mine, neardup.shingles(other["text"]))
            if score >= neardup.THRESHOLD and (best is None or score > best[0]):
                best = (score, other)
        if best is None:
            return False
        other = best[1]
        root_url = other["duplicate_of"] or other["url"]
        root = self.conn.execute(
            "SELECT id, url, published_at FROM articles WHERE url = ?", (root_url,)
        ).fetchone()
        me_key = {"published_at": me["published_at"], "id": article_id}
        if root is not None and _order_key(me_key) < _order_key(root):
            self._attach(root["url"], url)  # this row is older: it becomes the first copy
        else:
            self._attach(url, root_url)
        logger.debug("near-duplicate: %s ~ %s (J=%.2f)", url, other["url"], best[0])
        return True

    def _attach(self, url: str, root_url: str) -> None:
        """Make ``url`` and every copy that pointed at it point at ``root_url``."""
        self.conn.execute(
            "UPDATE articles SET duplicate_of = ? WHERE url = ? OR duplicate_of = ?",
            (root_url, url, url),
        )
        self.conn.execute("UPDATE articles SET duplicate_of = NULL WHERE url = ?", (root_url,))

    def _detach(self, article_id: int, url: str) -> None:
        """Before re-linking an edited row: its copies regroup under the eldest of them."""
        self.conn.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", (article_id,))
        copies = self.conn.execute(
            "SELECT id, url, published_at FROM articles WHERE duplicate_of = ?", (url,)
        ).fetchall()
        if copies:
            first = min(copies, key=_order_key)
            self._attach(url, first["url"])
            self.conn.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", (article_id,))

    # -- writes ---------------------------------------------------------------------------
    def upsert_many(
        self, items: Iterable[Mapping[str, Any]], seen_at: str | None = None
    ) -> UpsertCounts:
        """Insert new URLs, update changed ones, touch unchanged ones: one transaction.

        A row counts as changed when any DESIGN.md field but ``scraped_at`` differs. New and
        changed rows get their search lemmas and near-duplicate buckets in the same transaction.
        A row SQLite refuses is left out and named in ``failed``; the others are committed.
        """
        seen_at = seen_at or utc_now()
        counts = UpsertCounts()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for item in items:
                # A savepoint per row: a row SQLite refuses is rolled back alone.
                self.conn.execute("SAVEPOINT upsert_row")
                try:
                    self._upsert_one(_to_row(item), seen_at, counts)
                except ROW_ERRORS as exc:
                    if not self.conn.in_transaction:
                        raise  # SQLite gave up the whole transaction: not this row's fault
                    self.conn.execute("ROLLBACK TO upsert_row")
                    counts.failed.append((str(item.get("url") or "?"), str(exc)))
                self.conn.execute("RELEASE upsert_row")
            self.conn.execute("COMMIT")
        except Exception:
            # A full disk or an I/O error has already rolled back (and ROLLBACK would raise,
            # hiding the cause).
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return counts

    def _upsert_one(self, row: dict[str, Any], seen_at: str, counts: UpsertCounts) -> None:
        columns = [*FIELDS, "url_key", "search_lemmas"]
        compared = [c for c in FIELDS if c != "scraped_at"]
        updates = ", ".join(f"{c} = :{c}" for c in columns if c not in ("url", "url_key"))
        names = ", ".join([*columns, "first_seen_at", "last_seen_at"])
        values = ", ".join([f":{c}" for c in columns] + [":seen_at", ":seen_at"])
        old = self.conn.execute(
            f"SELECT id, {', '.join(FIELDS)} FROM articles WHERE url_key = ?",
            (row["url_key"],),
        ).fetchone()
        row["seen_at"] = seen_at
        if old is not None and all(old[c] == row[c] for c in compared):
            self.conn.execute(
                "UPDATE articles SET last_seen_at = :seen_at WHERE id = :id",
                {"seen_at": seen_at, "id": old["id"]},
            )
            counts.unchanged += 1
            return
        row["search_lemmas"] = lemmas_of(row["title"], row["lead"], row["text"])
        if old is None:
            cursor = self.conn.execute(f"INSERT INTO articles ({names}) VALUES ({values})", row)
            article_id = int(cursor.lastrowid or 0)
            new = True
        else:
            new = False
            article_id = old["id"]
            self.conn.execute(
                f"UPDATE articles SET url = :url, {updates}, last_seen_at = :seen_at"
                " WHERE id = :id",
                {**row, "id": article_id},
            )
            if old["url"] != row["url"]:
                self.conn.execute(
                    "UPDATE articles SET duplicate_of = ? WHERE duplicate_of = ?",
                    (row["url"], old["url"]),
                )
            if old["text"] == row["text"]:
                counts.updated += 1
                return
            self._detach(article_id, row["url"])
        self._store_bands(article_id, neardup.shingles(row["text"]))
        linked = self._link_near_duplicate(article_id, row["url"], row)
        # Counted last, so a row rolled back to its savepoint is not counted as stored.
        if new:
            counts.new += 1
        else:
            counts.updated += 1
        if linked:
            counts.near_duplicates += 1

    # -- crawl runs -----------------------------------------------------------------------
    def start_run(self, spider: str, site: str) -> int:
        """Record a crawl run as started ('running'); returns its id for ``finish_run``."""
        cursor = self.conn.execute(
            "INSERT INTO crawl_runs (spider, site, started_at, status) VALUES (?, ?, ?, 'running')",
            (spider, site, utc_now()),
        )
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, summary: Mapping[str, Any]) -> None:
        self.conn.execute(
            "UPDATE crawl_runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
            (
                utc_now(),
                status,
                json.dumps(dict(summary), ensure_ascii=False, sort_keys=True, default=str),
                run_id,
            ),
        )

    def last_run(self, site: str, spider: str = "district") -> sqlite3.Row | None:
        """The most recently started run for this site and spider, whatever its status."""
        row: sqlite3.Row | None = self.conn.execute(
            "SELECT * FROM crawl_runs WHERE site = ? AND spider = ? ORDER BY id DESC LIMIT 1",
            (site, spider),
        ).fetchone()
        return row

    def recent_summaries(
        self, site: str, spider: str = "district", status: str = "ok", limit: int = 10
    ) -> list[dict[str, Any]]:
        """JSON summaries of the last finished runs with this status, newest first."""
        rows = self.conn.execute(
            "SELECT summary FROM crawl_runs WHERE site = ? AND spider = ? AND status = ?"
            " AND finished_at IS NOT NULL AND summary IS NOT NULL ORDER BY id DESC LIMIT ?",
            (site, spider, status, limit),
        ).fetchall()
        out: list[dict[str, Any]] = []
        for row in rows:
            try:
                out.append(json.loads(row[0]))
            except (TypeError, ValueError):
                logger.warning("unreadable run summary in %s skipped", self.path)
        return out

    # -- reads ----------------------------------------------------------------------------
    def url_for_hash(self, content_hash: str) -> str | None:
        if not content_hash:
            return None
        row = self.conn.execute(
            "SELECT url FROM articles WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        return row["url"] if row else None

    def known_url_keys(self, site: str | None = None) -> set[str]:
        sql, args = "SELECT url_key FROM articles", ()
        if site:
            sql, args = sql + " WHERE site = ?", (site,)
        return {r[0] for r in self.conn.execute(sql, args)}

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def iter_items(self) -> Iterator[dict[str, Any]]:
        for row in self.conn.execute("SELECT * FROM articles ORDER BY published_at, url"):
            yield row_to_item(row)

    def search(self, query: str, *, lemmatize: bool = True) -> list[str]:
        """URLs whose title, lead or text match ``query`` (see ``fts_query``), best first."""
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT a.url FROM articles_fts JOIN articles AS a ON a.id = articles_fts.rowid"
                " WHERE articles_fts MATCH ? ORDER BY rank",
                (fts_query(query, lemmatize=lemmatize),),
            )
        ]

    def close(self) -> None:
        self.conn.close()


#: Python steps run inside a migration's transaction, after its SQL, keyed by target version.
_BACKFILLS: dict[int, Callable[[ArticleStore], None]] = {2: ArticleStore._backfill_v2}
