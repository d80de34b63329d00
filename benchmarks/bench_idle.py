"""Benchmark an idle scheduled run (nothing new) against a big store; prints figures.

    python benchmarks/bench_idle.py --rows 1000000 --db /tmp/scale/bench-1m.db --runs 5

The store holds ``--rows`` synthetic articles of the replica's own site (url_keys of
``http://127.0.0.1:PORT``, built by ``bench_export.build`` the first time, then reused) plus
the replica's articles, stored by a first crawl. Then ``scrapy crawl district`` runs ``--runs``
times as the scheduled job does (``deploy/newsbot-crawl.sh``: SQLITE_PATH, JOBDIR,
NEWSBOT_LOG_FILE; politeness delays off, as in the tests) against the replica served on
127.0.0.1, each run finding nothing new. Printed: median wall, CPU (user + system) and peak RSS
(its own VmHWM, read at exit) of the crawl process, and where start-up goes (``python -X
importtime``).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_export import build  # noqa: E402

from tests.replica.server import SITE_DIR, ReplicaServer  # noqa: E402

#: Modules a run that stores nothing should not need (each costs 0.1-0.7 s to import).
HEAVY = (
    "scipy",
    "datasketch",
    "pymorphy3",
    "pyarrow",
    "extruct",
    "dateparser",
    "rdflib",
    "aiohttp",
)
#: The floor: bare Scrapy fetching the same two pages (robots.txt and the first listing page).
BARE_SPIDER = """
import scrapy


class Bare(scrapy.Spider):
    name = "bare"
    start_urls = [{url!r}]
    custom_settings = {{"ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False}}

    def parse(self, response):
        return None
"""
#: ``python -c`` instead of ``python -m scrapy``: the same command, and at exit the process's
#: own peak RSS (the kernel's VmHWM since exec) written to the file named in argv[1].
#: ``os.wait4``'s ru_maxrss is not that: a forked child starts with the parent's resident pages
#: counted and the mark survives exec, so after this process built a 1M-row store every run,
#: bare Scrapy's too, read 383 MiB.
PEAK_MAIN = (
    "import atexit, sys; out = sys.argv.pop(1); "
    "hwm = lambda: next((l.split()[1] for l in open('/proc/self/status') "
    "if l.startswith('VmHWM:')), '0'); "
    "atexit.register(lambda: open(out, 'w').write(hwm())); "
    "from scrapy.cmdline import execute; sys.argv[0] = 'scrapy'; execute()"
)
SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "NEWSBOT_RETRY_BACKOFF_BASE": "0",
    "LOG_LEVEL": "INFO",
}


def crawl(
    base_url: str, db: Path, work: Path, *python_flags: str
) -> tuple[int, float, float, int, str]:
    """(exit status, wall s, CPU s, peak RSS KiB, stderr) of one ``scrapy crawl district``."""
    settings = {
        **SETTINGS,
        "SQLITE_PATH": str(db),
        "JOBDIR": str(work / "jobdir"),
        "NEWSBOT_LOG_FILE": str(work / "crawl.log"),
        "NEWSBOT_SUMMARY_PATH": str(work / "last_run.json"),
        "NEWSBOT_LOCK_PATH": str(work / "newsbot.db.lock"),
    }
    cmd = [sys.executable, *python_flags, "-c", PEAK_MAIN, str(work / "peak"), "crawl", "district"]
    cmd += ["-a", f"start_url={base_url}/"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return measure(cmd, work, ROOT)


def bare(base_url: str, work: Path) -> tuple[int, float, float, int, str]:
    """The same figures for bare Scrapy (``scrapy runspider``, no project) on the same pages."""
    spider = work / "bare.py"
    spider.write_text(BARE_SPIDER.format(url=base_url + "/"), encoding="utf-8")
    cmd = [sys.executable, "-c", PEAK_MAIN, str(work / "peak"), "runspider", str(spider)]
    cmd += ["-s", "LOG_LEVEL=INFO"]
    return measure(cmd, work, work)


def measure(cmd: list[str], work: Path, cwd: Path) -> tuple[int, float, float, int, str]:
    """The figures of one run of ``cmd`` (a PEAK_MAIN command writing ``work / "peak"``)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    peak = work / "peak"
    peak.unlink(missing_ok=True)
    with (work / "stderr").open("w+b") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        err.seek(0)
        log = err.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    rss = int(peak.read_text()) if peak.is_file() else 0
    return os.waitstatus_to_exitcode(status), wall, cpu, rss, log


def import_breakdown(log: str, top: int) -> tuple[float, list[tuple[str, float]], set[str]]:
    """Total import seconds, the top-level packages that cost most, and every module seen."""
    by_package: dict[str, float] = defaultdict(float)
    modules: set[str] = set()
    total = 0.0
    for line in log.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        self_us, cumulative_us, indent, name = match.groups()
        modules.add(name)
        by_package[name.split(".")[0]] += int(self_us) / 1e6
        if len(indent) == 1:  # a top-level import: its cumulative time counts once
            total += int(cumulative_us) / 1e6
    ranked = sorted(by_package.items(), key=lambda kv: -kv[1])[:top]
    return total, ranked, modules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/newsbot-bench-idle.db"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765, help="the replica's port (in url_keys)")
    parser.add_argument("--top", type=int, default=12, help="packages in the import breakdown")
    args = parser.parse_args()
    origin = f"http://127.0.0.1:{args.port}"
    if not args.db.exists():
        build(args.db, args.rows, origin)
    conn = sqlite3.connect(args.db)
    stored = conn.execute("SELECT COUNT(*) FROM articles WHERE site = '127.0.0.1'").fetchone()[0]
    sample = conn.execute("SELECT url_key FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    conn.close()
    if not sample.startswith(f"//127.0.0.1:{args.port}/"):
        sys.exit(f"{args.db} was built for another origin ({sample}); use its --port or a new --db")
    with (
        ReplicaServer(SITE_DIR, port=args.port, fail_once=()) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        work = Path(tmp)
        code, wall, cpu, rss, _ = crawl(server.base_url, args.db, work)
        print(
            f"store: {stored:,} rows of the site; first run (stores what is new): exit {code},"
            f" wall {wall:.2f} s, peak RSS {rss / 1024:.0f} MiB"
        )
        figures = []
        before = len(server.requests)
        for _ in range(args.runs):
            code, wall, cpu, rss, log = crawl(server.base_url, args.db, work)
            if code != 0:
                sys.exit(f"idle run exited {code}:\n{log[-3000:]}")
            figures.append((wall, cpu, rss))
        walls, cpus, rsss = zip(*figures, strict=True)
        print(
            f"idle run x{args.runs}: median wall {statistics.median(walls):.2f} s"
            f" (min {min(walls):.2f}, max {max(walls):.2f}), CPU {statistics.median(cpus):.2f} s,"
            f" peak RSS {statistics.median(rsss) / 1024:.0f} MiB (max {max(rsss) / 1024:.0f})"
        )
        asked = len(server.requests) - before
        print(f"  requests per idle run: {asked / args.runs:g}")
        floor = [bare(server.base_url, work) for _ in range(args.runs)]
        print(
            f"bare Scrapy, same pages x{args.runs}: median wall"
            f" {statistics.median(f[1] for f in floor):.2f} s,"
            f" CPU {statistics.median(f[2] for f in floor):.2f} s,"
            f" peak RSS {statistics.median(f[3] for f in floor) / 1024:.0f} MiB"
        )
        code, wall, cpu, rss, log = crawl(server.base_url, args.db, work, "-X", "importtime")
        total, ranked, modules = import_breakdown(log, args.top)
        print(f"imports of an idle run (-X importtime, one run): {total:.2f} s in all")
        for name, seconds in ranked:
            print(f"  {name:24s} {seconds:6.3f} s")
        heavy = [m for m in HEAVY if m in modules]
        print(f"  heavy modules imported: {', '.join(heavy) if heavy else 'none'}")


if __name__ == "__main__":
    main()
