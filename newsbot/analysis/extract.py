"""``newsbot extract FILE... [--url URL]...``: what the crawl would store for saved pages.

One JSON object per page on stdout (JSON Lines; logs go to stderr): every dataset field as the
crawl stores it, ``skipped`` (why the page gives no row, or null) and ``sources`` (field -> the
signal its value came from). This is how an operator checks a page of the real site in one
command: save it (``curl -o page.html URL``), then ``newsbot extract page.html --url URL``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from newsbot.core.dates import MOSCOW


class ExtractError(Exception):
    """An operator's mistake (a missing file, more URLs than files): one line, exit 2."""


def add_parser(commands: Any) -> None:
    ext = commands.add_parser(
        "extract", help="read saved pages (.html or .html.gz) as the crawl would; JSON Lines"
    )
    ext.add_argument("files", nargs="+", metavar="FILE", help="saved page; gzip is read too")
    ext.add_argument(
        "--url",
        action="append",
        default=[],
        help="the page's address, repeatable, in the order of the files (default: file://…)",
    )
    ext.add_argument(
        "--fetched-at",
        help="when the pages were fetched (ISO 8601), the base of «Сегодня в 10:15» and "
        "year-less dates; default: each file's modification time",
    )


def _read(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ExtractError(f"{path} is not valid gzip: {exc}") from exc
    return raw


def _fetched_at(value: str | None, path: Path) -> datetime:
    if value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ExtractError(f"--fetched-at {value!r} is not an ISO 8601 time") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=MOSCOW)
    return datetime.fromtimestamp(path.stat().st_mtime, tz=MOSCOW)


def page_record(raw: bytes, url: str, fetched_at: datetime) -> dict[str, Any]:
    """The JSON object for one page: the row, ``skipped`` and ``sources``."""
    from newsbot.extraction import extract_article

    result = extract_article(raw, url, fetched_at=fetched_at)
    record: dict[str, Any] = dict(result.fields) if result.fields else {"url": url}
    record["skipped"] = None if result.is_article else f"{result.code}: {result.reason}"
    record["sources"] = result.sources
    return record


def run_extract(args: argparse.Namespace) -> int:
    paths = [Path(f) for f in args.files]
    if len(args.url) > len(paths):
        raise ExtractError(f"{len(args.url)} --url values for {len(paths)} files")
    for path in paths:
        if not path.is_file():
            raise ExtractError(f"no such file: {path}")
    for i, path in enumerate(paths):
        url = args.url[i] if i < len(args.url) else path.resolve().as_uri()
        record = page_record(_read(path), url, _fetched_at(args.fetched_at, path))
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0
