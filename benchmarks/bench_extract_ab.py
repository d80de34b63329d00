"""Extraction CPU of this checkout against another revision, interleaved in one process.

    python benchmarks/bench_extract_ab.py [--base main] [--articles 300] [--calls 200]
                                          [--real-passes 3]

Why: on a shared, loaded machine two runs minutes apart differ by more than most changes do;
timed in one process, page by page in turn, the load falls on both alike and the ratio holds.
The base revision's ``newsbot`` package is exported (``git archive``) into a temp dir as
``newsbot_base`` (its imports renamed), beside this checkout's ``newsbot`` (``--base HEAD``
measures the uncommitted change). On bench_crawl's site (the replica plus ``--articles``
synthetic articles) it prints, for each and as a ratio, the figures bench_crawl's in-process
section prints: the median article page (one pass after a cold one), the typical page (the
base's median page, median of ``--calls`` calls), the typical page with its URLs new to the
process (``new_urls_ms``: both revisions' URL caches emptied before each call, as in a crawl)
and the median listing page; then the median real page of ``../shared/realpages``
(``real_page_ms``, ``--real-passes``). Which of the two goes first alternates from call to
call (the second would find the page in the CPU's caches).
CPU time (``time.process_time``).
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

_IMPORT = re.compile(r"\bnewsbot(?=[. ])")


def export_base(revision: str, into: Path) -> None:
    """The revision's ``newsbot/`` as ``into/newsbot_base``, importing itself by that name."""
    data = subprocess.run(
        ["git", "archive", revision, "newsbot"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    package = into / "newsbot"
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        lines = [
            _IMPORT.sub("newsbot_base", line)
            if line.lstrip().startswith(("from ", "import "))
            else line
            for line in text.splitlines(keepends=True)
        ]
        path.write_text("".join(lines), encoding="utf-8")
    package.rename(into / "newsbot_base")


def cpu(fn: Callable[..., Any], *args: Any) -> float:
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def _forget_urls(extraction: ModuleType) -> None:
    """Empty a revision's remembered URL spellings: in a crawl every article's URLs are new to
    the process (its link was cleaned against the listing's URL, another cache key)."""
    urls = sys.modules[extraction.__name__.replace(".extraction", ".core.urls")]
    for name in ("clean_url", "url_key"):
        getattr(urls, name).cache_clear()


def measure(site: Path, mods: dict[str, ModuleType], calls: int) -> dict[str, dict[str, float]]:
    from newsbot.runtime.profiles import get_profile
    from tests.replica import build

    pages = sorted(
        p for p in site.glob("[0-9][0-9][0-9][0-9]/*/*/*/index.html") if "attachment" not in p.parts
    )
    docs = [
        (p.read_text(encoding="utf-8"), build.ORIGIN + "/" + p.parent.relative_to(site).as_posix())
        for p in pages
    ]
    listings = []
    for n in range(2, 10_000):
        page = site / "page" / str(n) / "index.html"
        if not page.is_file():
            break
        listings.append((page.read_text(encoding="utf-8"), f"{build.ORIGIN}/page/{n}/"))
    is_article_url = get_profile(build.ORIGIN + "/").is_article_url
    names = list(mods)
    for html, url in docs:  # the cold pass: lazy loads
        for name in names:
            mods[name].extract_article(html, url)
    per_page: dict[str, list[tuple[float, int]]] = {name: [] for name in names}
    for i, (html, url) in enumerate(docs):  # in turn, each first every other page
        for name in names if i % 2 == 0 else names[::-1]:
            per_page[name].append((cpu(mods[name].extract_article, html, url), i))
    out: dict[str, dict[str, float]] = {}
    for name in names:
        ranked = sorted(per_page[name])
        out[name] = {"all_pages_ms": ranked[len(ranked) // 2][0] * 1000}
    base_ranked = sorted(per_page[names[0]])
    html, url = docs[base_ranked[len(base_ranked) // 2][1]]
    typical: dict[str, list[float]] = {name: [] for name in names}
    fresh: dict[str, list[float]] = {name: [] for name in names}
    for i in range(calls):
        for name in names if i % 2 == 0 else names[::-1]:
            typical[name].append(cpu(mods[name].extract_article, html, url))
        for name in names if i % 2 == 0 else names[::-1]:
            _forget_urls(mods[name])
            fresh[name].append(cpu(mods[name].extract_article, html, url))
    listing: dict[str, list[float]] = {name: [] for name in names}
    for i, (page_html, page_url) in enumerate(listings):
        for name in names if i % 2 == 0 else names[::-1]:
            extract = mods[name].extract_listing
            listing[name].append(cpu(extract, page_html, page_url, is_article_url))
    for name in names:
        out[name]["typical_ms"] = statistics.median(typical[name]) * 1000
        out[name]["new_urls_ms"] = statistics.median(fresh[name]) * 1000
        out[name]["listing_ms"] = statistics.median(listing[name]) * 1000 if listings else 0.0
    print(f"{len(docs)} article pages, {len(listings)} listing pages; typical page {url}")
    return out


def measure_real(corpus: Path, mods: dict[str, ModuleType], passes: int) -> dict[str, float]:
    """The median real page of ``corpus`` (bench_extraction's: ground-truth.json, html/*.gz),
    ``passes`` interleaved passes after a cold one: other sites, larger pages, other themes."""
    import gzip
    import json

    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    docs = [
        (gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes()), entry["url"])
        for page_id, entry in sorted(truth.items())
    ]
    names = list(mods)
    for html, url in docs:
        for name in names:
            mods[name].extract_article(html, url)
    times: dict[str, list[float]] = {name: [] for name in names}
    for n in range(passes):
        for i, (html, url) in enumerate(docs):
            for name in names if (i + n) % 2 == 0 else names[::-1]:
                times[name].append(cpu(mods[name].extract_article, html, url))
    print(f"{len(docs)} real pages from {corpus}, {passes} passes")
    return {name: statistics.median(times[name]) * 1000 for name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision to compare against")
    parser.add_argument("--articles", type=int, default=300, help="synthetic articles to add")
    parser.add_argument("--calls", type=int, default=200, help="calls of the typical page")
    parser.add_argument(
        "--real-passes", type=int, default=3, help="passes over ../shared/realpages (0: none)"
    )
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    import bench_crawl

    from tests.replica import build

    with tempfile.TemporaryDirectory(prefix="bench_extract_ab-") as tmp:
        export_base(args.base, Path(tmp))
        sys.path.insert(0, tmp)
        import newsbot.extraction as here

        base = __import__("newsbot_base.extraction", fromlist=["extract_article"])
        site = Path(tmp) / "site"
        build.build_site(site, bench_crawl.synthetic_articles(args.articles), per_page=10)
        print(f"{args.base}: {base.__file__}; this checkout: {here.__file__}")
        mods = {args.base: base, "this checkout": here}
        result = measure(site, mods, args.calls)
        corpus = ROOT.parent / "shared" / "realpages"
        if args.real_passes and (corpus / "ground-truth.json").is_file():
            real = measure_real(corpus, mods, args.real_passes)
            for name in mods:
                result[name]["real_page_ms"] = real[name]
    for key in ("all_pages_ms", "typical_ms", "new_urls_ms", "listing_ms", "real_page_ms"):
        if key not in result[args.base]:
            continue
        before, after = result[args.base][key], result["this checkout"][key]
        print(
            f"{key:13} {args.base} {before:.2f}  this checkout {after:.2f}  ({after / before:.2f}x)"
        )


if __name__ == "__main__":
    main()
