"""Whether a store can be used at all, said in one line (before a run, and when it fails)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

#: Less free space than this beside the store: SQLite's "disk I/O error" is a full disk.
_ROOM_BYTES = 64 * 1024


class StoreUnavailable(Exception):
    """The store (or its lock) cannot be used; the message is one line for the operator."""


def _no_room(path: str | Path) -> bool:
    try:
        return shutil.disk_usage(Path(path).parent).free < _ROOM_BYTES
    except OSError:
        return False


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
    elif "disk i/o error" in low and _no_room(path):
        text = "database or disk is full (no room for its WAL files)"
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
        from newsbot.store.articles import ArticleStore

        store = ArticleStore(path)
        try:
            store.conn.execute("BEGIN IMMEDIATE")  # a write lock: read-only files fail here
            store.conn.execute("ROLLBACK")
        finally:
            store.close()
    except (sqlite3.Error, OSError, RuntimeError) as exc:
        raise StoreUnavailable(store_failure(path, exc)) from exc
