"""Reading a store back in tests, through the production codec (``newsbot.store.codec``)."""

from __future__ import annotations

from typing import Any

from newsbot.core.fields import FIELDS
from newsbot.store import ArticleStore
from newsbot.store.codec import NULLABLE, from_row
from newsbot.store.search import fts_query


def stored_count(store: ArticleStore) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])


def stored_items(store: ArticleStore) -> list[dict[str, Any]]:
    """Rows as dataset items (unknown dates as "", as the crawl's feed writes them)."""
    rows = store.conn.execute(
        f"SELECT {', '.join(FIELDS)} FROM articles ORDER BY published_at, url"
    )
    return [
        {k: ("" if v is None and k in NULLABLE else v) for k, v in from_row(row).items()}
        for row in rows
    ]


def search_urls(store: ArticleStore, query: str, *, lemmatize: bool = True) -> list[str]:
    """URLs whose title, lead or text match ``query``, best first (FTS5 rank)."""
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT a.url FROM articles_fts JOIN articles AS a ON a.id = articles_fts.rowid"
            " WHERE articles_fts MATCH ? ORDER BY rank",
            (fts_query(query, lemmatize=lemmatize),),
        )
    ]
