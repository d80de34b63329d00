"""Deploy to a real scrapyd on 127.0.0.1, schedule ``district`` against the replica, read SQLite.

This is the operator's path (issue 5, "Deploy"): ``scrapyd-deploy`` builds the project egg,
``addversion.json`` uploads it, ``schedule.json`` starts a job, ``listjobs.json`` says when it
is done. The egg is built from a copy of the project files so the shared checkout never gets
the ``setup.py``/``build/`` that ``scrapyd-deploy`` leaves behind.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_SETTINGS, ROOT
from tests.replica.server import SITE_DIR, ReplicaServer

pytest.importorskip("scrapyd", reason="scrapyd is not installed (pip install -e '.[dev]')")
pytest.importorskip(
    "scrapyd_client", reason="scrapyd-client is not installed (pip install -e '.[dev]')"
)

EXPECTED = json.loads((SITE_DIR.parent / "expected.json").read_text(encoding="utf-8"))
PROJECT = "newsbot"
#: What a build of the project needs besides the package (the ones that exist are copied).
PROJECT_FILES = (
    "scrapy.cfg",
    "pyproject.toml",
    "README.md",
    "setup.py",
    "setup.cfg",
    "MANIFEST.in",
)
JOB_TIMEOUT = 120.0
ENTRY_POINT_FIX = (
    "the egg has no 'scrapy' entry point 'settings', so scrapyd's runner cannot find the "
    "settings module. pyproject.toml's [project] table overrides the entry_points of the "
    "setup.py that scrapyd-deploy writes; add to pyproject.toml:\n"
    '[project.entry-points.scrapy]\nsettings = "newsbot.settings"'
)


# -- building the egg ---------------------------------------------------------------------------


def copy_project(dest: Path) -> Path:
    """The files ``scrapyd-deploy`` builds from, without caches or a stale egg-info."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "newsbot", dest / "newsbot", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    return dest


def clean_env(home: Path) -> dict[str, str]:
    """The environment minus anything that could import ``newsbot`` from the checkout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("SCRAPY")}
    env["HOME"] = str(home)  # so a ~/.scrapyd.conf on the machine cannot override ours
    return env


@pytest.fixture(scope="module")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``scrapyd-deploy --build-egg`` run in a copy of the project, as an operator would."""
    work = tmp_path_factory.mktemp("egg")
    project = copy_project(work / "project")
    egg_path = work / "newsbot.egg"
    cmd = [sys.executable, "-m", "scrapyd_client.deploy", "--build-egg", str(egg_path)]
    proc = subprocess.run(
        cmd,
        cwd=project,
        env=clean_env(work),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0 and egg_path.is_file(), proc.stdout + proc.stderr
    return egg_path


def test_egg_holds_the_package_its_data_and_the_settings_entry_point(egg: Path) -> None:
    with zipfile.ZipFile(egg) as zf:
        names = set(zf.namelist())
        entry_points = zf.read("EGG-INFO/entry_points.txt").decode()
    assert "newsbot/spiders/district.py" in names
    assert "newsbot/runtime/profiles.toml" in names
    assert "[scrapy]" in entry_points and "settings = newsbot.settings" in entry_points, (
        ENTRY_POINT_FIX
    )


def test_the_egg_activated_as_scrapyd_does_finds_its_profiles(egg: Path, tmp_path: Path) -> None:
    # scrapyd's runner activates the egg this way; the import must come from the egg (not the
    # checkout) and importlib.resources must read profiles.toml out of the zip.
    probe = (
        "import json, os, sys\n"
        "from scrapyd.runner import activate_egg\n"
        "activate_egg(sys.argv[1])\n"
        "import newsbot, newsbot.runtime.profiles\n"
        "print(json.dumps({'file': newsbot.__file__,"
        " 'settings': os.environ['SCRAPY_SETTINGS_MODULE'],"
        " 'profiles': newsbot.runtime.profiles.profile_names()}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(egg)],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{ENTRY_POINT_FIX}\n\n{proc.stderr[-2000:]}"
        if "get_entry_info" in proc.stderr
        else proc.stderr[-2000:]
    )
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["file"].startswith(str(egg) + os.sep), found["file"]
    assert found["settings"] == "newsbot.settings"
    assert "default" in found["profiles"] and "uv-kurier.ru" in found["profiles"]


# -- a real scrapyd -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Scrapyd:
    base_url: str
    home: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.base_url}/{endpoint}?{query}", timeout=30) as resp:
            return dict(json.load(resp))

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        body = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(f"{self.base_url}/{endpoint}", data=body, timeout=60) as resp:
            return dict(json.load(resp))

    def upload_egg(self, project: str, version: str, egg: Path) -> dict[str, Any]:
        """``addversion.json``: a multipart POST with the egg as the ``egg`` file field."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in (("project", project), ("version", version))
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"'
            "\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
            + egg.read_bytes()
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            f"{self.base_url}/addversion.json",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            return dict(json.load(resp))

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def job_log(self, job: str) -> str:
        path = self.home / "logs" / PROJECT / "district" / f"{job}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def write_config(home: Path, port: int) -> Path:
    """Everything scrapyd writes stays under ``home``; one job at a time, polled often."""
    dirs = {name: home / name for name in ("eggs", "logs", "items", "dbs")}
    for path in dirs.values():
        path.mkdir(exist_ok=True)
    config = home / "scrapyd.conf"
    config.write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        f"eggs_dir = {dirs['eggs']}\n"
        f"logs_dir = {dirs['logs']}\n"
        f"items_dir = {dirs['items']}\n"
        f"dbs_dir = {dirs['dbs']}\n"
        "max_proc = 1\n"
        "poll_interval = 0.2\n",
        encoding="utf-8",
    )
    return config


#: What Twisted logs when the port scrapyd asked for is taken (scrapyd then exits).
PORT_TAKEN = "Address already in use"
START_ATTEMPTS = 5
START_SECONDS = 60.0


def stop(server: Scrapyd) -> None:
    """Cancel what still runs (scrapyd does not stop its crawl processes), then stop scrapyd."""
    if server.process.poll() is None:
        try:
            for running in server.get("listjobs.json").get("running", []):
                fields = [("project", running["project"]), ("job", running["id"])]
                server.post("cancel.json", [*fields, ("signal", "KILL")])
        except (OSError, ValueError):
            pass
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


def start_scrapyd(home: Path, ports: Iterator[int]) -> tuple[Scrapyd, list[str]]:
    """scrapyd on the first port of ``ports`` it can bind, and the logs of the attempts before.

    scrapyd cannot bind port 0 (it then serves nothing), so a port that was free a moment ago
    is asked for; if something took it meanwhile, scrapyd logs "Address already in use" and
    exits, and the next port is tried: at most START_ATTEMPTS, within START_SECONDS in all.
    Ready means: our process is alive, logged that it listens on that port, and answers.
    """
    deadline = time.monotonic() + START_SECONDS
    failed: list[str] = []
    for attempt, port in zip(range(START_ATTEMPTS), ports, strict=False):
        write_config(home, port)
        log_path = home / f"scrapyd-{attempt}.out"
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "scrapyd", "--pidfile="],
                cwd=home,
                env=clean_env(home),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Scrapyd(f"http://127.0.0.1:{port}", home, log_path, process)
        while True:
            if process.poll() is not None:
                if PORT_TAKEN in server.log():
                    failed.append(server.log())
                    break  # lost the race for the port: the next one
                pytest.fail(f"scrapyd exited with {process.returncode}:\n{server.log()[-3000:]}")
            if f"Site starting on {port}" in server.log():
                try:
                    if server.get("daemonstatus.json").get("status") == "ok":
                        return server, failed
                except OSError:
                    pass
            if time.monotonic() > deadline:
                stop(server)
                pytest.fail(
                    f"scrapyd did not answer within {START_SECONDS:.0f} s:\n{server.log()[-3000:]}"
                )
            time.sleep(0.1)
    pytest.fail(f"scrapyd found no free port in {START_ATTEMPTS} attempts:\n{failed[-1][-2000:]}")


def free_ports() -> Iterator[int]:
    while True:
        yield free_port()


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    """``python -m scrapyd`` in its own directory (it reads ./scrapyd.conf); always stopped."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    server, _ = start_scrapyd(home, free_ports())
    try:
        yield server
    finally:
        stop(server)


def test_a_port_taken_before_scrapyd_binds_it_costs_one_more_attempt(tmp_path: Path) -> None:
    """The race the free port can lose, made certain: the first port is held by a listener."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        held = int(taken.getsockname()[1])
        server, failed = start_scrapyd(home, itertools.chain([held], free_ports()))
        try:
            assert len(failed) == 1 and PORT_TAKEN in failed[0]
            assert f":{held}" in failed[0]
            assert server.base_url != f"http://127.0.0.1:{held}"
            assert server.get("daemonstatus.json")["status"] == "ok"
        finally:
            stop(server)


def wait_for_job(server: Scrapyd, job: str, timeout: float = JOB_TIMEOUT) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = server.get("listjobs.json", project=PROJECT)
        for finished in jobs.get("finished", []):
            if finished["id"] == job:
                return dict(finished)
        time.sleep(0.3)
    pytest.fail(
        f"job {job} not finished after {timeout:.0f} s\n{server.job_log(job)[-3000:]}\n"
        f"{server.log()[-2000:]}"
    )


def test_scrapyd_runs_the_deployed_spider_against_the_replica(
    egg: Path, scrapyd: Scrapyd, tmp_path: Path
) -> None:
    added = scrapyd.upload_egg(PROJECT, "1", egg)
    hint = ENTRY_POINT_FIX if "get_entry_info" in str(added.get("message")) else ""
    assert added["status"] == "ok", f"{hint}\n{added}"
    assert added["spiders"] == 1, added
    assert scrapyd.get("listspiders.json", project=PROJECT)["spiders"] == ["district"]

    db_path = tmp_path / "scrapyd.db"
    settings = {**FAST_SETTINGS, "SQLITE_PATH": str(db_path)}
    with ReplicaServer(SITE_DIR) as replica:
        fields = [("project", PROJECT), ("spider", "district")]
        fields += [("start_url", f"{replica.base_url}/")]
        fields += [("setting", f"{name}={value}") for name, value in settings.items()]
        scheduled = scrapyd.post("schedule.json", fields)
        assert scheduled["status"] == "ok", scheduled
        job = str(scheduled["jobid"])
        wait_for_job(scrapyd, job)
        base_url = replica.base_url

    job_log = scrapyd.job_log(job)
    assert "'finish_reason': 'finished'" in job_log, job_log[-3000:] or scrapyd.log()[-3000:]
    assert f"Process finished: project='{PROJECT}' spider='district' job='{job}'" in scrapyd.log()

    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT url, title, published_at FROM articles").fetchall()
    finally:
        conn.close()
    urls = [url for url, _title, _published in rows]
    assert len(urls) == len(set(urls))
    stored = {url: (title, published) for url, title, published in rows}
    expected = {
        a["url"].replace(EXPECTED["origin"], base_url): (a["title"], a["published_at"])
        for a in EXPECTED["articles"]
    }
    assert stored == expected


def test_the_shipped_scheduler_script_runs_the_spider_by_discover_auto(
    egg: Path, scrapyd: Scrapyd, tmp_path: Path
) -> None:
    """deploy/scrapyd-schedule.sh as cron runs it: the job reads the REST API (auto)."""
    assert scrapyd.upload_egg(PROJECT, "1", egg)["status"] == "ok"
    settings = {**FAST_SETTINGS, "SQLITE_PATH": str(tmp_path / "scrapyd.db")}
    with ReplicaServer(SITE_DIR, fail_once=()) as replica:
        fields = ["-d", f"start_url={replica.base_url}/"]
        for name, value in settings.items():
            fields += ["-d", f"setting={name}={value}"]
        proc = subprocess.run(
            ["sh", str(ROOT / "deploy" / "scrapyd-schedule.sh"), *fields],
            env={**clean_env(tmp_path), "SCRAPYD_URL": scrapyd.base_url},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        job = str(json.loads(proc.stdout)["jobid"])
        wait_for_job(scrapyd, job)
        requested = replica.paths_requested()
    job_log = scrapyd.job_log(job)
    assert "discovery: the WordPress REST API (100 posts a request)" in job_log, job_log[-3000:]
    assert requested[:2] == [
        "/robots.txt",
        "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&orderby=modified",
    ]
