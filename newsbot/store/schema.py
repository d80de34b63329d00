"""The schema and its migrations: ``PRAGMA user_version`` is the version, each step one transaction.

An old database file is brought up to date the first time a newer newsbot opens it. Schema v2
adds full-text search (``articles_fts``), near-duplicate links (``duplicate_of``,
``article_bands``) and the operators' run log (``crawl_runs``); docs/analysts.md documents every
table.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from newsbot.core.fields import FIELDS
from newsbot.core.text import YO_FOLDS
from newsbot.enrich import neardup
from newsbot.store import bands, links, search
from newsbot.store.search import lemmas_of

logger = logging.getLogger(__name__)

#: Columns beside the DESIGN.md fields.
BOOKKEEPING = ("url_key", "first_seen_at", "last_seen_at")


def _fold_sql(column: str) -> str:
    """SQL that reads «ё» as «е»: FTS5's unicode61 does not (ё is a letter, not е + diacritic)."""
    sql = column
    for yo, ye in YO_FOLDS:  # the same folds as newsbot.core.text.fold_yo
        sql = f"replace({sql}, '{yo}', '{ye}')"
    return sql


_FTS_COLUMNS = ("title", "lead", "text")
_FTS_NEW = ", ".join([*(_fold_sql(f"new.{c}") for c in _FTS_COLUMNS), "new.search_lemmas"])
_FTS_OLD = ", ".join([*(_fold_sql(f"old.{c}") for c in _FTS_COLUMNS), "old.search_lemmas"])
_V1_COLUMNS = ", ".join([*FIELDS, *BOOKKEEPING])
#: Segments of the search index merged at a time (schema v8; FTS5's default is 4).
FTS_AUTOMERGE = 8

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
    # v3: URLs that answered as no article (a static page, a 404/410) and when: a run does not
    # ask for them again until NEWSBOT_SKIPPED_RECHECK_HOURS have passed.
    """
    CREATE TABLE skipped_urls (
        url_key    TEXT PRIMARY KEY,
        url        TEXT NOT NULL,
        site       TEXT NOT NULL,
        reason     TEXT NOT NULL,
        skipped_at TEXT NOT NULL
    );
    CREATE INDEX skipped_urls_site ON skipped_urls (site, skipped_at);
    """,
    # v4: what each site offers discovery (its WordPress REST API, …) and when that was seen,
    # so `discover=auto` does not ask a site without the API on every run.
    """
    CREATE TABLE site_capabilities (
        site       TEXT NOT NULL,
        feature    TEXT NOT NULL,
        available  INTEGER NOT NULL,
        checked_at TEXT NOT NULL,
        PRIMARY KEY (site, feature)
    );
    """,
    # v5: each child sitemap's <lastmod> as it was when a completed run last read it, so an
    # incremental sitemap run fetches only the child sitemaps that changed since; and each
    # article page's sitemap <lastmod> when it was last fetched, so a page is fetched again
    # only when its lastmod moves (not on every run when the page shows no modified time).
    """
    CREATE TABLE sitemaps_read (
        url_key  TEXT PRIMARY KEY,
        url      TEXT NOT NULL,
        site     TEXT NOT NULL,
        lastmod  TEXT NOT NULL,
        read_at  TEXT NOT NULL
    );
    CREATE INDEX sitemaps_read_site ON sitemaps_read (site);
    CREATE TABLE sitemap_pages (
        url_key    TEXT PRIMARY KEY,
        lastmod    TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );
    """,
    # v6: each origin's robots.txt answer (2xx or 4xx) and when it was fetched, so a run
    # within NEWSBOT_ROBOTS_MAX_AGE_HOURS reads the rules and the Sitemap: lines from here.
    """
    CREATE TABLE robots_txt (
        origin     TEXT PRIMARY KEY,
        status     INTEGER NOT NULL,
        body       BLOB NOT NULL,
        fetched_at TEXT NOT NULL
    );
    """,
    # v7: the newest rows' near-duplicate buckets in a tier of their own, one row per article
    # (newsbot.store.bands), merged into article_bands sorted by key every few thousand rows;
    # deleting an article deletes its buckets in both tiers. The insert trigger leaves the
    # rows of a store's batch to the store, which indexes them at once (search.defer_indexing).
    f"""
    CREATE TABLE article_bands_recent (
        article_id INTEGER PRIMARY KEY,
        buckets    BLOB NOT NULL
    );
    DROP TRIGGER articles_fts_insert;
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles
    WHEN NOT EXISTS (SELECT 1 FROM store_meta WHERE key = '{search.DEFER_KEY}') BEGIN
        INSERT INTO articles_fts (rowid, title, lead, text, lemmas) VALUES (new.id, {_FTS_NEW});
    END;
    DROP TRIGGER articles_fts_delete;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, lead, text, lemmas)
            VALUES ('delete', old.id, {_FTS_OLD});
        DELETE FROM article_bands WHERE article_id = old.id;
        DELETE FROM article_bands_recent WHERE article_id = old.id;
    END;
    """,
    # v8: the search index merges its segments eight at a time, not four (FTS5's automerge).
    # A batch's rows are one new segment, rewritten once a level as merges carry it up, and
    # the levels grow with the store: fewer, wider levels rewrite less (a backfill of 10,000
    # rows, 1.46 -> 1.14 ms a row). A query reads up to seven segments a level, not three.
    f"""
    INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', {FTS_AUTOMERGE});
    """,
    # v9: article_bands loses its index on article_id. A merge inserted every key into both
    # B-trees, and the index was as big as the table (the merge's share of a row at 300,000
    # rows 0.17 -> 0.13 ms, benchmarks/bench_bands.py --upsert). The store takes an edited
    # row's keys out by primary key: they are its stored text's (neardup.text_keys). A row
    # deleted by hand cannot run that from a trigger: its id and text wait in
    # article_bands_deleted for the store's next write.
    f"""
    DROP INDEX article_bands_article;
    CREATE TABLE article_bands_deleted (
        article_id INTEGER NOT NULL,
        text       TEXT
    );
    DROP TRIGGER articles_fts_delete;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, lead, text, lemmas)
            VALUES ('delete', old.id, {_FTS_OLD});
        INSERT INTO article_bands_deleted (article_id, text)
            SELECT old.id, old.text
            WHERE NOT EXISTS (SELECT 1 FROM article_bands_recent WHERE article_id = old.id);
        DELETE FROM article_bands_recent WHERE article_id = old.id;
    END;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


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


def version_of(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Apply the missing steps, each in its own transaction with its version bump."""
    current = version_of(conn)
    if current > SCHEMA_VERSION:
        raise RuntimeError(
            f"{path} has schema v{current}, newer than this newsbot (v{SCHEMA_VERSION})"
        )
    for version in range(current, SCHEMA_VERSION):
        logger.info("migrating %s to schema v%d", path, version + 1)
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            if version + 1 == 2:
                _backfill_v2(conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    if _meta(conn, "neardup_scheme") != neardup.SCHEME:
        conn.execute("BEGIN IMMEDIATE")
        try:
            links.rebuild_bands(conn)
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM store_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _backfill_v2(conn: sqlite3.Connection) -> None:
    """Old rows get their lemmas (FTS follows by trigger) and near-duplicate buckets."""
    links.walk(
        conn,
        "SELECT id, title, lead, text FROM articles",
        lambda row: conn.execute(
            "UPDATE articles SET search_lemmas = ? WHERE id = ?",
            (lemmas_of(row["title"], row["lead"], row["text"]), row["id"]),
        ),
    )
    links.rebuild_bands(conn)
    # Link old copies; whatever the order, each group ends up pointing at its first copy.
    index = bands.BandIndex(conn)
    links.walk(
        conn,
        "SELECT id, url, text, published_at FROM articles",
        lambda row: links.link_near_duplicate(conn, row["id"], row["url"], row, index=index),
    )
