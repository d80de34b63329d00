"""Benchmark the exports; prints figures, asserts nothing.

    python benchmarks/bench_export.py --rows 1000000 --db /tmp/bench.db

Exports: a synthetic store of ``--rows`` articles (Russian-looking text built from the replica's
sentences, FTS kept by the triggers as in real use) is exported to each format by the real
``python -m newsbot export`` under ``/usr/bin/time -v``: wall time and peak RSS per format.

What an upsert costs is ``bench_bands.py --upsert``'s, on Zipf-distributed text.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.core.urls import site_of, url_key  # noqa: E402
from newsbot.items import FIELDS  # noqa: E402
from newsbot.store import ArticleStore  # noqa: E402

REPLICA = ROOT / "tests" / "replica" / "articles.json"
TAGS = ["ЖКХ", "здравоохранение", "школа", "транспорт", "спорт", "культура", "озеленение"]
ORIGIN = "https://uv-kurier.ru"
LATEST = datetime(2026, 11, 30, 18, 0, tzinfo=timezone(timedelta(hours=3)))
DISTRICTS = ["Люблино", "Марьино", "Капотня", "Кузьминки", "Печатники", "Некрасовка"]


def sentences() -> list[str]:
    data = json.loads(REPLICA.read_text(encoding="utf-8"))
    text = " ".join(str(p) for a in data["articles"] for p in a["paragraphs"])
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 30]


def synthetic(
    n: int, pool: list[str], rng: random.Random, origin: str = ORIGIN
) -> dict[str, object]:
    # Newest first, five minutes apart, as a backfill walking the listing pages stores them.
    moment = LATEST - timedelta(minutes=5 * n)
    year, month, day = moment.year, moment.month, moment.day
    body = " ".join(rng.sample(pool, k=min(len(pool), 8)))
    body += f" Номер заметки {n}, код {rng.randrange(10**9)}."
    return {
        "url": f"{origin}/{year}/{month:02d}/{day:02d}/story-{n}",
        "site": site_of(origin),
        "title": f"Новость номер {n}: " + pool[n % len(pool)][:60],
        "published_at": moment.isoformat(),
        "modified_at": "",
        "author": "Юго-Восточный Курьер",
        "lead": pool[(n * 7) % len(pool)] if n % 3 else "",
        "text": body,
        "image_url": f"{origin}/wp-content/uploads/{n}.jpg",
        "image_caption": "Фото к новости",
        "photo_credit": "Е. Самарин",
        "tags": rng.sample(TAGS, k=2),
        "categories": ["Новости"],
        "districts": rng.sample(DISTRICTS, k=n % 3),
        "word_count": len(body.split()),
        "content_hash": f"{n:064x}",
        "scraped_at": "2026-01-01T00:00:00+00:00",
    }


def build(db: Path, rows: int, origin: str = ORIGIN) -> None:
    """Rows straight into SQL, as the crawl's store holds them but without lemmas or buckets.

    Built beside ``db`` and renamed when complete, with the FTS insert trigger off during the
    bulk insert and the index rebuilt from the same content view once at the end (the trigger
    restored): the same schema and FTS content as row-by-row inserts, in less time.
    """
    part = db.with_name(db.name + ".part")
    part.unlink(missing_ok=True)
    ArticleStore(part).close()
    conn = sqlite3.connect(part, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: the indexes stay in memory
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_fts_insert'"
    ).fetchone()[0]
    conn.execute("DROP TRIGGER articles_fts_insert")
    pool, rng = sentences(), random.Random(1)
    names = [*FIELDS, "url_key", "first_seen_at", "last_seen_at"]
    sql = f"INSERT INTO articles ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    started = time.perf_counter()
    for start in range(0, rows, 10_000):
        batch = []
        for n in range(start, min(rows, start + 10_000)):
            item = synthetic(n, pool, rng, origin)
            values = [
                json.dumps(item[f], ensure_ascii=False) if isinstance(item[f], list) else item[f]
                for f in FIELDS
            ]
            values[FIELDS.index("modified_at")] = None
            url = str(item["url"])
            batch.append([*values, url_key(url), item["scraped_at"], item["scraped_at"]])
        conn.execute("BEGIN")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
    inserted = time.perf_counter() - started
    conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    conn.execute(trigger)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    part.replace(db)
    took = time.perf_counter() - started
    print(
        f"built {rows} rows in {took:.1f} s (inserts {inserted:.1f} s, FTS rebuild"
        f" {took - inserted:.1f} s); {db.stat().st_size / 2**20:.0f} MiB"
    )


def timed_export(db: Path, *args: str) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS KiB) of one ``python -m newsbot export`` under GNU time."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "newsbot", "export", "--db", str(db)]
    proc = subprocess.run(
        [*cmd, "--no-progress", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )

    def figure(label: str) -> str:
        match = re.search(label + r".*: (\S+)\n", proc.stderr)
        return match.group(1) if match else "0"

    minutes, _, seconds = figure(r"Elapsed \(wall clock\) time").rpartition(":")
    wall = float(minutes or 0) * 60 + float(seconds)
    cpu = float(figure(r"User time \(seconds\)")) + float(figure(r"System time \(seconds\)"))
    return wall, cpu, int(figure(r"Maximum resident set size \(kbytes\)"))


def bench_exports(db: Path, rows: int, formats: list[str]) -> None:
    if not db.exists():
        build(db, rows)
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    conn.close()
    print(f"store {db}: {rows:,} rows, {db.stat().st_size / 2**20:,.0f} MiB")
    for fmt in formats:
        target = db.parent / f"bench-export.{fmt}"
        wall, cpu, rss = timed_export(db, "-o", str(target))  # CSV: BOM and formula rule on
        print(
            f"export {fmt:8s} wall {wall:6.1f} s ({rows / wall:,.0f} rows/s)"
            f"  CPU {cpu:6.1f} s ({rows / cpu if cpu else 0:,.0f} rows/s of CPU)"
            f"  peak RSS {rss / 1024:.0f} MiB  file {target.stat().st_size / 2**20:,.0f} MiB"
        )
        target.unlink()
    wall, _, _ = timed_export(db, "--search", "школа", "--district", "Люблино", "-o", "/dev/null")
    print(f"export csv --search школа --district Люблино: wall {wall:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/newsbot-bench.db"))
    parser.add_argument("--formats", default="csv,jsonl,parquet", help="exports to time")
    args = parser.parse_args()
    bench_exports(args.db, args.rows, args.formats.split(","))


if __name__ == "__main__":
    main()
