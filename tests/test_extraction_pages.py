"""Extraction over saved pages of several themes, each checked against the fields beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsbot.core.fields import FIELDS
from newsbot.extraction import extract_article

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
CASES = sorted(PAGES.glob("*.expected.json"))
CHECKED = tuple(f for f in FIELDS if f not in ("word_count", "content_hash", "scraped_at"))


def load(expected_path: Path) -> tuple[str, dict[str, Any]]:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    html_path = expected_path.with_name(expected_path.name.replace(".expected.json", ".html"))
    html = html_path.read_bytes().decode(expected.get("_encoding", "utf-8"))
    return html, expected


@pytest.mark.parametrize("expected_path", CASES, ids=[p.name.split(".")[0] for p in CASES])
def test_saved_page_fields(expected_path: Path) -> None:
    html, expected = load(expected_path)
    result = extract_article(html, expected["_url"])
    if expected.get("_is_article") is False:
        assert not result.is_article, f"{expected_path.name} taken for an article"
        assert result.code == "not_article"
        return
    assert result.is_article, result.reason
    row = result.fields
    # The whole item: every field is stated, except text where fragments stand for it.
    fields = (
        CHECKED if "_text_contains" not in expected else tuple(f for f in CHECKED if f != "text")
    )
    assert {n: row[n] for n in fields} == {n: expected[n] for n in fields}, expected_path.name
    # Where exact text is hard to pin down (tables, lists), fixtures state fragments instead.
    for fragment in expected.get("_text_contains", []):
        assert fragment in row["text"], f"{expected_path.name}: text lacks {fragment!r}"
    for fragment in expected.get("_text_excludes", []):
        assert fragment not in row["text"], f"{expected_path.name}: text holds {fragment!r}"


def test_every_fixture_is_collected() -> None:
    assert len(CASES) == 25  # a fixture added or removed changes this on purpose


@pytest.mark.parametrize("expected_path", CASES, ids=[p.name.split(".")[0] for p in CASES])
def test_bytes_are_decoded_by_the_page_declared_charset(expected_path: Path) -> None:
    """Given raw bytes (as a crawler receives them), the page's own charset declaration wins."""
    html, expected = load(expected_path)
    raw = (PAGES / expected_path.name.replace(".expected.json", ".html")).read_bytes()
    from_bytes = extract_article(raw, expected["_url"])
    from_text = extract_article(html, expected["_url"])
    assert from_bytes.is_article == from_text.is_article
    assert from_bytes.fields.get("title") == from_text.fields.get("title")
    assert from_bytes.fields.get("text") == from_text.fields.get("text")
