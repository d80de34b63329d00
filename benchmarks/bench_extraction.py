"""Body extraction measured on real pages: P, R, F1, refusals, ms per page, worst pages.

    python benchmarks/bench_extraction.py [CORPUS] [--worst N] [--no-trafilatura]

CORPUS (default ``../shared/realpages``) holds ``ground-truth.json`` ({id: {url, articleBody}})
and ``html/<id>.html.gz``. The measure is the benchmark's own (see the corpus README): 4-token
shingles of ``\\w+`` tokens as multisets, tp/fp/fn divided by their sum per page, P and R the
means over pages, F1 of the two means. A page newsbot refuses scores as an empty body, as the
crawl would emit nothing for it. trafilatura runs side by side when it is installed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbot.extraction.article import extract_article  # noqa: E402

_TOKEN = re.compile(r"\w+")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def page_scores(predicted: str, truth: str) -> tuple[float | None, float | None]:
    """(precision, recall) of one page; None where its denominator is 0."""
    pred, true = shingles(predicted), shingles(truth)
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    if total == 0:
        return 1.0, 1.0
    tp, fp, fn = tp / total, fp / total, fn / total
    if fp == 0 and fn == 0:
        return 1.0, 1.0
    # An empty prediction has no precision: left out of the mean, as the corpus's published
    # figures are computed (the refused count is printed beside them).
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def corpus_scores(pairs: list[tuple[float | None, float | None]]) -> tuple[float, float, float]:
    ps = [p for p, _ in pairs if p is not None]
    rs = [r for _, r in pairs if r is not None]
    p = statistics.fmean(ps) if ps else 0.0
    r = statistics.fmean(rs) if rs else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def load_corpus(corpus: Path) -> list[tuple[str, str, bytes, str]]:
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, entry in sorted(truth.items()):
        raw = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append((page_id, entry["url"], raw, entry["articleBody"]))
    return pages


def run_newsbot(url: str, raw: bytes) -> tuple[str, str]:
    result = extract_article(raw, url)
    if not result.is_article:
        return "", result.code or "refused"
    return result.fields["text"], ""


def run_trafilatura() -> Callable[[str, bytes], tuple[str, str]] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def extract(url: str, raw: bytes) -> tuple[str, str]:
        return trafilatura.extract(raw, url=url, favor_precision=False) or "", ""

    return extract


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    refused: Counter[str]
    times_ms: list[float]
    rows: list[tuple[float, str, str, str, str]]  # page F1, id, url, refusal, text


def score(extract: Callable[[str, bytes], tuple[str, str]], pages: list) -> Scores:
    """The corpus measure for one extractor (also printed beside the speed by bench_crawl)."""
    scores, times, refused, rows = [], [], Counter[str](), []
    for page_id, url, raw, truth in pages:
        start = time.perf_counter()
        text, reason = extract(url, raw)
        times.append((time.perf_counter() - start) * 1000)
        if reason:
            refused[reason] += 1
        p, r = page_scores(text, truth)
        scores.append((p, r))
        f = 2 * p * r / (p + r) if p is not None and r is not None and p + r else 0.0
        rows.append((f, page_id, url, reason, text))
    p, r, f1 = corpus_scores(scores)
    return Scores(p, r, f1, refused, times, rows)


def measure(
    name: str, extract: Callable[[str, bytes], tuple[str, str]], pages: list, worst: int
) -> None:
    result = score(extract, pages)
    p, r, f1 = result.precision, result.recall, result.f1
    refused, times, rows = result.refused, result.times_ms, result.rows
    print(f"\n== {name}: F1 {f1:.3f}  precision {p:.3f}  recall {r:.3f}  ({len(pages)} pages)")
    refused_line = ", ".join(f"{k} {v}" for k, v in refused.most_common()) or "none"
    print(f"   refused: {sum(refused.values())} ({refused_line})")
    print(
        f"   ms per page: median {statistics.median(times):.1f}, "
        f"mean {statistics.fmean(times):.1f}, max {max(times):.0f}"
    )
    print(f"   pages under 0.5: {sum(1 for row in rows if row[0] < 0.5)}")
    if worst:
        print(f"   {worst} worst pages:")
        for f, page_id, url, reason, text in sorted(rows)[:worst]:
            taken = " ".join(text.split())[:110] or f"<{reason or 'empty'}>"
            print(f"   {f:.2f} {page_id[:10]} {url[:70]}\n        took: {taken}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "realpages"))
    parser.add_argument("--worst", type=int, default=10)
    parser.add_argument("--no-trafilatura", action="store_true")
    args = parser.parse_args()
    pages = load_corpus(Path(args.corpus))
    logging_off()
    measure("newsbot", run_newsbot, pages, args.worst)
    traf = None if args.no_trafilatura else run_trafilatura()
    if traf is not None:
        measure("trafilatura", traf, pages, 0)


def logging_off() -> None:
    import logging

    logging.disable(logging.WARNING)


if __name__ == "__main__":
    main()
