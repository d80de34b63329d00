"""The SQLite store, split by job: one row per article URL, batched transactions under WAL.

``articles`` (the store object a crawl shares), ``schema`` (tables and migrations), ``codec``
(item <-> row, for writers and readers alike), ``search`` (ё-folding, lemmas, FTS queries),
``links`` (near-duplicate groups), ``bands`` (their bucket index, in two tiers), ``runs`` (the
run log), ``sitemaps`` (child sitemaps read), ``robots`` (each site's robots.txt answer),
``availability`` (can it be used).
"""

from __future__ import annotations

from newsbot.store.articles import ROW_ERRORS, ArticleStore, UpsertCounts
from newsbot.store.availability import StoreUnavailable, check_store, store_failure

__all__ = [
    "ROW_ERRORS",
    "ArticleStore",
    "StoreUnavailable",
    "UpsertCounts",
    "check_store",
    "store_failure",
]
