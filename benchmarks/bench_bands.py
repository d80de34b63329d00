"""What storing a row costs as the store grows, the near-duplicate buckets apart; prints figures.

    python benchmarks/bench_bands.py --upsert 300,3000,30000 [--compare DIR]   # whole upserts
    python benchmarks/bench_bands.py --sizes 300,3000,30000 [--batch 20,100]   # one B-tree

``--upsert N,…``: for each store size N, a child process stores N articles through
``ArticleStore.upsert_many`` in batches of 100 (``SQLITE_BATCH_SIZE``), as a backfill does, then
``--window`` more, and prints the CPU a row of those (median and mean of their batches), the
COMMIT statements' part, and the bucket merges' part (``store/bands.py``: every
``merge_rows()`` rows the recent tier moves into ``article_bands``; its CPU is spread over the rows
it merged and added to the mean, so the figure holds for a backfill of any length), and the
database file's size at the end. The articles are Zipf-distributed Russian
(``synthetic_text.py``, as ``bench_crawl.py``'s), one in 20 an edited copy of an earlier one,
so lemma caches and buckets behave as on a real archive; they are made as they are stored
(only the earlier titles and texts are kept, ~3 GB at 1M), outside the timed calls.
``--compare DIR`` runs the same children with the newsbot of another checkout (e.g. ``git
archive main | tar -x -C DIR``) first, size by size: before and after, back to back.
``--parts`` also prints where a row's CPU goes (means over the window): its lemmas, its
near-duplicate keys (MinHash), the FTS insert of the batch's new rows, the bucket adds, the
near-duplicate links (bucket look-ups and confirmations), COMMIT, the bucket merge's share,
and the rest (codec, the row's own SQL); each part's functions are wrapped, in whichever
revision has them, which costs a little.

``--sizes``: why one B-tree of buckets grows costly. Each stored row inserts ``neardup.BANDS``
(band, bucket) keys; the bucket is a hash, so the keys land on random leaves, and a commit
writes every leaf it touched to the WAL: the more leaves the table has, the more distinct leaves
a batch touches, up to one page a key. This fills the table to each size (random 64-bit
buckets, as blake2b's are), then times, in CPU time, batches of new rows' keys inserted plus
the commit, for each batch size, keys in the row's order and sorted by key across the batch
(a bucket merge: ``--batch 5000,20000`` at ``--sizes 1000000`` shows why a merge of more rows
costs a row less in a big store). (The one-tier index also deleted each row's keys first, by
``article_id``: since schema v9 there is no index to do that with, and a new row has none.)

CPU time is the calling thread's (``time.thread_time``): another thread's work (a library's
pool) is no part of a call.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

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
    commits: ClassVar[list[float]] = []
    next_id = first_id
    for _ in range(batches):
        rows = []
        for _ in range(size):
            keys = [(b, rng.getrandbits(64) - (1 << 63), next_id) for b in range(neardup.BANDS)]
            rows.append((next_id, keys))
            next_id += 1
        t0 = time.thread_time()
        conn.execute("BEGIN IMMEDIATE")
        if ordered:
            conn.executemany(
                "INSERT OR IGNORE INTO article_bands (band, bucket, article_id) VALUES (?, ?, ?)",
                sorted(k for _id, keys in rows for k in keys),
            )
        else:
            for _article_id, keys in rows:
                conn.executemany(
                    "INSERT OR IGNORE INTO article_bands (band, bucket, article_id)"
                    " VALUES (?, ?, ?)",
                    keys,
                )
        t1 = time.thread_time()
        conn.execute("COMMIT")
        t2 = time.thread_time()
        inserts.append((t1 - t0) * 1000 / size)
        commits.append((t2 - t1) * 1000 / size)
    return statistics.median(inserts), statistics.median(commits)


MSK = timezone(timedelta(hours=3))
BATCH = 100


def articles(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Dataset items of Zipf-distributed Russian; every 20th an edited copy of an earlier one.
    Made as they are stored: only the earlier titles and texts are kept (for the copies)."""
    from synthetic_text import Vocabulary

    vocabulary, rng = Vocabulary(seed), random.Random(seed)
    moment = datetime(2026, 11, 30, 18, 0, tzinfo=MSK)
    titles: list[str] = []
    texts: list[str] = []
    for i in range(count):
        moment -= timedelta(minutes=rng.randint(20, 600))
        if i > 50 and i % 20 == 19:
            source = rng.randrange(len(texts))
            paragraphs = texts[source].split("\n\n")
            paragraphs[rng.randrange(len(paragraphs))] = vocabulary.paragraph(1, 1)
            title, text = titles[source], "\n\n".join(paragraphs)
        else:
            title = vocabulary.sentence(5, 10).rstrip(".")
            text = "\n\n".join(vocabulary.paragraph(1, 3) for _ in range(rng.randint(3, 6)))
        titles.append(title)
        texts.append(text)
        yield (
            {
                "url": f"https://uv-kurier.ru/{moment:%Y/%m/%d}/story-{i}",
                "site": "uv-kurier.ru",
                "title": title,
                "published_at": moment.isoformat(),
                "modified_at": "",
                "author": "Юго-Восточный Курьер",
                "lead": vocabulary.sentence(8, 20) if i % 3 else "",
                "text": text,
                "image_url": f"https://uv-kurier.ru/wp-content/uploads/{i}.jpg",
                "image_caption": title,
                "photo_credit": "Е. Самарин",
                "tags": ["ЖКХ", "школа"],
                "categories": ["Новости"],
                "districts": ["Люблино"],
                "word_count": len(text.split()),
                "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                "scraped_at": "2026-12-01T00:00:00+00:00",
            }
        )


class _TimedConnection(sqlite3.Connection):
    """Keeps the CPU of each COMMIT (what a transaction's dirty pages cost to write)."""

    commits: ClassVar[list[float]] = []
    #: A merge just ran: the next COMMIT writes its pages too.
    merged: ClassVar[list[float] | None] = None

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql != "COMMIT":
            return super().execute(sql, *args)
        start = time.thread_time()
        try:
            return super().execute(sql, *args)
        finally:
            spent = time.thread_time() - start
            _TimedConnection.commits.append(spent)
            if _TimedConnection.merged is not None:
                _TimedConnection.merged.append(spent)
                _TimedConnection.merged = None


#: ``--parts``: part -> (module, attribute) of the functions whose CPU is that part, in any
#: revision that has them (main's ``lemmas_of`` and ``text_keys``, the words tokenised once
#: later); COMMIT and the bucket merge are timed as for the totals.
PARTS: dict[str, list[tuple[str, str]]] = {
    "lemmas": [
        ("newsbot.store.articles", "lemmas_of"),
        ("newsbot.store.articles", "row_words"),
        ("newsbot.store.articles", "lemmas_of_words"),
    ],
    "keys": [
        ("newsbot.enrich.neardup", "text_keys"),
        ("newsbot.enrich.neardup", "word_keys"),
        ("newsbot.enrich.neardup", "words_from_casefolded"),
    ],
    "fts insert": [("newsbot.store.search", "index_rows")],
    "bands add": [
        ("newsbot.store.bands", "BandIndex.add"),
        ("newsbot.store.bands", "BandIndex.replace"),
    ],
    "links": [("newsbot.store.links", "link_near_duplicate")],
}


def _time_parts(spent: dict[str, float]) -> None:
    """Wrap each part's functions so that their thread CPU adds up in ``spent`` (s); a call
    inside a call of the same part (``replace`` calls ``add``) is counted once."""
    import importlib

    inside: set[str] = set()
    for part, places in PARTS.items():
        spent[part] = 0.0
        for module_name, attribute in places:
            owner: Any = importlib.import_module(module_name)
            *path, name = attribute.split(".")
            for step in path:
                owner = getattr(owner, step, None)
            function = getattr(owner, name, None) if owner is not None else None
            if function is None:
                continue

            def timed(*args: Any, _f: Any = function, _part: str = part, **kw: Any) -> Any:
                if _part in inside:
                    return _f(*args, **kw)
                inside.add(_part)
                start = time.thread_time()
                try:
                    return _f(*args, **kw)
                finally:
                    spent[_part] += time.thread_time() - start
                    inside.discard(_part)

            setattr(owner, name, timed)


def upsert_child(rows: int, window: int, parts: bool = False, keep: str = "") -> dict[str, Any]:
    """One store size: fill it, then time ``window`` rows; CPU ms a row (see the docstring)."""
    import newsbot
    from newsbot.store import ArticleStore

    spent: dict[str, float] = {}
    if parts:
        _time_parts(spent)

    connect = sqlite3.connect
    sqlite3.connect = lambda *a, **k: connect(*a, **k, factory=_TimedConnection)  # type: ignore[assignment,misc]
    #: Per merge (code that has them): [rows merged, CPU of merge(), CPU of the COMMIT after].
    merges: list[list[float]] = []
    try:
        from newsbot.store import bands
    except ImportError:
        bands = None
    if bands is not None:
        merge = bands.BandIndex.merge

        def timed_merge(index: Any) -> None:
            merged = len(index._recent())
            start = time.thread_time()
            merge(index)
            merges.append([merged, time.thread_time() - start])
            _TimedConnection.merged = merges[-1]

        bands.BandIndex.merge = timed_merge  # type: ignore[method-assign]
    items = articles(rows + window)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(keep) if keep else Path(tmp) / "upsert.db"
        store = ArticleStore(db)
        for _first in range(0, rows, BATCH):
            store.upsert_many(list(itertools.islice(items, BATCH)))
        in_fill, _TimedConnection.commits = len(merges), []
        spent.update(dict.fromkeys(spent, 0.0))
        batches = []
        for _first in range(rows, rows + window, BATCH):
            batch = list(itertools.islice(items, BATCH))  # made before the clock starts
            start = time.thread_time()
            store.upsert_many(batch)
            batches.append((time.thread_time() - start) * 1000 / BATCH)
        commits = _TimedConnection.commits
        store.close()  # the last connection: its WAL is checkpointed into the file
        size_mib = db.stat().st_size / 2**20
    usual_commit = statistics.median(commits)

    def merge_cpu(m: list[float]) -> float:  # the merge and what it added to its commit, s
        return m[1] + m[2] - usual_commit

    in_window = sum(merge_cpu(m) for m in merges[in_fill:])
    # The last merge due by the window's end, spread over the rows it merged: its share a row.
    share = merge_cpu(merges[-1]) * 1000 / merges[-1][0] if merges else 0.0
    commit = (sum(commits) - sum(m[2] - usual_commit for m in merges[in_fill:])) * 1000 / window
    per_row = {part: cpu * 1000 / window for part, cpu in spent.items()}
    if parts:
        per_row["commit"], per_row["merge"] = commit, share
        mean = (sum(batches) * BATCH / 1000 - in_window) * 1000 / window + share
        per_row["other"] = mean - sum(per_row.values())
    return {
        "parts": per_row,
        "code": str(Path(newsbot.__file__).resolve().parent.parent),
        "rows": rows,
        "median": statistics.median(batches),
        "mean": (sum(batches) * BATCH / 1000 - in_window) * 1000 / window + share,
        "commit": commit,
        "merge": share,
        "merges": len(merges),
        "mib": size_mib,
    }


def bench_upsert(
    sizes: list[int], window: int, compare: str, repeats: int, parts: bool = False, keep: str = ""
) -> None:
    roots = ([compare] if compare else []) + [str(Path(__file__).resolve().parent.parent)]
    print(
        f"upsert_many, batches of {BATCH}, CPU ms a row of the {window} rows after a backfill"
        f" of N (Zipf text); medians of {repeats} run(s), A/B interleaved"
    )
    print(
        "  code                           rows    median  mean*  commit  merge   file MiB"
        "  (* merges incl.)"
    )
    for rows in sizes:
        runs: dict[str, list[dict[str, Any]]] = {root: [] for root in roots}
        for _ in range(repeats):
            for root in roots:
                env = {**os.environ, "PYTHONPATH": root}
                args = ["--upsert-child", str(rows), "--window", str(window)]
                args += ["--parts"] if parts else []
                args += ["--keep", keep] if keep else []
                out = subprocess.run(
                    [sys.executable, __file__, *args],
                    env=env, capture_output=True, text=True, check=True,
                )  # fmt: skip
                runs[root].append(json.loads(out.stdout.strip().splitlines()[-1]))
        for root, done in runs.items():
            med = {
                k: statistics.median(r[k] for r in done)
                for k in ("median", "mean", "commit", "merge", "mib")
            }
            print(
                f"  {root[-28:]:28s} {rows:7d}  {med['median']:7.3f} {med['mean']:6.3f}"
                f"  {med['commit']:6.3f} {med['merge']:6.3f}  {med['mib']:8.0f}",
                flush=True,
            )
            if parts:
                names = list(done[0]["parts"])
                cells = [
                    f"{name} {statistics.median(r['parts'][name] for r in done):.3f}"
                    for name in names
                ]
                print("      parts, ms a row (means):", ", ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,3000,30000", help="store sizes, rows")
    parser.add_argument("--batches", type=int, default=40, help="timed batches per case")
    parser.add_argument("--batch", default="20,100", help="rows per commit (SQLITE_BATCH_SIZE)")
    parser.add_argument("--upsert", default="", help="store sizes: time whole upserts at each")
    parser.add_argument("--window", type=int, default=1000, help="rows timed after the fill")
    parser.add_argument("--compare", default="", help="another checkout's root, run first")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each code and size")
    parser.add_argument(
        "--parts",
        action="store_true",
        help="with --upsert: the CPU a row of each part (lemmas, keys, FTS insert, bucket"
        " adds, links, COMMIT, bucket merge, the rest), means over the window",
    )
    parser.add_argument(
        "--keep",
        default="",
        help="with --upsert of one size and no --compare: the store's file, kept (it must not"
        " exist), e.g. for bench_crawl.py --store",
    )
    parser.add_argument("--upsert-child", type=int, default=-1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.upsert_child >= 0:
        print(json.dumps(upsert_child(args.upsert_child, args.window, args.parts, args.keep)))
        return
    if args.upsert:
        sizes = [int(s) for s in args.upsert.split(",")]
        if args.keep and (len(sizes) > 1 or args.compare or args.repeats > 1):
            parser.error("--keep keeps one store: one --upsert size, no --compare, one repeat")
        if args.keep and Path(args.keep).exists():
            parser.error(f"--keep {args.keep}: the file exists")
        bench_upsert(sizes, args.window, args.compare, args.repeats, args.parts, args.keep)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    batch_sizes = [int(s) for s in args.batch.split(",")]
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
