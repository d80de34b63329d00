"""How often a page prints a byline that a WordPress-user-like author would miss or contradict.

    python benchmarks/bench_byline.py [CORPUS] [--list]

The REST API's ``_embedded.author`` is the WordPress user; on a page, the nearest thing to it
is the author the page states about itself in metadata: JSON-LD ``author``, else
``<meta name=author>``/``article:author`` (Yoast and most SEO plugins write the WP user there).
The byline is what the page prints: «Текст: …»/«Автор: …» or the author markup (``.byline``,
``rel=author``, ``itemprop=author``, …). Both are read by the page module's own
``read_author``, once with the metadata only and once with the printed page only, so the
figures follow the crawl's rules. Per page: no printed byline; printed and the metadata agree
(same name, «By …» and a role after a comma or dash aside); the metadata has no author (miss);
it names someone else (contradict). Pages whose metadata author is a shared account or a login
by ``wp_post.wp_user``'s rule are counted too: those are the posts the API crawl reads from
their page.

CORPUS (default ``../shared/realpages``) holds ``ground-truth.json`` ({id: {url, …}}) and
``html/<id>.html.gz``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsel import Selector  # noqa: E402

from newsbot.core.text import clean_inline  # noqa: E402
from newsbot.extraction.document import make_selector, visible_text_nodes  # noqa: E402
from newsbot.extraction.headline import read_author  # noqa: E402
from newsbot.extraction.metadata import PageMetadata, read_metadata  # noqa: E402
from newsbot.extraction.wp_post import wp_user  # noqa: E402

_EMPTY_PAGE = Selector(text="<html><body></body></html>")
_ROLE = re.compile(r",|\s[-–—|]\s")
_NOT_LETTER = re.compile(r"\W+")


def name_key(name: str) -> str:
    """A name for comparison: «By TOM KRISHER, AP Auto Writer» and «Tom Krisher» are one."""
    name = re.sub(r"^by\s+", "", clean_inline(name), flags=re.IGNORECASE)
    return _NOT_LETTER.sub("", _ROLE.split(name, maxsplit=1)[0]).casefold()


def authors(html: bytes) -> tuple[str, str]:
    """(the byline the page prints, the author its metadata states)."""
    sel = make_selector(html)
    body = sel.xpath("//body")
    visible = "\n".join(clean_inline(t) for t in visible_text_nodes(body[0].root)) if body else ""
    printed, _ = read_author(sel, PageMetadata(), visible)
    stated, _ = read_author(_EMPTY_PAGE, read_metadata(sel), "")
    return printed, stated


def verdict(printed: str, stated: str) -> str:
    if not printed:
        return "no printed byline"
    if not stated:
        return "printed, metadata has none (miss)"
    a, b = name_key(printed), name_key(stated)
    if a and b and (a in b or b in a):
        return "printed, metadata agrees"
    return "printed, metadata names another (contradict)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared/realpages")
    parser.add_argument("--list", action="store_true", help="print every page's two authors")
    args = parser.parse_args()
    truth = json.loads((args.corpus / "ground-truth.json").read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    shared: list[str] = []
    lines = []
    for page_id, entry in sorted(truth.items()):
        path = args.corpus / "html" / f"{page_id}.html.gz"
        if not path.exists():
            continue
        printed, stated = authors(gzip.decompress(path.read_bytes()))
        kind = verdict(printed, stated)
        counts[kind] += 1
        host = urlsplit(entry.get("url", "")).hostname or "?"
        _, why = wp_user({"_embedded": {"author": [{"name": stated}]}})
        if stated and why:
            shared.append(f"{host}: «{stated}» ({why}); printed «{printed}»")
        if args.list or "miss" in kind or "contradict" in kind:
            lines.append(f"  {page_id[:8]} {host:28} printed «{printed}» | metadata «{stated}»")
    total = sum(counts.values())
    print(f"{total} pages of {args.corpus}")
    for kind in (
        "no printed byline",
        "printed, metadata agrees",
        "printed, metadata has none (miss)",
        "printed, metadata names another (contradict)",
    ):
        print(f"  {kind:46} {counts[kind]:3}")
    printed_total = total - counts["no printed byline"]
    wrong = (
        counts["printed, metadata has none (miss)"]
        + counts["printed, metadata names another (contradict)"]
    )
    print(f"byline missed or contradicted: {wrong} of {printed_total} pages that print one")
    print(f"metadata author a shared account or login (page needed): {len(shared)}")
    for line in shared:
        print("  " + line)
    print("pages:" if args.list else "missed or contradicted:")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
