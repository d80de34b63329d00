"""``newsbot demo``: see the whole pipeline work on a machine with no internet.

It serves the bundled replica of the outlet (``tests/replica``, the one the end-to-end tests
crawl) on 127.0.0.1, runs the real ``scrapy crawl district`` against it into a fresh store and
CSV in one folder, and prints the run's summary and the commands to try next. The replica is
part of the checkout, not of an installed wheel, so the command runs from a checkout
(``pip install -e .``), and says so in one line elsewhere.

Only the demo's own crawl of 127.0.0.1 drops the download delay and autothrottle; the project's
polite defaults for real sites are untouched.

Exit status: 0 done; 2 the folder already holds a demo (without ``--force``), cannot be used,
or there is no bundled replica; otherwise the crawl's own exit status (README, "Exit status").
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import newsbot

#: The replica beside the package in a checkout: <checkout>/newsbot and <checkout>/tests/replica.
CHECKOUT = Path(newsbot.__file__).resolve().parent.parent
DATASETTE_METADATA = CHECKOUT / "deploy" / "datasette-metadata.json"
DB_NAME = "newsbot.db"  # the name deploy/datasette-metadata.json expects
CSV_NAME = "articles.csv"
SUMMARY_NAME = "last_run.json"
LOG_NAME = "crawl.log"
#: What a demo leaves in its folder; --force removes exactly these, nothing else.
DEMO_FILES = (
    DB_NAME,
    f"{DB_NAME}-wal",
    f"{DB_NAME}-shm",
    f"{DB_NAME}.lock",
    CSV_NAME,
    SUMMARY_NAME,
    LOG_NAME,
)
#: The local replica answers at once: no delay, no autothrottle, no back-off between retries.
FAST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "NEWSBOT_RETRY_BACKOFF_BASE": "0",
}
#: The replica crawls in a few seconds; a crawl still running after this is stuck.
CRAWL_TIMEOUT_SECONDS = 600
_SUMMARY_LINE = re.compile(r"\] \w+: ((?:newsbot run |unhealthy run: |newsbot cannot ).*)$")


class DemoError(Exception):
    """An operator's mistake (a folder that holds a demo, no replica here): one line, exit 2."""


def add_parser(commands: Any) -> None:
    demo = commands.add_parser(
        "demo", help="crawl the bundled replica on 127.0.0.1 into a fresh store and CSV (offline)"
    )
    demo.add_argument(
        "--dir", default="demo", help="folder for the store, CSV and crawl log (default: demo)"
    )
    demo.add_argument(
        "--force", action="store_true", help="replace the demo files already in --dir"
    )


def replica_site(checkout: Path = CHECKOUT) -> Path:
    """The replica's static site, or a one-line reason why this installation has none."""
    site = checkout / "tests" / "replica" / "site"
    if not (site / "index.html").is_file() or not (site.parent / "server.py").is_file():
        raise DemoError(
            f"no bundled replica at {site.parent}: newsbot demo runs from a checkout of the "
            "project (pip install -e .)"
        )
    return site


def _replica_server(site: Path) -> ModuleType:
    """The replica's stdlib server, loaded from the checkout (``tests`` is not installed)."""
    name = "newsbot_demo_replica_server"
    spec = importlib.util.spec_from_file_location(name, site.parent / "server.py")
    if spec is None or spec.loader is None:
        raise DemoError(f"cannot load {site.parent / 'server.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def prepare(folder: Path, force: bool) -> list[str]:
    """Make the folder; never clobber an earlier demo unless told, and then say so."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoError(f"cannot use {folder}: {exc.strerror or exc}") from exc
    if not folder.is_dir():
        raise DemoError(f"cannot use {folder}: not a directory")
    present = [name for name in DEMO_FILES if (folder / name).exists()]
    if present and not force:
        main = [name for name in present if name in (DB_NAME, CSV_NAME)] or present
        raise DemoError(
            f"{folder} already holds a demo ({', '.join(main)}); "
            "add --force to replace it, or choose another --dir"
        )
    for name in present:
        (folder / name).unlink()
    return present


def shown(path: Path) -> str:
    """A path as the user would type it: relative to here when below here, else absolute."""
    relative = os.path.relpath(path)
    return shlex.quote(path.as_posix() if relative.startswith("..") else relative)


def program(name: str) -> str | None:
    """How to call one of this environment's scripts: its bare name when PATH finds this one
    (an activated venv), else its path (``.venv/bin/newsbot``); None when it is not installed."""
    script = Path(sys.executable).parent / name
    if not script.exists():
        return None
    found = shutil.which(name)
    if found and Path(found).resolve() == script.resolve():
        return name
    return shown(script)


def next_commands(folder: Path) -> list[str]:
    db = shown(folder / DB_NAME)
    newsbot_cmd = program("newsbot") or f"{shown(Path(sys.executable))} -m newsbot"
    datasette_cmd = program("datasette")
    commands = [
        f"{newsbot_cmd} stats --db {db}",
        f"{newsbot_cmd} export --db {db} --search школа --columns published_at,title,districts",
        f"{newsbot_cmd} export --db {db} -o {shown(folder / 'articles.parquet')}",
    ]
    datasette = f"{datasette_cmd or 'datasette'} {db} -m {shown(DATASETTE_METADATA)}"
    if datasette_cmd is None:
        datasette += "    # after: pip install 'datasette<1'"
    return [*commands, datasette]


def crawl_command(base_url: str, folder: Path) -> list[str]:
    settings = {
        **FAST_SETTINGS,
        "SQLITE_PATH": str(folder / DB_NAME),
        "NEWSBOT_SUMMARY_PATH": str(folder / SUMMARY_NAME),
    }
    cmd = [sys.executable, "-m", "scrapy", "crawl", "district", "-a", f"start_url={base_url}/"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return [*cmd, "-O", str(folder / CSV_NAME)]


def summary_lines(log: str) -> list[str]:
    """The run's verdict lines from its log, without the log prefix."""
    return [m.group(1) for line in log.splitlines() if (m := _SUMMARY_LINE.search(line))]


def run_demo(args: argparse.Namespace) -> int:
    site = replica_site()
    folder = Path(args.dir)
    replaced = prepare(folder, args.force)
    if replaced:
        print(f"newsbot demo: replacing the demo in {shown(folder)} ({', '.join(replaced)})")
    server_module = _replica_server(site)
    log_path = folder / LOG_NAME
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "newsbot.settings"}
    with server_module.ReplicaServer(site, fail_once=()) as server:
        print(
            f"newsbot demo: serving the bundled replica at {server.base_url}/ "
            f"and crawling it into {shown(folder)}/ …",
            flush=True,
        )
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                crawl_command(server.base_url, folder.resolve()),
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                status = proc.wait(timeout=CRAWL_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                print(
                    f"newsbot demo: the crawl took over {CRAWL_TIMEOUT_SECONDS} s and was "
                    f"stopped; its log: {shown(log_path)}",
                    file=sys.stderr,
                )
                return 1
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    for line in summary_lines(log_text):
        print(line)
    if status != 0:
        print(
            f"newsbot demo: the crawl exited {status}; its log: {shown(log_path)}",
            file=sys.stderr,
        )
        return status
    print(
        f"newsbot demo: {_count(folder / DB_NAME)} articles in {shown(folder / DB_NAME)} and "
        f"{shown(folder / CSV_NAME)} (crawl log: {shown(log_path)})"
    )
    print("\nNext, try:")
    for command in next_commands(folder):
        print(f"  {command}")
    return 0


def _count(db: Path) -> int:
    from newsbot.analysis.export import Filters, count_rows, open_store

    conn = open_store(db)
    try:
        return count_rows(conn, Filters())
    finally:
        conn.close()
