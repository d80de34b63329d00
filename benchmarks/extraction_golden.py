"""Every extraction output on every page the repo knows, as JSON: a check for speed work.

    python benchmarks/extraction_golden.py OUT.json [--articles 300] [--compare BEFORE.json]

Why: making extraction faster must not change one byte of what it returns. This runs
``extract_article`` and ``extract_listing`` over every page of the committed replica
(``tests/replica/site/``), every HTML fixture under ``tests/fixtures/pages``, the real pages of
``../shared/realpages`` and a synthetic site of ``--articles`` articles (bench_crawl's), the feed
parsers over ``tests/fixtures/feeds``, the REST posts through ``post_to_row``, and ``parse_date``
plus the body's date-stamp test over every string literal of the date tests and benchmarks; all
at a fixed fetch time. ``--compare`` prints the keys whose output differs and exits 1 if any do.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import gzip
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

FETCHED = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
DATE_SOURCES = ("tests/test_dates.py", "benchmarks/bench_dates.py", "tests/test_text.py")


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _pages(site: Path, origin: str) -> list[tuple[str, str, bytes]]:
    out = []
    for page in sorted(site.rglob("index.html")):
        rel = page.parent.relative_to(site).as_posix()
        url = origin + "/" + (rel + "/" if rel != "." else "")
        out.append((f"site:{site.name}:{rel}", url, page.read_bytes()))
    return out


def collect(articles: int) -> dict[str, Any]:
    from newsbot.core.dates import parse_date
    from newsbot.extraction import extract_article, extract_listing
    from newsbot.extraction.body import _is_date_line
    from newsbot.extraction.feeds import load_wp_posts, parse_feed, read_sitemap
    from newsbot.extraction.wp_post import post_to_row
    from newsbot.runtime.profiles import get_profile
    from tests.replica import build

    docs: list[tuple[str, str, bytes]] = _pages(ROOT / "tests/replica/site", build.ORIGIN)
    for html in sorted((ROOT / "tests/fixtures/pages").glob("*.html")):
        expected = html.with_suffix(".expected.json")
        url = build.ORIGIN + "/fixture/" + html.stem + "/"
        if expected.is_file():
            doc = json.loads(expected.read_text(encoding="utf-8"))
            url = doc.get("_url") or doc.get("url") or url
        docs.append((f"fixture:{html.name}", url, html.read_bytes()))
    corpus = ROOT.parent / "shared" / "realpages"
    if (corpus / "ground-truth.json").is_file():
        truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
        for page_id, entry in sorted(truth.items()):
            raw = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
            docs.append((f"real:{page_id}", entry["url"], raw))
    with tempfile.TemporaryDirectory() as tmp:
        if articles:
            import bench_crawl

            site = Path(tmp) / "synthetic"
            build.build_site(site, bench_crawl.synthetic_articles(articles), per_page=10)
            docs += _pages(site, build.ORIGIN)

    out: dict[str, Any] = {}
    for key, url, raw in docs:
        is_article_url = get_profile(url).is_article_url
        for form, html in (("bytes", raw), ("text", None)):
            if form == "text":
                try:
                    html = raw.decode("utf-8")
                except UnicodeDecodeError:
                    continue
            result = extract_article(html, url, fetched_at=FETCHED)
            out[f"{key}:article:{form}"] = _jsonable(result)
        out[f"{key}:listing"] = _jsonable(extract_listing(raw, url, is_article_url))

    feeds = ROOT / "tests/fixtures/feeds"
    for path in sorted(feeds.iterdir()):
        if path.suffix in (".xml", ".gz"):
            raw = path.read_bytes()
            if path.suffix == ".gz":
                raw = gzip.decompress(raw)
            base = build.ORIGIN + "/" + path.name
            out[f"feed:{path.name}"] = _jsonable(parse_feed(raw, base))
            out[f"sitemap:{path.name}"] = _jsonable(read_sitemap(raw, base))
    posts = load_wp_posts((feeds / "wp_rest_posts.json").read_bytes(), build.ORIGIN + "/") or []
    for i, post in enumerate(posts):
        out[f"wp_post:{i}"] = _jsonable(post_to_row(post, FETCHED))

    strings: set[str] = set()
    for source in DATE_SOURCES:
        tree = ast.parse((ROOT / source).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and len(node.value) <= 200
            ):
                strings.add(node.value)
    now = datetime(2026, 1, 16, 15, 0, tzinfo=UTC)
    for s in sorted(strings):
        out[f"date:{s}"] = [_jsonable(parse_date(s, now)), _is_date_line(s)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--compare", type=Path, default=None)
    args = parser.parse_args()
    import logging

    logging.disable(logging.CRITICAL)
    out = collect(args.articles)
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=0, sort_keys=True), "utf-8")
    print(f"{len(out)} outputs written to {args.out}")
    if args.compare is not None:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        diff = sorted(k for k in before.keys() & out.keys() if before[k] != out[k])
        missing = sorted(before.keys() - out.keys())
        for key in diff[:50]:
            print("DIFF", key)
        for key in missing[:50]:
            print("MISSING", key)
        print(
            f"{len(diff)} differences, {len(missing)} missing against {args.compare} "
            f"({len(out.keys() - before.keys())} new outputs)"
        )
        diff += missing
        sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
