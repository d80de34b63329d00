"""Each site's robots.txt answer as last fetched, so a run within the max age need not ask.

RFC 9309 §2.4 lets a crawler cache robots.txt for up to 24 hours. Only answers that say
something about the rules are kept (a 2xx file, or a 4xx: no rules); a 5xx or a network
failure is never stored, so it never stands in for the rules of a later run.
"""

from __future__ import annotations

import sqlite3


def remembered(conn: sqlite3.Connection, since: str) -> list[tuple[str, int, bytes, str]]:
    """(origin, status, body, fetched_at) of every answer fetched at ``since`` or later."""
    return [
        (str(r[0]), int(r[1]), bytes(r[2]), str(r[3]))
        for r in conn.execute(
            "SELECT origin, status, body, fetched_at FROM robots_txt WHERE fetched_at >= ?"
            " ORDER BY origin",
            (since,),
        )
    ]


def note(conn: sqlite3.Connection, origin: str, status: int, body: bytes, at: str) -> None:
    """Keep this answer as the origin's robots.txt (one autocommitted statement)."""
    conn.execute(
        "INSERT OR REPLACE INTO robots_txt (origin, status, body, fetched_at) VALUES (?, ?, ?, ?)",
        (origin, status, body, at),
    )
