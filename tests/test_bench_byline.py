"""benchmarks/bench_byline.py classifies a page's two authors as its figures claim."""

from __future__ import annotations

import pytest

from benchmarks.bench_byline import authors, verdict


@pytest.mark.parametrize(
    ("printed", "stated", "kind"),
    [
        ("", "Tess Bonn", "no printed byline"),
        ("By TOM KRISHER, AP Auto Writer", "Tom Krisher", "printed, metadata agrees"),
        ("Tim Childers - Live Science Contributor", "Tim Childers", "printed, metadata agrees"),
        ("Венера Ерофеева", "", "printed, metadata has none (miss)"),
        ("IGN Staff", "Eric Song", "printed, metadata names another (contradict)"),
    ],
)
def test_verdict(printed: str, stated: str, kind: str) -> None:
    assert verdict(printed, stated) == kind


def test_the_printed_byline_and_the_metadata_author_are_read_apart() -> None:
    page = (
        '<html><head><meta name="author" content="admin"></head><body>'
        "<p>Опубликовано 05 Сен 2023 в 12:57 | Текст: Анна Белова</p></body></html>"
    )
    assert authors(page.encode()) == ("Анна Белова", "admin")
