"""The near-duplicate bucket index (LSH buckets) in two tiers, so that a row costs the same
to index in a store of 300 rows as in one of 300,000.

Why two tiers: a row's ``neardup.BANDS`` (band, bucket) keys are hashes. Inserted into one
B-tree (``article_bands``), they land on as many random leaves, and a commit writes every leaf
it touched: ~7 leaves a row at 3,000 rows, ~25 at 30,000, up to one a key. So the newest rows'
keys go to ``article_bands_recent`` instead, one row per article (an append: its buckets in
one blob), and are looked up in memory; once enough rows are there (``merge_rows``), they
move into ``article_bands`` in one pass sorted by key, so each leaf is written once for all of
them. Past 100,000 rows a merge writes nearly every leaf of the tree, so the tier then waits
for a twentieth of the store, up to ``MERGE_ROWS_MAX`` rows: fewer merges, each rewriting the
tree once (a one-table probe at 1M rows, as ``bench_bands.py --sizes`` times sorted batches:
a merge of 5,000 rows cost 0.245 ms a row, one of 50,000 rows 0.081; 2026-12-03).
Look-ups read both tiers. Both live in the same database and are written in the batch's own
transaction, so a killed run leaves them as consistent as the articles (the recent tier is
valid across runs: nothing needs repairing on the next open). A run's end does not merge: for
a short run into a large store that would cost one leaf a key again.

``article_bands`` has no index on ``article_id`` (a second B-tree every merge wrote each key
into, as big as the table): a row's keys there are those of its stored text, so they are taken
out by primary key (``neardup.text_keys``). A row deleted by hand leaves its id and text in
``article_bands_deleted`` (a trigger cannot hash); the store's next write takes its keys out.
Until then a look-up may name an id with no row, which link confirmation skips.
"""

from __future__ import annotations

import logging
import sqlite3
import struct
from collections import Counter
from collections.abc import Iterator

from newsbot.enrich import neardup

logger = logging.getLogger(__name__)

#: Rows kept in the recent tier before it is merged into ``article_bands``, at the least. More
#: rows share a merge's leaf writes and cost memory: the tier's look-up table holds ``BANDS``
#: keys a row (11.5 MiB at 4,900 rows, tracemalloc).
MERGE_ROWS = 5000
#: ... and at the most (about 47 MiB of look-up table, by the 11.5 MiB at 4,900 rows).
MERGE_ROWS_MAX = 20_000
#: In between, the tier grows to this fraction of the store's rows before it is merged.
MERGE_FRACTION = 20

_INSERT_MERGED = "INSERT OR IGNORE INTO article_bands (band, bucket, article_id) VALUES (?, ?, ?)"
_BLOB = struct.Struct(f"<{neardup.BANDS}q")


def pack(keys: list[tuple[int, int]]) -> bytes:
    """The row's buckets, band by band, as one blob (``keys`` holds every band in order)."""
    return _BLOB.pack(*(bucket for _band, bucket in keys))


def unpack(blob: bytes) -> list[tuple[int, int]]:
    return list(enumerate(_BLOB.unpack(blob)))


class BandIndex:
    """Both tiers of one connection's store; the recent tier's look-up table is built lazily.

    The in-memory table follows the recent tier's rows as this connection writes them. It is
    dropped (and read again when next needed) whenever it may differ from them: after a
    rollback (``forget``) and when another connection has committed (``PRAGMA data_version``).
    A file being migrated from before schema v7 has one tier: then every key goes to
    ``article_bands``, as it did then.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.tiered = has_table(conn, "article_bands_recent")
        #: Whether ``article_bands`` is without its index on article_id (schema v9).
        self.keyed_by_text = has_table(conn, "article_bands_deleted")
        #: article id -> its recent-tier row's blob (``pack``: 256 bytes, where its keys as a
        #: list of tuples were ~2.4 KiB of objects), and per band: bucket -> its article's id,
        #: or a list of ids when several share it. Nearly every bucket holds one article: an
        #: int (the row's one id object, shared by its bands) costs no list (~72 bytes).
        self._rows: dict[int, bytes] | None = None
        self._buckets: list[dict[int, int | list[int]]] = []
        self._data_version: int | None = None
        #: Whether ``article_bands`` holds no key, or None until asked (once a transaction):
        #: a store under ``MERGE_ROWS`` rows has never merged, and its look-ups need no SQL.
        self._merged_empty: bool | None = None

    # -- the in-memory table ----------------------------------------------------------------
    def begin(self) -> None:
        """At the start of a write transaction: drop the table if another writer committed,
        and take out the merged keys of rows deleted by hand."""
        self._merged_empty = None  # SQL by hand on this connection too: asked again
        version = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        if version != self._data_version:
            self.forget()
            self._data_version = version
        if self.keyed_by_text:
            taken = 0
            for article_id, text in self.conn.execute(
                "SELECT article_id, text FROM article_bands_deleted"
            ):  # a row at a time: a big delete by hand may have left many texts
                self._delete_merged(int(article_id), neardup.text_keys(text))
                taken += 1
            if taken:
                self.conn.execute("DELETE FROM article_bands_deleted")
                logger.info("took out the buckets of %d rows deleted by hand", taken)

    def forget(self) -> None:
        self._rows = None
        self._buckets = []
        self._merged_empty = None

    def _recent(self) -> dict[int, bytes]:
        if self._rows is None:
            self._rows = {}
            self._buckets = [{} for _ in range(neardup.BANDS)]
            if not self.tiered:
                return self._rows
            for article_id, blob in self.conn.execute(
                "SELECT article_id, buckets FROM article_bands_recent"
            ):
                self._remember(int(article_id), bytes(blob))
        return self._rows

    def _remember(self, article_id: int, blob: bytes) -> None:
        assert self._rows is not None
        self._rows[article_id] = blob
        for table, bucket in zip(self._buckets, _BLOB.unpack(blob), strict=True):
            ids = table.get(bucket)
            if ids is None:
                table[bucket] = article_id
            elif isinstance(ids, int):
                table[bucket] = [ids, article_id]
            else:
                ids.append(article_id)

    # -- writes -----------------------------------------------------------------------------
    def replace(self, article_id: int, keys: list[tuple[int, int]], old_text: str | None) -> None:
        """The article's keys from now on (none: it is too short to compare), in place of
        those of ``old_text``, its stored text until now."""
        self.remove(article_id, old_text)
        self.add(article_id, keys)

    def add(self, article_id: int, keys: list[tuple[int, int]]) -> None:
        """The keys of an article that has none stored (a new row: no look-up to delete)."""
        self._forget_recent(article_id)  # its id may be a row deleted on this connection
        if not keys:
            return
        if not self.tiered:
            insert_merged(self.conn, article_id, keys)
            self._merged_empty = False
            return
        blob = pack(keys)
        self.conn.execute(
            "INSERT INTO article_bands_recent (article_id, buckets) VALUES (?, ?)",
            (article_id, blob),
        )
        self._remember(article_id, blob)

    def remove(self, article_id: int, old_text: str | None) -> None:
        """No keys for the article, whose stored text is ``old_text``. A row's keys are in one
        tier: the recent one's by id, else ``article_bands``'s, those of its text."""
        if self._forget_recent(article_id):
            return
        if self.keyed_by_text:
            self._delete_merged(article_id, neardup.text_keys(old_text))
        else:  # migrating from before v9: the index on article_id is still there
            self.conn.execute("DELETE FROM article_bands WHERE article_id = ?", (article_id,))

    def _forget_recent(self, article_id: int) -> bool:
        """Take the article's row out of the recent tier; whether it had one."""
        old = self._recent().pop(article_id, None) if self.tiered else None
        if old is None:
            return False
        self.conn.execute("DELETE FROM article_bands_recent WHERE article_id = ?", (article_id,))
        for table, bucket in zip(self._buckets, _BLOB.unpack(old), strict=True):
            ids = table[bucket]
            if isinstance(ids, int):
                del table[bucket]
            else:
                ids.remove(article_id)
                if len(ids) == 1:
                    table[bucket] = ids[0]
        return True

    def _delete_merged(self, article_id: int, keys: list[tuple[int, int]]) -> None:
        self.conn.executemany(
            "DELETE FROM article_bands WHERE band = ? AND bucket = ? AND article_id = ?",
            [(band, bucket, article_id) for band, bucket in keys],
        )

    def merge_if_due(self) -> None:
        if self.tiered and self._rows is not None and len(self._rows) >= self.merge_rows():
            self.merge()

    def merge_rows(self) -> int:
        """How many rows the recent tier holds before a merge, in a store of this size."""
        if self._rows is None or len(self._rows) < MERGE_ROWS:
            return MERGE_ROWS  # not due whatever the store's size: no need to ask it
        stored = int(self.conn.execute("SELECT max(id) FROM articles").fetchone()[0] or 0)
        return min(MERGE_ROWS_MAX, max(MERGE_ROWS, stored // MERGE_FRACTION))

    def merge(self) -> None:
        """Move the recent tier into ``article_bands``, sorted by key: each leaf written once."""
        recent = self._recent()
        if not recent:
            return
        self.conn.executemany(_INSERT_MERGED, _sorted_keys(recent))
        self._merged_empty = False
        self.conn.execute("DELETE FROM article_bands_recent")
        logger.debug("merged %d rows' buckets into article_bands", len(recent))
        self._rows = {}
        self._buckets = [{} for _ in range(neardup.BANDS)]

    # -- reads ------------------------------------------------------------------------------
    def hits(self, keys: list[tuple[int, int]]) -> Counter[int]:
        """Article id -> how many of ``keys`` it shares, over both tiers."""
        found: Counter[int] = Counter()
        if self._merged_empty is None:
            first = self.conn.execute("SELECT 1 FROM article_bands LIMIT 1").fetchone()
            self._merged_empty = first is None
        if not self._merged_empty:
            found.update(self._merged_hits(keys))
        self._recent()
        buckets = self._buckets
        for band, bucket in keys:
            ids = buckets[band].get(bucket)
            if ids is None:
                continue
            if isinstance(ids, int):
                found[ids] += 1
            else:
                for article_id in ids:
                    found[article_id] += 1
        return found

    def _merged_hits(self, keys: list[tuple[int, int]]) -> Iterator[int]:
        """The ids in ``article_bands`` of each key's bucket."""
        # One query for all the bands (each a primary-key look-up), not one query per band.
        pairs = ", ".join("(?, ?)" for _ in keys)
        rows = self.conn.execute(
            f"SELECT b.article_id FROM (VALUES {pairs}) AS k"
            " JOIN article_bands AS b ON b.band = k.column1 AND b.bucket = k.column2",
            [v for key in keys for v in key],
        )
        return (r[0] for r in rows)

    def count(self, article_id: int | None = None) -> int:
        """Keys stored (of one article, or all), over both tiers: for checks and tests (one
        article's walks the whole of ``article_bands``)."""
        where, args = (
            ("WHERE article_id = ?", (article_id,)) if article_id is not None else ("", ())
        )
        merged = self.conn.execute(f"SELECT COUNT(*) FROM article_bands {where}", args)
        total = int(merged.fetchone()[0])
        if self.tiered:
            recent = self.conn.execute(f"SELECT COUNT(*) FROM article_bands_recent {where}", args)
            total += neardup.BANDS * int(recent.fetchone()[0])
        return total


def _sorted_keys(recent: dict[int, bytes]) -> Iterator[tuple[int, int, int]]:
    """(band, bucket, article_id) of every recent row in key order, sorted by NumPy (Python's
    sort of the tuples was a quarter of a merge)."""
    import numpy as np

    ids = np.repeat(np.fromiter(recent, dtype=np.int64, count=len(recent)), neardup.BANDS)
    buckets = np.frombuffer(b"".join(recent.values()), dtype="<i8")
    band = np.tile(np.arange(neardup.BANDS, dtype=np.int64), len(recent))
    order = np.lexsort((ids, buckets, band))
    return zip(band[order].tolist(), buckets[order].tolist(), ids[order].tolist(), strict=True)


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def clear(conn: sqlite3.Connection) -> None:
    """No keys in either tier, none waiting to be taken out (before a rebuild)."""
    conn.execute("DELETE FROM article_bands")
    for table in ("article_bands_recent", "article_bands_deleted"):
        if has_table(conn, table):
            conn.execute(f"DELETE FROM {table}")


def insert_merged(conn: sqlite3.Connection, article_id: int, keys: list[tuple[int, int]]) -> None:
    """Keys straight into ``article_bands``: a rebuild, which reads every row anyway."""
    conn.executemany(_INSERT_MERGED, [(band, bucket, article_id) for band, bucket in keys])
