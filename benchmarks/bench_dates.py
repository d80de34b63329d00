"""Per-call cost of newsbot.core.dates.parse_date against dateparser.parse on the same strings.

Run: python benchmarks/bench_dates.py [--repeats N] [--min-time SECONDS] [--detail]

Two string sets: (a) the outlet's own format as it appears on article and listing pages, and
(b) a mixed set (ISO, genitive, numeric, relative, RSS, long tail). For each, both parsers are
warmed first (dateparser's first call loads its language data), then each set is timed in
several repeats; the medians of the repeats' per-call means are printed in µs, with the median
of the per-repeat ratios (each repeat times both back to back).
Targets: outlet set ≥100× faster than dateparser, mixed set no slower.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dateparser

from newsbot.core.dates import MOSCOW, parse_date

NOW = datetime(2026, 1, 16, 15, 0, tzinfo=MOSCOW)

OUTLET = [
    "Опубликовано 05 Сен 2023 в 12:57 | Текст: Юго-Восточный Курьер",
    "16 Янв 2026 в 13:01",
    "16 Янв 2026 в 11:06",
    "16 Янв 2026 в 09:39",
    "15 Янв 2026 в 16:02",
    "15 Янв 2026 в 14:09",
    "Опубликовано 12 Мая 2024 в 08:15 | Текст: Анна Иванова",
    "03 Дек 2025 в 19:40",
]

MIXED = [
    "2023-09-05T12:57:00+03:00",
    "2023-09-05T09:57:00Z",
    "2023-09-05",
    "5 сентября 2023 года, 12:57",
    "вторник, 5 сентября 2023",
    "05.09.2023 12:57",
    "5.9.2023",
    "Сегодня в 14:05",
    "вчера, 09:30",
    "5 минут назад",
    "2 часа назад",
    "Tue, 05 Sep 2023 09:57:00 +0000",
    "September 5, 2023 12:57 pm",
    "5th of September 2023",
    "an hour ago",
    "полтора часа назад",
]


def _per_call_us(fn: Callable[[str], object], strings: list[str], min_time: float) -> float:
    """Mean µs per call over enough passes through strings to last min_time seconds."""
    loops = 0
    start = time.perf_counter()
    while True:
        for s in strings:
            fn(s)
        loops += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / (loops * len(strings)) * 1e6


def _compare(strings: list[str], repeats: int, min_time: float) -> tuple[float, float, float]:
    """Median µs per call of ours and theirs, and the median of the per-repeat ratios.

    The two are timed back to back within each repeat, so load from other processes on a
    shared machine hits both alike and the ratio stays steadier than either figure.
    """
    ours_us, theirs_us, ratios = [], [], []
    for _ in range(repeats):
        a = _per_call_us(ours, strings, min_time)
        b = _per_call_us(theirs, strings, min_time)
        ours_us.append(a)
        theirs_us.append(b)
        ratios.append(b / a)
    return statistics.median(ours_us), statistics.median(theirs_us), statistics.median(ratios)


def ours(s: str) -> object:
    return parse_date(s, NOW)


def theirs(s: str) -> object:
    return dateparser.parse(s, languages=["ru"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.3, help="seconds per repeat")
    ap.add_argument("--detail", action="store_true", help="also time each string alone")
    args = ap.parse_args(argv)

    for s in OUTLET + MIXED:  # warm both: dateparser loads its locale data on first use
        ours(s)
        theirs(s)

    print(f"python {sys.version.split()[0]}, dateparser {dateparser.__version__}")
    print(f"median of {args.repeats} repeats, µs per call; ratio = dateparser / parse_date")
    head = f"{'set':<10}{'n':>4}{'parse_date':>13}{'dateparser':>13}{'ratio':>10}"
    print(f"{head}  parsed (ours vs theirs)")
    for name, strings in (("outlet", OUTLET), ("mixed", MIXED)):
        a, b, ratio = _compare(strings, args.repeats, args.min_time)
        got_a = sum(ours(s) is not None for s in strings)
        got_b = sum(theirs(s) is not None for s in strings)
        print(
            f"{name:<10}{len(strings):>4}{a:>13.1f}{b:>13.1f}{ratio:>9.1f}×"
            f"  {got_a}/{len(strings)} vs {got_b}/{len(strings)}"
        )

    if args.detail:
        print("\nper string (µs per call):")
        for s in OUTLET + MIXED:
            a, b, ratio = _compare([s], args.repeats, args.min_time / 4)
            print(f"{a:>9.1f}{b:>10.1f}{ratio:>8.1f}×  {s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
