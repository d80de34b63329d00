"""The operators' run log: one ``crawl_runs`` row per crawl, with its JSON summary."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from newsbot.core.dates import utc_now

logger = logging.getLogger(__name__)


def start_run(conn: sqlite3.Connection, spider: str, site: str) -> int:
    """Record a crawl run as started ('running'); returns its id for ``finish_run``."""
    cursor = conn.execute(
        "INSERT INTO crawl_runs (spider, site, started_at, status) VALUES (?, ?, ?, 'running')",
        (spider, site, utc_now()),
    )
    return int(cursor.lastrowid or 0)


def finish_run(
    conn: sqlite3.Connection, run_id: int, status: str, summary: Mapping[str, Any]
) -> None:
    conn.execute(
        "UPDATE crawl_runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
        (
            utc_now(),
            status,
            json.dumps(dict(summary), ensure_ascii=False, sort_keys=True, default=str),
            run_id,
        ),
    )


def last_run(conn: sqlite3.Connection, site: str, spider: str = "district") -> sqlite3.Row | None:
    """The most recently started run for this site and spider, whatever its status."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM crawl_runs WHERE site = ? AND spider = ? ORDER BY id DESC LIMIT 1",
        (site, spider),
    ).fetchone()
    return row


def recent_summaries(
    conn: sqlite3.Connection,
    site: str,
    spider: str = "district",
    status: str = "ok",
    limit: int = 10,
) -> list[dict[str, Any]]:
    """JSON summaries of the last finished runs with this status, newest first."""
    rows = conn.execute(
        "SELECT summary FROM crawl_runs WHERE site = ? AND spider = ? AND status = ?"
        " AND finished_at IS NOT NULL AND summary IS NOT NULL ORDER BY id DESC LIMIT ?",
        (site, spider, status, limit),
    ).fetchall()
    out: list[dict[str, Any]] = []
    for row in rows:
        try:
            out.append(json.loads(row[0]))
        except (TypeError, ValueError):
            logger.warning("unreadable run summary skipped")
    return out
