"""The row's derived fields and final form: what every page's values become before storage.

The page module (``article.py``) reads each field once; this module turns those values into the
dataset's types in one place: one text normaliser for every string, lists without repeats, and
the fields derived from the text (districts, word count, content hash).
"""

from __future__ import annotations

from typing import Any

from newsbot.core.fields import FIELDS, LIST_FIELDS
from newsbot.core.text import clean_inline, clean_text, content_hash, sanitize, word_count
from newsbot.core.urls import clean_url, site_of
from newsbot.enrich.districts import find_districts

INLINE_FIELDS = ("title", "author", "lead", "image_caption", "photo_credit")


def final_row(
    values: dict[str, Any], scraped_at: str = "", *, text_cleaned: bool = False
) -> dict[str, Any]:
    """Every DESIGN field, in DESIGN order, as stored. Dates must already be ISO (or "").

    Every string is sanitised first (``text.sanitize``: no lone surrogates, NUL, controls or
    bidi overrides), so a cut emoji in a JSON-LD headline cannot cost the row its place.
    ``text_cleaned``: the text is ``clean_text``'s output already (a page's body, whose blocks
    and paragraphs were cleaned and joined by blank lines), so unless sanitising changed it,
    it is not cleaned again (``clean_text`` is idempotent: a page's 10-25 µs saved).
    """
    raw_text = values.get("text")
    values = {k: _sanitized(v) for k, v in values.items()}
    out: dict[str, Any] = {}
    out["url"] = clean_url(values.get("url"))
    out["site"] = values.get("site") or site_of(out["url"])
    for name in INLINE_FIELDS:
        out[name] = clean_inline(values.get(name))
    text = values.get("text")
    out["text"] = text if text_cleaned and text and text == raw_text else clean_text(text)
    out["published_at"] = values.get("published_at") or ""
    out["modified_at"] = values.get("modified_at") or ""
    out["image_url"] = clean_url(values.get("image_url"))
    for name in LIST_FIELDS - {"districts"}:
        items: list[str] = []
        for value in values.get(name) or []:
            value = clean_inline(str(value))
            if value and value not in items:
                items.append(value)
        out[name] = items
    # title, lead and text are final already: the derived fields do not normalise them again.
    out["districts"] = find_districts(out["title"], out["lead"], out["text"], cleaned=True)
    out["word_count"] = word_count(out["text"])
    out["content_hash"] = content_hash(out["text"], cleaned=True)
    out["scraped_at"] = scraped_at or values.get("scraped_at") or ""
    return {name: out[name] for name in FIELDS}


def _sanitized(value: Any) -> Any:
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, list | tuple):
        return [sanitize(v) if isinstance(v, str) else v for v in value]
    return value


def empty_fields(row: dict[str, Any]) -> list[str]:
    """The DESIGN fields a row leaves empty (counted per run, judged by the run's health)."""
    return [n for n in FIELDS if row.get(n) in ("", None, [])]
