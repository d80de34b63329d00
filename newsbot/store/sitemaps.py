"""What sitemaps said when newsbot last acted on them: the next run's shortcuts.

``sitemaps_read``: the child sitemaps a completed run read, at their index ``<lastmod>``.
``sitemap_pages``: each article page's ``<lastmod>`` when it was last fetched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from newsbot.core.urls import url_key
from newsbot.store.batch import write_rows


def lastmods_read(conn: sqlite3.Connection, site: str) -> dict[str, str]:
    """url_key -> the ``<lastmod>`` its index gave when a completed run last read it."""
    return {
        r[0]: r[1]
        for r in conn.execute("SELECT url_key, lastmod FROM sitemaps_read WHERE site = ?", (site,))
    }


def note_read(
    conn: sqlite3.Connection, site: str, read: Iterable[tuple[str, str]], at: str
) -> None:
    """Record (sitemap url, index lastmod) pairs read by a completed run, in one transaction."""
    write_rows(
        conn,
        "INSERT OR REPLACE INTO sitemaps_read (url_key, url, site, lastmod, read_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(url_key(url), url, site, lastmod, at) for url, lastmod in read],
    )


def page_lastmods(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, str]:
    """url_key -> the page's sitemap ``<lastmod>`` when it was last fetched, for these keys."""
    wanted = list(keys)
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        found.update(
            (r[0], r[1])
            for r in conn.execute(
                f"SELECT url_key, lastmod FROM sitemap_pages WHERE url_key IN ({marks})", chunk
            )
        )
    return found


def note_pages(conn: sqlite3.Connection, fetched: Iterable[tuple[str, str]], at: str) -> None:
    """Record (page url, its sitemap lastmod) pairs fetched by a run, in one transaction."""
    write_rows(
        conn,
        "INSERT OR REPLACE INTO sitemap_pages (url_key, lastmod, fetched_at) VALUES (?, ?, ?)",
        [(url_key(url), lastmod, at) for url, lastmod in fetched],
    )
