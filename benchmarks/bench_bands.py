"""What storing a row's near-duplicate buckets costs as the store grows; prints figures only.

    python benchmarks/bench_bands.py [--sizes 300,3000,30000] [--batches 40] [--batch 20,100]
    python benchmarks/bench_bands.py --upsert 30000 [--batch 20,100]   # the whole upsert

Why: each stored row inserts ``neardup.BANDS`` (band, bucket) keys into ``article_bands``. The
bucket is a hash, so the keys land on random B-tree leaves: a commit writes every leaf it
touched to the WAL, and the more leaves the table has, the more distinct leaves a batch
touches, up to one page per key. This fills the table as the store's schema has it to each
size (random 64-bit buckets, as blake2b's are), then times, in CPU time, batches of rows as
``links.store_bands`` writes them (delete the row's keys, insert its keys) plus the commit:
the insert statements and the COMMIT separately, for each batch size (``SQLITE_BATCH_SIZE``),
keys inserted in the row's order and sorted by key across the batch. ``--upsert N`` instead
stores N of ``bench_export.py``'s synthetic articles through ``ArticleStore.upsert_many`` and
then times 600 more a batch size at a time, twice in turn: the whole upsert's CPU a row at N.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from newsbot.enrich import neardup
from newsbot.store import ArticleStore


def fill(conn: sqlite3.Connection, rows: int, rng: random.Random) -> None:
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO article_bands (band, bucket, article_id) VALUES (?, ?, ?)",
        (
            (band, rng.getrandbits(64) - (1 << 63), article_id)
            for article_id in range(1, rows + 1)
            for band in range(neardup.BANDS)
        ),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def timed_batches(
    conn: sqlite3.Connection, first_id: int, batches: int, size: int, ordered: bool, seed: int
) -> tuple[float, float]:
    """Median CPU ms per row of the inserts and of the commit (its WAL checkpoints included)."""
    rng = random.Random(seed)
    inserts: list[float] = []
    commits: list[float] = []
    next_id = first_id
    for _ in range(batches):
        rows = []
        for _ in range(size):
            keys = [(b, rng.getrandbits(64) - (1 << 63), next_id) for b in range(neardup.BANDS)]
            rows.append((next_id, keys))
            next_id += 1
        t0 = time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        if ordered:
            for article_id, _keys in rows:
                conn.execute("DELETE FROM article_bands WHERE article_id = ?", (article_id,))
            conn.executemany(
                "INSERT OR IGNORE INTO article_bands (band, bucket, article_id) VALUES (?, ?, ?)",
                sorted(k for _id, keys in rows for k in keys),
            )
        else:
            for article_id, keys in rows:
                conn.execute("DELETE FROM article_bands WHERE article_id = ?", (article_id,))
                conn.executemany(
                    "INSERT OR IGNORE INTO article_bands (band, bucket, article_id)"
                    " VALUES (?, ?, ?)",
                    keys,
                )
        t1 = time.process_time()
        conn.execute("COMMIT")
        t2 = time.process_time()
        inserts.append((t1 - t0) * 1000 / size)
        commits.append((t2 - t1) * 1000 / size)
    return statistics.median(inserts), statistics.median(commits)


def bench_upsert(rows: int, batch_sizes: list[int]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_export

    pool, rng = bench_export.sentences(), random.Random(2)
    timed = 600
    items = [
        bench_export.synthetic(i, pool, rng) for i in range(rows + 2 * timed * len(batch_sizes))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store = ArticleStore(Path(tmp) / "upsert.db")
        for start in range(0, rows, 100):
            store.upsert_many(items[start : start + 100])
        start = rows
        print(f"upsert_many into a store of {rows} rows, CPU ms a row ({timed} rows a case)")
        for batch in batch_sizes * 2:
            t0 = time.process_time()
            for first in range(start, start + timed, batch):
                store.upsert_many(items[first : first + batch])
            start += timed
            print(f"  batch {batch:4d}: {(time.process_time() - t0) * 1000 / timed:.2f}")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,3000,30000", help="store sizes, rows")
    parser.add_argument("--batches", type=int, default=40, help="timed batches per case")
    parser.add_argument("--batch", default="20,100", help="rows per commit (SQLITE_BATCH_SIZE)")
    parser.add_argument("--upsert", type=int, default=0, help="time whole upserts at N rows")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    batch_sizes = [int(s) for s in args.batch.split(",")]
    if args.upsert:
        bench_upsert(args.upsert, batch_sizes)
        return
    print(f"{neardup.BANDS} bands a row; CPU ms a row, medians of {args.batches} batches")
    print("  rows   batch  order   inserts  commit  total")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            db = Path(tmp) / f"bands-{size}.db"
            store = ArticleStore(db)  # the real schema and pragmas (WAL, cache size)
            conn = store.conn
            fill(conn, size, random.Random(size))
            first = size + 1
            for batch in batch_sizes:
                for ordered in (False, True):
                    ins, com = timed_batches(conn, first, args.batches, batch, ordered, seed=first)
                    # Back to the filled state, so each case starts from the same table.
                    conn.execute("DELETE FROM article_bands WHERE article_id >= ?", (first,))
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    label = "sorted" if ordered else "row"
                    print(
                        f"  {size:6d} {batch:5d}  {label:6s}  {ins:7.3f} {com:7.3f} "
                        f"{ins + com:6.3f}"
                    )
            store.close()


if __name__ == "__main__":
    main()
