"""Bookkeeping rows (skipped pages, sitemaps read) written together: all of them or none."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


def write_rows(conn: sqlite3.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``executemany`` in one write transaction; a failure rolls it back and is raised."""
    if not rows:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    except Exception:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
