"""The shipped schedules (systemd unit, cron wrapper, scrapyd scheduler) crawl with
``discover=auto``: read from the real files, and the unit's and the wrapper's commands run
against the replica."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAST_SETTINGS, ROOT
from tests.replica.server import SITE_DIR, ReplicaServer

DEPLOY = ROOT / "deploy"
API_PAGE_ONE = "/wp-json/wp/v2/posts?per_page=100&page=1&_embed=1&orderby=modified"
#: The replica's posts by a shared WP account, whose author only their page prints.
AUTHOR_PAGES = [
    "/2024/05/12/v-yuzhnoportovom-rajone-poyavitsya-sportivnyj-klaster",
    "/2025/11/03/v-marine-otremontiruyut-dorogu-na-ulitse-pererva",
]


def unit_exec_start(path: Path = DEPLOY / "newsbot-crawl.service") -> list[str]:
    """The unit's ExecStart= command line, continuation lines joined."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    (line,) = [li for li in text.splitlines() if li.startswith("ExecStart=")]
    return shlex.split(line.removeprefix("ExecStart="))


def unit_environment(path: Path = DEPLOY / "newsbot-crawl.service") -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = [li.removeprefix("Environment=").split("=", 1) for li in lines]
    return {k: v for k, v in (p for p in pairs if len(p) == 2) if not k.startswith("#")}


def wrapper_exec(path: Path = DEPLOY / "newsbot-crawl.sh") -> list[str]:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    (line,) = [li for li in text.splitlines() if li.startswith("exec ")]
    return shlex.split(line)


def crawl_args(command: list[str]) -> list[str]:
    """The ``-a NAME=VALUE`` spider arguments of a ``scrapy crawl district`` command."""
    return [command[i + 1] for i, word in enumerate(command) if word == "-a"]


def test_the_systemd_unit_and_the_cron_wrapper_crawl_by_auto() -> None:
    unit = unit_exec_start()
    assert unit[1:3] == ["crawl", "district"]
    assert crawl_args(unit) == ["discover=auto"]
    wrapper = wrapper_exec()
    assert wrapper[2:4] == ["crawl", "district"]
    assert crawl_args(wrapper) == ["discover=auto"]
    assert wrapper[-1] == "$@"  # the operator's arguments come last: theirs win


def test_the_scrapyd_scheduler_asks_for_auto_after_the_callers_fields() -> None:
    """scrapyd keeps a field's first value: the caller's ``-d discover=…`` wins over ours."""
    text = (DEPLOY / "scrapyd-schedule.sh").read_text(encoding="utf-8")
    (line,) = [li for li in text.splitlines() if "schedule.json" in li and "curl" in li]
    command = shlex.split(re.sub(r"^reply=\$\(|\) \|\| exit 1$", "", line))
    fields = [command[i + 1] for i, word in enumerate(command) if word == "-d"]
    assert fields == ["project=newsbot", "spider=district", "discover=auto"]
    assert command.index("$@") < command.index("discover=auto")


def scrapy_script() -> Path:
    script = Path(sys.executable).with_name("scrapy")
    if not script.exists():
        pytest.skip(f"no scrapy console script beside {sys.executable}")
    return script


def fast_args(base_url: str) -> list[str]:
    args = ["-a", f"start_url={base_url}/"]
    for name, value in FAST_SETTINGS.items():
        args += ["-s", f"{name}={value}"]
    return args


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        cmd, cwd=cwd, env=environment, capture_output=True, text=True, timeout=180, check=False
    )


def test_the_systemd_units_command_crawls_by_the_api(tmp_path: Path) -> None:
    """ExecStart= as shipped, its paths moved under tmp_path: robots.txt, one API page and
    the 2 pages whose author only the page prints."""
    state, logs = tmp_path / "state", tmp_path / "log"
    state.mkdir()
    logs.mkdir()
    moved = {"/opt/newsbot/.venv/bin/scrapy": str(scrapy_script())}
    moved |= {"/var/lib/newsbot": str(state), "/var/log/newsbot": str(logs)}
    command = []
    for word in unit_exec_start():
        for old, new in moved.items():
            word = word.replace(old, new)
        command.append(word)
    with ReplicaServer(SITE_DIR, fail_once=()) as server:
        proc = run(command + fast_args(server.base_url), state, unit_environment())
        requested = server.paths_requested()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert requested[:2] == ["/robots.txt", API_PAGE_ONE]
    assert sorted(requested[2:]) == AUTHOR_PAGES
    assert (state / "newsbot.db").is_file() and (logs / "crawl.log").is_file()


def test_the_cron_wrapper_crawls_by_the_api_unless_told_otherwise(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "scrapy").symlink_to(scrapy_script())
    requested: dict[str, list[str]] = {}
    with ReplicaServer(SITE_DIR, fail_once=()) as server:
        for name, extra in (("scheduled", []), ("told", ["-a", "discover=listing"])):
            env = {
                "NEWSBOT_HOME": str(home),
                "NEWSBOT_STATE": str(tmp_path / name / "state"),
                "NEWSBOT_LOG_DIR": str(tmp_path / name / "log"),
            }
            mark = len(server.requests)
            cmd = ["sh", str(DEPLOY / "newsbot-crawl.sh"), *fast_args(server.base_url), *extra]
            proc = run(cmd, tmp_path, env)
            assert proc.returncode == 0, (name, proc.stderr[-3000:])
            requested[name] = server.paths_requested()[mark:]
    assert requested["scheduled"][:2] == ["/robots.txt", API_PAGE_ONE]
    assert sorted(requested["scheduled"][2:]) == AUTHOR_PAGES
    assert not [p for p in requested["told"] if p.startswith("/wp-json/")]
    assert {"/", "/page/2/", "/page/3/"} <= set(requested["told"])
