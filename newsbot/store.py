"""The SQLite store: one row per article URL, written in batched transactions under WAL.

The schema is created and migrated by code (``PRAGMA user_version`` holds its version), so an old
database file is brought up to date the first time a newer newsbot opens it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsbot.items import FIELDS, LIST_FIELDS
from newsbot.urls import url_key

logger = logging.getLogger(__name__)

#: Columns beside the DESIGN.md fields.
BOOKKEEPING = ("url_key", "first_seen_at", "last_seen_at")

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
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _to_row(item: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in FIELDS:
        value = item.get(name)
        if name in LIST_FIELDS:
            value = json.dumps(list(value or []), ensure_ascii=False)
        elif name == "word_count":
            value = int(value or 0)
        elif name in ("published_at", "modified_at"):
            value = value or None  # NULL sorts and filters better than ''
        elif value is None:
            value = ""
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
                for statement in MIGRATIONS[version].split(";\n"):
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {version + 1}")
                self.conn.execute("COMMIT")
            except Exception:
                self.conn.execute("ROLLBACK")
                raise

    # -- writes ---------------------------------------------------------------------------
    def upsert_many(
        self, items: Iterable[Mapping[str, Any]], seen_at: str | None = None
    ) -> UpsertCounts:
        """Insert new URLs, update changed ones, touch unchanged ones: one transaction."""
        seen_at = seen_at or utc_now()
        counts = UpsertCounts()
        columns = [*FIELDS, "url_key"]
        updates = ", ".join(f"{c} = :{c}" for c in columns if c not in ("url", "url_key"))
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for item in items:
                row = _to_row(item)
                old = self.conn.execute(
                    "SELECT url, content_hash, title FROM articles WHERE url_key = ?",
                    (row["url_key"],),
                ).fetchone()
                row["seen_at"] = seen_at
                if old is None:
                    names = ", ".join([*columns, "first_seen_at", "last_seen_at"])
                    values = ", ".join([f":{c}" for c in columns] + [":seen_at", ":seen_at"])
                    self.conn.execute(f"INSERT INTO articles ({names}) VALUES ({values})", row)
                    counts.new += 1
                elif old["content_hash"] == row["content_hash"] and old["title"] == row["title"]:
                    self.conn.execute(
                        "UPDATE articles SET last_seen_at = :seen_at WHERE url_key = :url_key", row
                    )
                    counts.unchanged += 1
                else:
                    self.conn.execute(
                        f"UPDATE articles SET url = :url, {updates}, last_seen_at = :seen_at"
                        " WHERE url_key = :url_key",
                        row,
                    )
                    counts.updated += 1
            self.conn.execute("COMMIT")
        except Exception:
            self.conn.execute("ROLLBACK")
            raise
        return counts

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

    def close(self) -> None:
        self.conn.close()
