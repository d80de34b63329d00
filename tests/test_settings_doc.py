"""The README's settings tables list exactly the settings in newsbot/settings.py, same defaults."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import newsbot.settings

ROOT = Path(__file__).resolve().parent.parent
#: A default the table does not spell out: for values a table cell cannot hold.
SEE_SETTINGS = "see `newsbot/settings.py`"


def declared() -> dict[str, Any]:
    """The settings assigned in newsbot/settings.py (not the names it imports), with values."""
    tree = ast.parse((ROOT / "newsbot" / "settings.py").read_text(encoding="utf-8"))
    names = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.isupper()
    ]
    return {name: getattr(newsbot.settings, name) for name in names}


def documented() -> dict[str, str]:
    """Setting name -> its default cell, from every table of the README's Settings section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| `") or len(cells) < 3:
            continue
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0])
        defaults = [d.strip() for d in cells[1].split(" / ")] if len(names) > 1 else [cells[1]]
        assert len(defaults) == len(names), line
        for name, default in zip(names, defaults, strict=True):
            assert name not in rows, f"{name} is documented twice"
            rows[name] = default
    return rows


def matches(cell: str, value: Any) -> bool:
    if cell == "empty":
        return value == ""
    if cell == SEE_SETTINGS:  # only for what does not fit a cell: containers, long text
        return isinstance(value, dict | list) or (isinstance(value, str) and len(value) > 60)
    literal = re.fullmatch(r"`(.+)`", cell)
    if literal is None:
        return False
    parsed = ast.literal_eval(literal.group(1))
    return type(parsed) is type(value) and parsed == value


def test_readme_lists_every_setting_of_settings_py_and_no_other() -> None:
    assert sorted(documented()) == sorted(declared())


def test_readme_defaults_are_the_declared_values() -> None:
    values = declared()
    wrong = {
        name: (cell, values[name])
        for name, cell in documented().items()
        if name in values and not matches(cell, values[name])
    }
    assert wrong == {}


def test_every_setting_read_in_the_code_is_declared() -> None:
    """A setting read somewhere but declared nowhere has its default only in the reader."""
    read: set[str] = set()
    pattern = re.compile(r"""settings(?:\.get\w*\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']""")
    for path in (ROOT / "newsbot").rglob("*.py"):
        read.update(pattern.findall(path.read_text(encoding="utf-8")))
    # Scrapy's own, read by newsbot with Scrapy's default; the old Splash names, refused.
    scrapy_defaults = {
        "RETRY_EXCEPTIONS",
        "ROBOTSTXT_PARSER",
        "SPLASH_COOKIES_DEBUG",
        "NEWSBOT_SPLASH_URL",
        "NEWSBOT_SPLASH_WAIT",
    }
    assert sorted(read - set(declared()) - scrapy_defaults) == []


def test_no_setting_is_read_with_a_fallback_default() -> None:
    """``getint("X", 3)`` would be a second copy of the default in settings.py."""
    pattern = re.compile(
        r"""settings\.get\w*\(\s*["'][A-Z][A-Z0-9_]*["']\s*,|\bs\.get\w*\(\s*["'][A-Z_]+["']\s*,"""
    )
    found = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in (ROOT / "newsbot").rglob("*.py")
        for m in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
