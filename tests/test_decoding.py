"""Pages whose declared charset is wrong are re-decoded instead of yielding mojibake rows."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from newsbot.extraction.document import decode_html, looks_misdecoded
from tests.conftest import run_crawl
from tests.replica.server import SITE_DIR, ReplicaServer

TEXT = "В районе Капотня начались работы по благоустройству набережной Москвы-реки. " * 10
PAGE = (
    "<html><head><meta charset='utf-8'><title>Капотня</title></head>"
    f"<body><p>{TEXT}</p></body></html>"
)


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("cp1251", None),  # declared utf-8 in <meta>, bytes are cp1251
        ("cp1251", "text/html; charset=utf-8"),
        ("utf-8", "text/html; charset=windows-1251"),
        ("koi8-r", "text/html; charset=windows-1251"),
        ("koi8-r", "text/html; charset=utf-8"),
        ("utf-8", None),
        ("utf-8", "text/html"),
    ],
)
def test_wrong_declarations_are_repaired(encoding: str, content_type: str | None) -> None:
    text, used = decode_html(PAGE.encode(encoding), content_type)
    assert TEXT in text
    assert used.replace("_", "-").lower() in {
        encoding,
        "windows-1251" if encoding == "cp1251" else encoding,
    }


def test_right_declaration_is_left_alone() -> None:
    body = PAGE.replace("utf-8", "windows-1251").encode("cp1251")
    text, used = decode_html(body)
    assert TEXT in text and used == "cp1251"


def test_valid_utf8_is_kept_even_when_it_looks_odd() -> None:
    # Capitals everywhere trip looks_misdecoded, but bytes that decode as UTF-8 without a
    # replacement character are UTF-8: the page is kept as declared (and the check skipped).
    shout = TEXT.upper()
    body = PAGE.replace(TEXT, shout).encode("utf-8")
    assert looks_misdecoded(shout) is True
    text, used = decode_html(body, "text/html; charset=utf-8")
    assert shout in text and used == "utf-8"


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        (TEXT, False),
        (TEXT.encode("utf-8").decode("cp1251"), True),  # «Р’ СЂР°Р№РѕРЅРµ»
        (TEXT.encode("cp1251").decode("utf-8", errors="replace"), True),
        (TEXT.encode("koi8-r").decode("cp1251"), True),  # capitals everywhere
        ("Plain English page without Cyrillic.", False),
        ("", False),
    ],
)
def test_looks_misdecoded(text: str, broken: bool) -> None:
    assert looks_misdecoded(text) is broken


def test_crawl_repairs_a_cp1251_article_served_as_utf8(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITE_DIR, root)
    page = next(root.glob("2024/12/20/*/index.html"))
    page.write_bytes(page.read_text(encoding="utf-8").encode("cp1251", errors="xmlcharrefreplace"))
    with ReplicaServer(root) as server:
        result = run_crawl(server.base_url, tmp_path)
    assert result.returncode == 0, result.log[-2000:]
    with result.csv_path.open(encoding="utf-8-sig") as fh:
        rows = {r["url"].rsplit("/", 1)[-1]: r for r in csv.DictReader(fh)}
    row = rows["mezhdu-tekstilshhikami-i-pechatnikami-postroyat-peshehodnyj-most"]
    assert row["title"].startswith("Между Текстильщиками и Печатниками")
    assert row["districts"] == "Печатники; Текстильщики"
    assert "'newsbot/encoding_repaired': 1" in result.log
