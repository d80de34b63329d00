"""JSON-LD is read as extruct read it: lenient JSON, a leading comment line forgiven."""

from __future__ import annotations

from parsel import Selector

from newsbot.extraction.metadata import read_jsonld
from tests.conftest import run_python


def _nodes(script: str) -> list[dict[str, object]]:
    page = f'<html><head><script type="application/ld+json">{script}</script></head></html>'
    return read_jsonld(Selector(text=page))


def test_plain_list_and_graph_items() -> None:
    assert _nodes('[{"@type": "NewsArticle", "headline": "A"}, null, {}]') == [
        {"@type": "NewsArticle", "headline": "A"}
    ]
    graph = _nodes('{"@graph": [{"@type": "WebPage"}]}')
    assert [n.get("@type") for n in graph] == [None, "WebPage"]


def test_a_control_character_inside_a_string_is_allowed() -> None:
    assert _nodes('{"headline": "A\tB"}') == [{"headline": "A\tB"}]


def test_a_leading_comment_line_is_forgiven() -> None:
    assert _nodes('// Yoast\n{"headline": "A"}') == [{"headline": "A"}]
    assert _nodes('<!-- seo -->\n{"headline": "B"}') == [{"headline": "B"}]


def test_a_broken_block_is_skipped() -> None:
    assert _nodes('{"headline": ') == []


def test_reading_json_ld_does_not_import_extruct() -> None:
    code = (
        "import sys; from tests.test_metadata_jsonld import _nodes; "
        "assert _nodes('{\"headline\": \"A\"}'); print('extruct' in sys.modules)"
    )
    assert run_python(code).strip() == "False"
