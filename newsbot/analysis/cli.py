"""``newsbot``: the analysts' commands over the store (``export``, ``stats``), ``extract``,
which reads saved pages as the crawl would, and ``demo``, an offline crawl of the replica.

Exit status: 0 done, 2 bad arguments, an unusable database or an output file that cannot be
written (missing or read-only directory, full disk), with a one-line reason on stderr;
1 anything else. ``demo`` ends with its crawl's own status when the crawl fails (demo.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence

from newsbot.analysis.demo import DemoError, run_demo
from newsbot.analysis.demo import add_parser as add_demo_parser
from newsbot.analysis.export import (
    EXPORT_COLUMNS,
    FORMATS,
    ExportError,
    Filters,
    collect_stats,
    export,
    format_for,
    format_stats,
    open_store,
)
from newsbot.analysis.extract import ExtractError, add_parser, run_extract

logger = logging.getLogger(__name__)


def default_db() -> str:
    """The project's ``SQLITE_PATH`` (scrapy.cfg / SCRAPY_SETTINGS_MODULE), else newsbot's own."""
    from scrapy.utils.project import get_project_settings

    path = get_project_settings().get("SQLITE_PATH")
    if not path:
        from newsbot import settings

        path = settings.SQLITE_PATH
    return str(path)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="the SQLite store (default: the SQLITE_PATH setting)")
    group = parser.add_argument_group("filters (all must hold)")
    group.add_argument("--since", help="published on/after: 2023-09-05, 2023-09, ISO datetime")
    group.add_argument("--until", help="published on/before (a date or month is inclusive)")
    group.add_argument("--site", action="append", default=[], help="host name; repeatable")
    group.add_argument("--district", action="append", default=[], help="district; repeatable")
    group.add_argument("--search", help='full-text query, e.g. "школа", "Люблин*", "a OR b"')
    group.add_argument(
        "--unique", action="store_true", help="leave out near-duplicates (duplicate_of set)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    exp = commands.add_parser("export", help="write the store as CSV, JSON Lines or Parquet")
    _add_common(exp)
    exp.add_argument("--format", choices=FORMATS, help="default: from -o's extension, else csv")
    exp.add_argument("-o", "--output", default="-", help="file to write, or - for stdout")
    exp.add_argument("--no-bom", action="store_true", help="CSV without the UTF-8 BOM")
    exp.add_argument(
        "--columns", help=f"comma-separated subset, in order (default: {','.join(EXPORT_COLUMNS)})"
    )
    exp.add_argument("--no-progress", action="store_true", help="no progress bar on a terminal")

    st = commands.add_parser("stats", help="counts by month, district, tag; fill rates")
    _add_common(st)
    st.add_argument("--top", type=int, default=20, help="tags to list (0: all; default 20)")
    st.add_argument("--json", action="store_true", help="machine-readable output")

    add_parser(commands)
    add_demo_parser(commands)
    return parser


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(
        since=args.since,
        until=args.until,
        sites=tuple(args.site),
        districts=tuple(args.district),
        search=args.search,
        unique=args.unique,
    )


def run(args: argparse.Namespace) -> int:
    if args.command == "extract":
        return run_extract(args)
    if args.command == "demo":
        return run_demo(args)
    db = args.db or default_db()
    conn = open_store(db)
    try:
        if args.command == "stats":
            stats = collect_stats(conn, _filters(args))
            if args.json:
                sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
            else:
                sys.stdout.write(format_stats(stats, top=args.top))
            return 0
        fmt = format_for(args.output, args.format)
        if fmt == "parquet" and args.output == "-" and sys.stdout.isatty():
            raise ExportError("refusing to write Parquet to a terminal; use -o FILE")
        columns = EXPORT_COLUMNS
        if args.columns:
            columns = tuple(c.strip() for c in args.columns.split(",") if c.strip())
        n = export(
            conn,
            args.output,
            fmt,
            _filters(args),
            columns=columns,
            bom=not args.no_bom,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
        where = "stdout" if args.output == "-" else args.output
        print(f"newsbot: exported {n} articles to {where} ({fmt})", file=sys.stderr)
        return 0
    finally:
        conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on bad arguments
    try:
        return run(args)
    except (ExportError, ExtractError, DemoError) as exc:
        print(f"newsbot {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"newsbot {args.command}: database error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `newsbot export | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:  # a missing or read-only directory, a full disk
        where = exc.filename or args.output
        print(
            f"newsbot {args.command}: error: cannot write {where}: {exc.strerror}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
