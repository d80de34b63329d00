"""Near-duplicate groups: LSH buckets per article, and `duplicate_of` links to the first copy."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from newsbot.enrich import neardup
from newsbot.store import bands

logger = logging.getLogger(__name__)

#: Rows fetched per round trip when a step walks the whole table.
_CHUNK = 500
#: Near-duplicate candidates confirmed by exact similarity, per new or edited row.
_MAX_CANDIDATES = 20


def order_key(row: sqlite3.Row | Mapping[str, Any]) -> tuple[str, int]:
    """Which copy of a story came first: earliest published, then earliest stored."""
    return (row["published_at"] or "9999", int(row["id"]))


def walk(conn: sqlite3.Connection, sql: str, step: Callable[[sqlite3.Row], Any]) -> None:
    """Apply ``step`` to every row of ``sql`` (which selects ``id``), a page at a time."""
    last = -1
    while True:
        page = conn.execute(
            f"SELECT * FROM ({sql}) AS w WHERE w.id > ? ORDER BY w.id LIMIT {_CHUNK}", (last,)
        ).fetchall()
        if not page:
            return
        for row in page:
            step(row)
        last = page[-1]["id"]


def rebuild_bands(conn: sqlite3.Connection) -> None:
    bands.clear(conn)
    walk(
        conn,
        "SELECT id, text FROM articles",
        lambda row: bands.insert_merged(conn, row["id"], neardup.text_keys(row["text"])),
    )
    conn.execute(
        "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('neardup_scheme', ?)",
        (neardup.SCHEME,),
    )


def link_near_duplicate(
    conn: sqlite3.Connection,
    article_id: int,
    url: str,
    me: sqlite3.Row | Mapping[str, Any],
    keys: list[tuple[int, int]] | None = None,
    index: bands.BandIndex | None = None,
    words: list[str] | None = None,
) -> bool:
    """Point this row, or the group it joins, at the group's first copy. True if linked.

    ``keys`` are the row's band keys when the caller has them (the store computes them once
    per row: MinHash is the costly part); ``index`` the store's bucket index (by default one
    is read afresh from the connection); ``words`` the text's ``neardup.words`` when the
    caller has them.
    """
    keys = neardup.text_keys(me["text"]) if keys is None else keys
    if not keys:  # too short to compare
        return False
    hits = (index if index is not None else bands.BandIndex(conn)).hits(keys)
    hits.pop(article_id, None)
    # More shared buckets, more likely similar: a big group of copies costs a bounded check.
    candidates = sorted(hits, key=lambda cid: (-hits[cid], cid))[:_MAX_CANDIDATES]
    best: tuple[float, sqlite3.Row] | None = None
    mine_words: frozenset[tuple[str, ...]] = frozenset()
    if candidates:
        words = neardup.words(me["text"] or "") if words is None else words
        mine_words = neardup.word_tuples(words)
    for cid in candidates:
        other = conn.execute(
            "SELECT id, url, text, published_at, duplicate_of FROM articles WHERE id = ?",
            (cid,),
        ).fetchone()
        if other is None or other["duplicate_of"] == url:
            continue
        score = neardup.jaccard(mine_words, neardup.shingle_tuples(other["text"]))
        if score >= neardup.THRESHOLD and (best is None or score > best[0]):
            best = (score, other)
    if best is None:
        return False
    other = best[1]
    root_url = other["duplicate_of"] or other["url"]
    root = conn.execute(
        "SELECT id, url, published_at FROM articles WHERE url = ?", (root_url,)
    ).fetchone()
    me_key = {"published_at": me["published_at"], "id": article_id}
    if root is not None and order_key(me_key) < order_key(root):
        attach(conn, root["url"], url)  # this row is older: it becomes the first copy
    else:
        attach(conn, url, root_url)
    logger.debug("near-duplicate: %s ~ %s (J=%.2f)", url, other["url"], best[0])
    return True


def attach(conn: sqlite3.Connection, url: str, root_url: str) -> None:
    """Make ``url`` and every copy that pointed at it point at ``root_url``."""
    conn.execute(
        "UPDATE articles SET duplicate_of = ? WHERE url = ? OR duplicate_of = ?",
        (root_url, url, url),
    )
    conn.execute("UPDATE articles SET duplicate_of = NULL WHERE url = ?", (root_url,))


def detach(conn: sqlite3.Connection, article_id: int, url: str) -> None:
    """Before re-linking an edited row: its copies regroup under the eldest of them."""
    conn.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", (article_id,))
    copies = conn.execute(
        "SELECT id, url, published_at FROM articles WHERE duplicate_of = ?", (url,)
    ).fetchall()
    if copies:
        first = min(copies, key=order_key)
        attach(conn, url, first["url"])
        conn.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", (article_id,))
