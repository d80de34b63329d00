"""The full newsbot crawl against bare Scrapy fetching the same pages; prints figures only.

    python benchmarks/bench_crawl.py [--articles N] [--repeats R] [--per-page K] [--profile]
        [--parse-processes N] [--attribute] [--store DB]

Why: DESIGN.md asks that extraction and the pipelines cost little on top of fetching. This
builds a bigger replica (the committed one plus N synthetic articles written with
``tests/replica/build.py``), serves it on 127.0.0.1 and runs, R times each in alternating order,
as separate processes with the same concurrency:

* **newsbot**: ``scrapy crawl district`` from the repo root (project settings, all pipelines,
  a fresh SQLite store each run; no ``-O`` feed, as the shipped schedules run it, since bare
  Scrapy exports nothing either: ``--feed`` adds the CSV feed to see what it costs);
* **bare**: :class:`BareSpider` from this file through ``scrapy runspider``, started in a temp
  dir with no ``scrapy.cfg`` and no ``SCRAPY_SETTINGS_MODULE`` (Scrapy's defaults, no
  pipelines). It fetches exactly the pages newsbot fetched, in the same dependency order (an
  article is requested once the listing page that links it has arrived; the next listing once
  the previous one has), from a plan read off an untimed newsbot warm-up run's DEBUG log, and
  drops every response.

Each child writes its own peak RSS (VmHWM) at exit and is reaped with ``os.wait4``; its CPU
time is what RUSAGE_CHILDREN gains meanwhile, which counts every process under it too (this
process is a subreaper, so what a crawl leaves behind is reaped and counted here); pages are
counted in the server's request log, and every run must fetch the same multiset of paths as
the warm-up.
Then what newsbot adds per page is timed in-process, in CPU time: extraction + cleaning of every
article page and, repeatedly, of the typical one (the median page), the spider's charset check,
a listing page and the store's upsert.
Last, the extraction F1 on the real pages of ``--corpus`` (``bench_extraction.py``'s measure),
so that speed is never bought with wrong text. The synthetic bodies are Zipf-distributed Russian
text (``synthetic_text.py``). ``--profile`` adds one newsbot crawl under cProfile and prints its
top costs; ``--parse-processes N`` adds a third kind of timed run, newsbot with its article
pages parsed in N worker processes (their CPU included); ``--attribute`` adds newsbot crawls
that differ in one thing each (the ``-O`` feed, INFO logging, no item pipelines, Scrapy's
default ``CONCURRENT_ITEMS``, Python's GC threshold) and prints what each costs a page.
``--store DB`` starts every newsbot run from a copy of that store instead of a fresh one (the
copy made before the clock starts): the crawl of a new site into a store that already holds,
say, a million rows of others (``bench_bands.py --upsert 1000000 --keep DB``). With the
defaults the whole run takes about two minutes on two cores.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response

ROOT = Path(__file__).resolve().parent.parent

logger = logging.getLogger(__name__)

#: Same for both kinds of run, on the command line as ``-s`` flags.
COMMON_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "CONCURRENT_REQUESTS": "16",
    "LOG_LEVEL": "WARNING",
    # + CONCURRENT_ITEMS, newsbot's own value, set in main(): Scrapy's 100 starts 100 tasks a
    # response, and bare Scrapy is given newsbot's, so that what newsbot adds is not flattered
    # by a setting bare could take as well.
}
#: Bare Scrapy's defaults differ from newsbot.settings here; fetching the same pages needs these.
BARE_SETTINGS = {
    "ROBOTSTXT_OBEY": "True",  # newsbot obeys robots.txt, so it fetches /robots.txt too
    "ITEM_PIPELINES": "{}",
    "TELNETCONSOLE_ENABLED": "False",
}
#: Bare Scrapy's young-generation GC threshold (OWN_CPU_MAIN sets it): newsbot's
#: NEWSBOT_GC_THRESHOLD, set in main(), for the same reason as CONCURRENT_ITEMS.
BARE_GC_THRESHOLD = 0
#: Seconds a crawl may take before it is killed: this, or 50 ms a page if more (a 30,000-article
#: warm-up at DEBUG takes over 300 s).
CHILD_TIMEOUT = 300.0
CHILD_TIMEOUT_PER_PAGE = 0.05
#: ``python -c`` instead of ``python -m scrapy`` for the timed runs: the same command, and at
#: exit the crawl process's own CPU time (all its threads, none of its children) and its own
#: peak RSS are written to the file named in argv[1]. The peak is the kernel's VmHWM of the
#: process's memory since exec: ``os.wait4``'s ru_maxrss is not, since a forked child starts
#: with the parent's resident pages counted and the high-water mark survives exec, so every
#: child read as big as this process (992 MB for both kinds at 30,000 articles).
OWN_CPU_MAIN = (
    "import atexit, gc, os, sys, time; out = sys.argv.pop(1); "
    "t = os.environ.get('BENCH_GC_THRESHOLD'); t and gc.set_threshold(int(t), 10, 10); "
    "hwm = lambda: next((l.split()[1] for l in open('/proc/self/status') "
    "if l.startswith('VmHWM:')), 'nan'); "
    "atexit.register(lambda: open(out, 'w').write(f'{time.process_time()!r} {hwm()}')); "
    "from scrapy.cmdline import execute; sys.argv[0] = 'scrapy'; execute()"
)
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
CRAWLED_LINE = re.compile(r"Crawled \((\d+)\) <GET (\S+)>.*?\(referer: (\S+)\)")


# --------------------------------------------------------------------------- the bare spider


class BareSpider(scrapy.Spider):
    """Follows a fixed plan (page -> pages it leads to) and ignores every response's content."""

    name = "bench_bare"

    def __init__(self, plan: str = "", report: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        data = json.loads(Path(plan).read_text(encoding="utf-8"))
        self.start_url: str = data["start"]
        self.children: dict[str, list[str]] = data["children"]
        self.report = report

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        for url in self.children.get(response.url, ()):
            yield scrapy.Request(url, dont_filter=True)

    def closed(self, reason: str) -> None:
        # Proof that the run really was bare: Scrapy's bot name, no pipelines, no items.
        if not self.report or self.crawler is None or self.crawler.stats is None:
            return
        settings = self.crawler.settings
        stats = self.crawler.stats
        doc = {
            "BOT_NAME": settings.get("BOT_NAME"),
            "ITEM_PIPELINES": dict(settings.getdict("ITEM_PIPELINES")),
            "responses": stats.get_value("downloader/response_count", 0),
            "items": stats.get_value("item_scraped_count", 0),
            "reason": reason,
        }
        Path(self.report).write_text(json.dumps(doc), encoding="utf-8")


# --------------------------------------------------------------------------- the site

DISTRICTS = (  # name, locative as a headline writes it, slug
    ("Люблино", "в Люблине", "lyubline"),
    ("Марьино", "в Марьине", "marine"),
    ("Капотня", "в Капотне", "kapotne"),
    ("Кузьминки", "в Кузьминках", "kuzminkah"),
    ("Печатники", "в Печатниках", "pechatnikah"),
    ("Некрасовка", "в Некрасовке", "nekrasovke"),
    ("Текстильщики", "в Текстильщиках", "tekstilshhikah"),
    ("Лефортово", "в Лефортове", "lefortove"),
    ("Выхино-Жулебино", "в Выхине-Жулебине", "vyhine-zhulebine"),
    ("Рязанский", "в Рязанском районе", "ryazanskom-rajone"),
    ("Нижегородский", "в Нижегородском районе", "nizhegorodskom-rajone"),
    ("Южнопортовый", "в Южнопортовом районе", "yuzhnoportovom-rajone"),
)
SUBJECTS = (  # predicate, slug, tag
    ("открыли новую библиотеку", "otkryli-novuyu-biblioteku", ("культура", "kultura")),
    ("благоустроят сквер у пруда", "blagoustroyat-skver-u-pruda", ("парки", "parki")),
    ("отремонтируют поликлинику", "otremontiruyut-polikliniku", ("медицина", "meditsina")),
    ("провели общий субботник", "proveli-obshhij-subbotnik", ("экология", "ekologiya")),
    ("появится спортивная площадка", "poyavitsya-sportivnaya-ploshhadka", ("спорт", "sport")),
    ("заменят лифты в жилых домах", "zamenyat-lifty-v-zhilyh-domah", ("ЖКХ", "zhkh")),
    ("изменится маршрут автобуса", "izmenitsya-marshrut-avtobusa", ("транспорт", "transport")),
    ("прошёл праздник двора", "proshyol-prazdnik-dvora", ("праздники", "prazdniki")),
    ("открылся центр госуслуг", "otkrylsya-tsentr-gosuslug", ("госуслуги", "gosuslugi")),
)
CATEGORIES = (
    ("Новости", "novosti"),
    ("Город", "gorod"),
    ("Благоустройство", "blagoustrojstvo"),
    ("Транспорт", "transport"),
    ("Здравоохранение", "zdravoohranenie"),
)
LEADS = (
    "",
    "",
    "Работы планируют завершить до конца года",
    "Жители смогут предложить свои идеи на портале «Активный гражданин»",
    "",
    "Подробности рассказали в управе района",
)
AUTHORS = ("Ирина Соколова", "Анна Иванова", "Юго-Восточный Курьер", "Дмитрий Орлов")


def synthetic_articles(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` articles older than the committed ones, each a story of its own.

    The body is Zipf-distributed Russian text (:class:`synthetic_text.Vocabulary`, seeded), so
    lemma caches and near-duplicate buckets see a vocabulary that grows with the archive as a
    real one does; an opening paragraph names the district, so every article has a district.
    """
    from synthetic_text import Vocabulary

    from tests.replica import build

    vocabulary = Vocabulary(seed)
    rng = random.Random(seed)
    moment = datetime(2023, 4, 1, 18, 0)
    slugs: Counter[str] = Counter()
    out = []
    for i in range(count):
        name, where, d_slug = DISTRICTS[i % len(DISTRICTS)]
        predicate, s_slug, tag = SUBJECTS[(i // len(DISTRICTS) + i) % len(SUBJECTS)]
        base_slug = f"{s_slug}-{d_slug}" if i % 2 else f"{d_slug}-{s_slug}"
        slugs[base_slug] += 1
        slug = base_slug if slugs[base_slug] == 1 else f"{base_slug}-{slugs[base_slug]}"
        moment -= timedelta(hours=rng.randint(8, 40), minutes=rng.randint(0, 59))
        title = f"{where[0].upper()}{where[1:]} {predicate}"
        opening = (
            f"{title}. Об этом сообщили в управе района {name} {moment:%d.%m.%Y}. "
            f"В работах участвуют {rng.randint(3, 90)} специалистов, "
            f"а на проект потратят {rng.randint(2, 400)} млн рублей."
        )
        body = [opening, *(vocabulary.paragraph(1, 3) for _ in range(rng.randint(3, 6)))]
        features: dict[str, Any] = {}
        if i % 10 == 3:
            features["figure_in_content"] = True
        if i % 10 == 7:
            features["jsonld"] = False
        out.append(
            build.make_article(
                slug,
                f"{moment:%Y-%m-%dT%H:%M}",
                title,
                body,
                lead=LEADS[i % len(LEADS)],
                author=AUTHORS[i % len(AUTHORS)],
                categories=[CATEGORIES[i % len(CATEGORIES)]],
                tags=[(name, d_slug), tag],
                image_caption=title,
                photo_credit="пресс-служба управы района",
                districts=[name],
                post_id=40000 + i,
                features=features,
            )
        )
    return out


# --------------------------------------------------------------------------- running children


@dataclass
class Run:
    kind: str
    wall: float  # seconds
    cpu: float  # user + system seconds of the child and of every process it started
    own_cpu: float  # of the crawl process alone, until exit handlers (interpreter teardown aside)
    max_rss_mb: float
    pages: int
    returncode: int
    server_cpu: float  # this process's CPU over the run: the replica server's threads


def become_subreaper() -> bool:
    """Linux: processes a child leaves behind (a forkserver, multiprocessing's resource
    tracker) are re-parented to this process instead of init, so their CPU is counted too."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def reap_orphans(grace: float = 2.0) -> None:
    """Wait for what a finished child left running (it exits once its parent is gone)."""
    end = time.monotonic() + grace
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no children left
        if pid == 0:
            if time.monotonic() > end:
                print("  ! a child's descendant is still running after 2 s", file=sys.stderr)
                return
            time.sleep(0.01)


def cpu_of(usage: Any) -> float:
    return float(usage.ru_utime + usage.ru_stime)


def run_child(
    cmd: Sequence[str], cwd: Path, env: dict[str, str], log: Path
) -> tuple[float, Any, int, float]:
    """Wall time, the child's own rusage, its exit code, and the CPU time of the
    child and of every process under it (parse workers, forkserver: RUSAGE_CHILDREN moves by
    what ``os.wait4`` reaps, which includes what the child reaped, and by its orphans)."""
    before = cpu_of(resource.getrusage(resource.RUSAGE_CHILDREN))
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        timer = threading.Timer(CHILD_TIMEOUT, proc.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
    reap_orphans()
    cpu = cpu_of(resource.getrusage(resource.RUSAGE_CHILDREN)) - before
    return wall, usage, proc.returncode, cpu


def read_own(path: Path) -> tuple[float, float]:
    """The crawl process's own CPU seconds and peak RSS in KiB, as it wrote them at exit."""
    if not path.is_file():
        return float("nan"), float("nan")
    cpu, hwm = path.read_text().split()
    return float(cpu), float(hwm)


def settings_flags(settings: dict[str, str]) -> list[str]:
    return [flag for key, value in settings.items() for flag in ("-s", f"{key}={value}")]


def pool_settings(workers: int) -> dict[str, str]:
    return {"NEWSBOT_PARSE_PROCESSES": str(workers)} if workers else {}


class Bench:
    """The server, the temp dir and the two ways of crawling it."""

    def __init__(
        self,
        server: Any,
        tmp: Path,
        feed: bool = False,
        parse_processes: int = 0,
        store: Path | None = None,
    ) -> None:
        self.server = server
        self.tmp = tmp
        #: Each newsbot run starts from a copy of this store (``--store``), else from none.
        self.store = store
        self.feed = feed
        self.parse_processes = parse_processes  # the "pooled" kind's NEWSBOT_PARSE_PROCESSES
        self.count = 0
        self.plan_path = tmp / "plan.json"
        self.expected: Counter[str] = Counter()

    def _paths_since(self, mark: int) -> list[str]:
        return self.server.paths_requested()[mark:]

    def newsbot_cmd(
        self,
        tag: str,
        log_level: str = "WARNING",
        feed: bool | None = None,
        extra: dict[str, str] | None = None,
    ) -> list[str]:
        settings = {
            **COMMON_SETTINGS,
            "LOG_LEVEL": log_level,
            "SQLITE_PATH": str(self.tmp / f"{tag}.db"),
            "NEWSBOT_SUMMARY_PATH": str(self.tmp / f"{tag}.summary.json"),
            **(extra or {}),
        }
        feed = self.feed if feed is None else feed
        return [
            *("-m", "scrapy", "crawl", "district"),
            *("-a", f"start_url={self.server.base_url}/"),
            *(("-O", str(self.tmp / f"{tag}.csv")) if feed else ()),
            *settings_flags(settings),
        ]

    def seed_store(self, tag: str) -> None:
        """The run's store: a copy of ``--store``, made before its clock starts."""
        if self.store is not None:
            shutil.copyfile(self.store, self.tmp / f"{tag}.db")

    def drop_store(self, tag: str) -> None:
        """A copy of a big store is gigabytes: gone once its run is read."""
        if self.store is not None:
            for suffix in ("", "-wal", "-shm"):
                (self.tmp / f"{tag}.db{suffix}").unlink(missing_ok=True)

    def newsbot_env(self) -> dict[str, str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("SCRAPY_SETTINGS_MODULE", None)  # scrapy.cfg in the repo root names it
        return env

    def run(self, kind: str) -> Run:
        self.count += 1
        tag = f"{kind}-{self.count}"
        if kind in ("newsbot", "pooled"):
            self.seed_store(tag)  # before the server's CPU is read: the copy is this process's
        mark = len(self.server.paths_requested())
        before = resource.getrusage(resource.RUSAGE_SELF)
        if kind in ("newsbot", "pooled"):
            workers = self.parse_processes if kind == "pooled" else 0
            args = self.newsbot_cmd(tag, extra=pool_settings(workers))
            assert args[:2] == ["-m", "scrapy"]
            own_file = self.tmp / f"{tag}.own-cpu"
            cmd = [sys.executable, "-c", OWN_CPU_MAIN, str(own_file), *args[2:]]
            log = self.tmp / f"{tag}.log"
            wall, _usage, code, cpu = run_child(cmd, ROOT, self.newsbot_env(), log)
            self.drop_store(tag)
            own_cpu, own_rss_kib = read_own(own_file)
        else:
            cwd = self.tmp / "bare"  # no scrapy.cfg here or above: Scrapy's defaults only
            cwd.mkdir(exist_ok=True)
            report = self.tmp / f"{tag}.report.json"
            own_file = self.tmp / f"{tag}.own-cpu"
            cmd = [
                *(sys.executable, "-c", OWN_CPU_MAIN, str(own_file)),
                *("runspider", str(Path(__file__).resolve())),
                *("-a", f"plan={self.plan_path}", "-a", f"report={report}"),
                *settings_flags({**COMMON_SETTINGS, **BARE_SETTINGS}),
            ]
            drop = ("SCRAPY_SETTINGS_MODULE", "PYTHONPATH")
            env = {k: v for k, v in os.environ.items() if k not in drop}
            env["BENCH_GC_THRESHOLD"] = str(BARE_GC_THRESHOLD)
            wall, _usage, code, cpu = run_child(cmd, cwd, env, self.tmp / f"{tag}.log")
            own_cpu, own_rss_kib = read_own(own_file)
            self._check_bare(report, tag)
        after = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        paths = self._paths_since(mark)
        if code != 0:
            print(f"  ! {tag} exited {code}; log: {self.tmp / (tag + '.log')}", file=sys.stderr)
        if Counter(paths) != self.expected:
            diff = (Counter(paths) - self.expected) + (self.expected - Counter(paths))
            raise SystemExit(f"{tag} fetched other pages than the warm-up: {dict(diff)}")
        return Run(
            kind,
            wall,
            cpu,
            own_cpu,
            own_rss_kib / 1024,  # the crawl process's own VmHWM (see OWN_CPU_MAIN)
            len(paths),
            code,
            server_cpu,
        )

    def _check_bare(self, report: Path, tag: str) -> None:
        if not report.is_file():
            raise SystemExit(f"{tag} wrote no report; log: {self.tmp / (tag + '.log')}")
        doc = json.loads(report.read_text(encoding="utf-8"))
        if doc["BOT_NAME"] != "scrapybot" or doc["ITEM_PIPELINES"] or doc["items"]:
            raise SystemExit(f"{tag} was not bare Scrapy: {doc}")

    def warm_up(self) -> dict[str, Any]:
        """One untimed newsbot run at DEBUG: the pages it fetches and who linked each."""
        mark = len(self.server.paths_requested())
        log = self.tmp / "warmup.log"
        cmd = [sys.executable, *self.newsbot_cmd("warmup", log_level="DEBUG")]
        self.seed_store("warmup")
        wall, _usage, code, _cpu = run_child(cmd, ROOT, self.newsbot_env(), log)
        self.drop_store("warmup")
        if code != 0:
            raise SystemExit(f"warm-up newsbot run exited {code}; see {log}")
        self.expected = Counter(self._paths_since(mark))
        errors = sum(status >= 400 for _m, _p, status in self.server.requests[mark:])
        start = f"{self.server.base_url}/"
        children: dict[str, list[str]] = {}
        fetched = 0
        for _status, url, referer in CRAWLED_LINE.findall(log.read_text(encoding="utf-8")):
            if url.endswith("/robots.txt"):
                continue
            fetched += 1
            if url != start:
                children.setdefault(referer, []).append(url)
        # Articles first, the next listing page last: the order newsbot yields them in.
        for urls in children.values():
            urls.sort(key=lambda u: u in children)
        self.plan_path.write_text(json.dumps({"start": start, "children": children}), "utf-8")
        summary_path = self.tmp / "warmup.summary.json"
        summary = json.loads(summary_path.read_text("utf-8")) if summary_path.is_file() else {}
        return {
            "wall": wall,
            "planned": fetched,
            "listings": len(children),
            "errors": errors,
            "summary": summary,
        }


# --------------------------------------------------------------------------- in-process costs


def median_ms(fn: Any, calls: int) -> float:
    """Median CPU time of ``calls`` calls (the machine is shared: wall time would be noise)."""
    samples = []
    for _ in range(calls):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return statistics.median(samples) * 1000


def in_process_costs(site: Path, calls: int, tmp: Path) -> dict[str, Any]:
    """What newsbot does per page on top of fetching, timed in this process.

    Every article page through extract + clean, two passes (the first pays the lazy loads:
    pymorphy3's dictionaries, dateparser), the second timed page by page. The page with the
    median time of that pass is the typical page: its extraction, cleaning and the spider's
    charset check are then each timed as the median of ``calls`` calls. The cleaned rows go into
    a fresh store in batches of ``SQLITE_BATCH_SIZE``, as the store pipeline writes them.
    """
    from newsbot.extraction import extract_article, extract_listing
    from newsbot.extraction.document import repair_decoding
    from newsbot.pipelines.clean import problems
    from newsbot.runtime.profiles import get_profile
    from newsbot.settings import SQLITE_BATCH_SIZE as batch
    from newsbot.store import ArticleStore
    from tests.replica import build

    stamp = "2026-01-01T00:00:00+00:00"
    pages = sorted(
        p for p in site.glob("[0-9][0-9][0-9][0-9]/*/*/*/index.html") if "attachment" not in p.parts
    )
    docs = [
        (p.read_bytes(), build.ORIGIN + "/" + p.parent.relative_to(site).as_posix()) for p in pages
    ]
    costs: dict[str, Any] = {"pages": len(docs)}

    rows: list[dict[str, Any]] = []
    timed: list[tuple[float, int, bool]] = []  # seconds, index, has a lead
    for attempt in ("cold", "timed"):
        rows.clear()
        timed.clear()
        for i, (body, url) in enumerate(docs):
            start = time.process_time()
            result = extract_article(body.decode("utf-8"), url)
            row = {**result.fields, "scraped_at": stamp}
            timed.append((time.process_time() - start, i, bool(row["lead"])))
            rows.append(row)
        if attempt == "cold":
            costs["cold_pass_ms"] = sum(t for t, _i, _lead in timed) * 1000 / len(docs)
    timed.sort()
    costs["all_pages_ms"] = timed[len(timed) // 2][0] * 1000
    for has_lead, key in ((True, "with_lead_ms"), (False, "without_lead_ms")):
        some = [t for t, _i, lead in timed if lead == has_lead]
        costs[key] = statistics.median(some) * 1000 if some else float("nan")

    body, url = docs[timed[len(timed) // 2][1]]
    html = body.decode("utf-8")
    fields = extract_article(html, url).fields
    costs.update(page=url, bytes=len(body))
    costs["repair_ms"] = median_ms(lambda: repair_decoding(body, html, "utf-8"), calls)
    costs["extract_ms"] = median_ms(lambda: extract_article(html, url), calls)
    costs["clean_ms"] = median_ms(lambda: problems(fields), calls)

    # Every listing page once, in crawl order: repeating one page would flatter the caches.
    is_article_url = get_profile(build.ORIGIN + "/").is_article_url
    listing_times = []
    for n in range(2, 10_000):
        page = site / "page" / str(n) / "index.html"
        if not page.is_file():
            break
        listing_html = page.read_text(encoding="utf-8")
        start = time.process_time()
        extract_listing(listing_html, f"{build.ORIGIN}/page/{n}/", is_article_url)
        listing_times.append(time.process_time() - start)
    costs["listing_ms"] = statistics.median(listing_times) * 1000 if listing_times else 0.0

    scratch = ArticleStore(tmp / "warmup-inprocess.db")  # loads the lemmatizer first
    scratch.upsert_many(rows[:1])
    scratch.close()
    store = ArticleStore(tmp / "inprocess.db")
    start = time.process_time()
    for i in range(0, len(rows), batch):
        store.upsert_many(rows[i : i + batch])
    costs["store_ms"] = (time.process_time() - start) * 1000 / len(rows)
    store.close()
    return costs


# --------------------------------------------------------------------------- profile


#: What a newsbot crawl costs besides extraction: each variant changes one thing.
VARIANTS: dict[str, tuple[str, bool, dict[str, str]]] = {
    "as timed above": ("WARNING", False, {}),
    "+ -O CSV feed": ("WARNING", True, {}),
    "LOG_LEVEL INFO (the default)": ("INFO", False, {}),
    "no item pipelines": ("WARNING", False, {"ITEM_PIPELINES": "{}"}),
    "CONCURRENT_ITEMS 100": ("WARNING", False, {"CONCURRENT_ITEMS": "100"}),
    "Python's GC threshold (700)": ("WARNING", False, {"NEWSBOT_GC_THRESHOLD": "0"}),
}


def attribute(bench: Bench, repeats: int) -> None:
    """CPU of newsbot crawls that differ in one thing each, interleaved; medians per variant."""
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    pages: dict[str, int] = {}
    codes: dict[str, int] = {}
    for i in range(repeats):
        for name, (level, feed, extra) in VARIANTS.items():
            tag = f"variant-{i}-{len(cpu[name])}-{list(VARIANTS).index(name)}"
            mark = len(bench.server.paths_requested())
            cmd = [sys.executable, *bench.newsbot_cmd(tag, level, feed=feed, extra=extra)]
            log = bench.tmp / f"{tag}.log"
            bench.seed_store(tag)
            _wall, _usage, code, used = run_child(cmd, ROOT, bench.newsbot_env(), log)
            bench.drop_store(tag)
            codes[name] = code  # without pipelines there is no store: the health says 5
            cpu[name].append(used)
            pages[name] = len(bench.server.paths_requested()) - mark
    base = statistics.median(cpu["as timed above"])
    print(f"\nnewsbot variants, CPU s (medians of {repeats}), and ms a page against the first:")
    for name, values in cpu.items():
        med = statistics.median(values)
        delta = (med - base) * 1000 / max(1, pages[name])
        print(
            f"  {name:30s} {med:6.2f} s  {delta:+6.2f} ms/page"
            f"  ({pages[name]} pages, exit {codes[name]})"
        )


def profile_once(bench: Bench, top: int, save: Path | None) -> None:
    """One newsbot crawl under cProfile; the top functions by own time and by newsbot totals."""
    import pstats

    prof = bench.tmp / "newsbot.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), *bench.newsbot_cmd("profile")]
    bench.seed_store("profile")
    wall, _usage, code, _cpu = run_child(cmd, ROOT, bench.newsbot_env(), bench.tmp / "profile.log")
    bench.drop_store("profile")
    print(f"\ncProfile of one newsbot crawl ({wall:.1f} s under the profiler, exit {code})")
    if save is not None:
        shutil.copyfile(prof, save)
        print(f"  profile kept in {save} (python -m pstats {save})")
    stats = pstats.Stats(str(prof))
    rows = []
    for (file, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tottime, cumtime, calls, f"{short_path(file)}:{line}({func})"))
    print(f"  top {top} by own time:       own s    cum s      calls  function")
    for tottime, cumtime, calls, where in sorted(rows, reverse=True)[:top]:
        print(f"  {tottime:30.2f} {cumtime:8.2f} {calls:10d}  {where}")
    ours = [r for r in rows if "newsbot/" in r[3] or r[3].startswith("newsbot")]
    print(f"  top {top} newsbot functions by cumulative time:")
    for tottime, cumtime, calls, where in sorted(ours, key=lambda r: r[1], reverse=True)[:top]:
        print(f"  {tottime:30.2f} {cumtime:8.2f} {calls:10d}  {where}")


def short_path(file: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


# --------------------------------------------------------------------------- report


def print_table(
    runs: list[Run], costs: dict[str, Any], warm: dict[str, Any], pooled: int = 0
) -> None:
    def med(kind: str, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs if r.kind == kind)

    kinds = [k for k in ("bare", "newsbot", "pooled") if any(r.kind == k for r in runs)]
    pages = {k: med(k, "pages") for k in kinds}
    rows = {}
    for kind in kinds:
        wall = med(kind, "wall")
        rows[kind] = (wall, pages[kind] / wall, med(kind, "cpu"), med(kind, "max_rss_mb"))
    n_runs = sum(r.kind == "bare" for r in runs)
    print(
        f"\nmedians of {n_runs} runs each; {int(pages['newsbot'])} pages per run "
        f"(robots.txt + {warm['listings']} listing pages + article pages; "
        f"{warm['errors']} answer 404)"
    )
    print(f"{'':22}{'wall s':>10}{'pages/s':>10}{'CPU s':>10}{'peak RSS MB':>14}")
    labels = {"bare": "bare Scrapy", "newsbot": "newsbot", "pooled": f"newsbot, {pooled} wk"}
    for kind in kinds:
        wall, rate, cpu, rss = rows[kind]
        print(f"{labels[kind]:22}{wall:10.2f}{rate:10.0f}{cpu:10.2f}{rss:14.0f}")
    b, n = rows["bare"], rows["newsbot"]
    for kind in kinds[1:]:
        x = rows[kind]
        print(
            f"{labels[kind] + ' / bare':22}{x[0] / b[0]:10.2f}{x[1] / b[1]:10.2f}"
            f"{x[2] / b[2]:10.2f}{x[3] / b[3]:14.2f}"
        )
    if "pooled" in rows:
        print(
            "  (CPU counts the parse workers and the forkserver; peak RSS is the crawl "
            "process's own, the workers' not included)"
        )
    # On a shared machine wall time is noise: the rate each would reach if its busiest
    # process had a core to itself (pages / that process's CPU time until its exit handlers),
    # against bare Scrapy's.
    bare_rate = pages["bare"] / med("bare", "own_cpu")
    print("pages per CPU second of the crawl process (the rate on a core of its own):")
    for kind in kinds:
        rate = pages[kind] / med(kind, "own_cpu")
        print(f"  {labels[kind]:20}{rate:10.0f} pages/s  {rate / bare_rate:5.2f}x bare")
    print("\nall runs (order as run):")
    for r in runs:
        print(
            f"  {r.kind:8} wall {r.wall:6.2f} s  CPU {r.cpu:6.2f} s (own {r.own_cpu:5.2f})"
            f"  RSS {r.max_rss_mb:5.0f} MB"
            f"  pages {r.pages}  exit {r.returncode}  server CPU {r.server_cpu:5.2f} s"
        )

    n_pages = pages["newsbot"]
    pipe = costs["extract_ms"] + costs["clean_ms"]
    total = pipe + costs["repair_ms"] + costs["store_ms"]
    print(f"\nper article page, in-process, CPU ms (typical page: median of {costs['pages']}):")
    print(f"  {costs['page']} ({costs['bytes']} B)")
    print(f"  extract_article (final row){costs['extract_ms']:6.2f}  (median of repeated calls)")
    print(f"  validate (clean pipeline) {costs['clean_ms']:7.2f}")
    print(f"  extract + validate        {pipe:7.2f}")
    print(
        f"  extract, all pages        {costs['all_pages_ms']:7.2f}  (median; pages with a lead "
        f"{costs['with_lead_ms']:.2f}, without {costs['without_lead_ms']:.2f})"
    )
    print(f"  repair_decoding (spider)  {costs['repair_ms']:7.2f}  (charset check, every page)")
    print(f"  store upsert, per row     {costs['store_ms']:7.2f}  (lemmas, near-dup buckets)")
    print(f"  all of the above          {total:7.2f}")
    print(
        f"  extract_listing           {costs['listing_ms']:7.2f}  (median, each listing page once)"
    )
    print(f"  first pass, mean          {costs['cold_pass_ms']:7.2f}  (with lazy loads)")
    print("per page, from the crawls (startup included):")
    print(f"  bare wall time / page     {b[0] / n_pages * 1000:7.2f} ms")
    print(f"  bare CPU / page           {b[2] / n_pages * 1000:7.2f} ms")
    print(f"  newsbot CPU / page        {n[2] / n_pages * 1000:7.2f} ms")
    print(f"  newsbot − bare CPU / page {(n[2] - b[2]) / n_pages * 1000:7.2f} ms")
    if "pooled" in rows:
        p = rows["pooled"]
        print(f"  pooled CPU / page         {p[2] / n_pages * 1000:7.2f} ms  (workers included)")
        print(f"  pooled − newsbot CPU/page {(p[2] - n[2]) / n_pages * 1000:7.2f} ms")
    explained = (total * costs["pages"] + costs["listing_ms"] * warm["listings"]) / n_pages
    print(f"  of which in-process above {explained:7.2f} ms  (spread over every fetched page)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="synthetic articles to add")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each kind")
    parser.add_argument("--per-page", type=int, default=10, help="articles per listing page")
    parser.add_argument("--calls", type=int, default=200, help="in-process calls to time")
    parser.add_argument("--profile", action="store_true", help="also cProfile one newsbot crawl")
    parser.add_argument(
        "--profile-save", type=Path, default=None, help="with --profile: keep the pstats file here"
    )
    parser.add_argument(
        "--feed", action="store_true", help="newsbot runs also write the -O CSV feed"
    )
    parser.add_argument(
        "--attribute",
        action="store_true",
        help="also time newsbot variants: with the feed, at INFO, without pipelines",
    )
    parser.add_argument(
        "--parse-processes",
        type=int,
        default=0,
        help="also time newsbot with NEWSBOT_PARSE_PROCESSES=N (article pages in N workers)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, CSV, DB)")
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        help="each newsbot run stores into a copy of this store (e.g. 1M rows of another site"
        " kept by bench_bands.py --keep), not a fresh one",
    )
    parser.add_argument(
        "--corpus",
        default=str(ROOT.parent / "shared" / "realpages"),
        help="real pages with ground truth, for the F1 printed beside the speed",
    )
    args = parser.parse_args(argv)
    if args.store is not None and not args.store.is_file():
        parser.error(f"--store {args.store}: no such file")

    sys.path.insert(0, str(ROOT))  # tests.replica and newsbot, imported where used
    from newsbot import settings as newsbot_settings

    COMMON_SETTINGS["CONCURRENT_ITEMS"] = str(newsbot_settings.CONCURRENT_ITEMS)
    global CHILD_TIMEOUT, BARE_GC_THRESHOLD
    BARE_GC_THRESHOLD = newsbot_settings.NEWSBOT_GC_THRESHOLD
    CHILD_TIMEOUT = max(CHILD_TIMEOUT, 1.2 * args.articles * CHILD_TIMEOUT_PER_PAGE)
    if not become_subreaper():
        print("  (not a subreaper: CPU of processes a crawl leaves behind is not counted)")
    tmp = Path(tempfile.mkdtemp(prefix="bench_crawl-"))
    try:
        bench_all(args, tmp)
    finally:
        if args.keep:
            print(f"\nkept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def bench_all(args: argparse.Namespace, tmp: Path) -> None:
    from tests.replica import build
    from tests.replica.server import ReplicaServer

    site = tmp / "site"
    doc = build.build_site(site, synthetic_articles(args.articles), per_page=args.per_page)
    print(
        f"replica: {len(doc['articles'])} articles, {len(doc['listing_pages'])} listing pages "
        f"({args.per_page} per page) in {site}"
    )
    with ReplicaServer(site, fail_once=()) as server:
        bench = Bench(
            server, tmp, feed=args.feed, parse_processes=args.parse_processes, store=args.store
        )
        warm = bench.warm_up()
        summary = warm["summary"]
        print(
            f"warm-up newsbot run: {sum(bench.expected.values())} requests, "
            f"{warm['planned']} pages in the bare plan, {warm['wall']:.1f} s at DEBUG; "
            f"summary: {summary.get('pages_fetched', '?')} pages, "
            f"{summary.get('articles', {}).get('new', '?')} new articles"
        )
        runs: list[Run] = []
        kinds = ["newsbot", "bare"] + (["pooled"] if args.parse_processes else [])
        for i in range(args.repeats):
            order = kinds[i % len(kinds) :] + kinds[: i % len(kinds)]  # each kind first in turn
            for kind in order:
                runs.append(bench.run(kind))
                print(f"  run {len(runs)}: {kind:8} {runs[-1].wall:6.2f} s", flush=True)
        if args.profile:
            profile_once(bench, top=15, save=args.profile_save)
        if args.attribute:
            attribute(bench, args.repeats)
    costs = in_process_costs(site, args.calls, tmp)
    print_table(runs, costs, warm, pooled=args.parse_processes)
    print_f1(Path(args.corpus))


def print_f1(corpus: Path) -> None:
    """Extraction quality beside the speed (bench_extraction's measure), so that speed is never
    bought with wrong text."""
    import bench_extraction

    if not (corpus / "ground-truth.json").is_file():
        print(f"\nextraction F1: no corpus at {corpus}")
        return
    bench_extraction.logging_off()
    result = bench_extraction.score(
        bench_extraction.run_newsbot, bench_extraction.load_corpus(corpus)
    )
    print(
        f"\nextraction on {len(result.rows)} real pages ({corpus}): F1 {result.f1:.3f} "
        f"(precision {result.precision:.3f}, recall {result.recall:.3f}), "
        f"{sum(result.refused.values())} refused"
    )


if __name__ == "__main__":
    main()
