"""Near-duplicates: an edited republication is linked to the first copy, other stories are not."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from newsbot.enrich import neardup
from newsbot.store import ArticleStore
from tests.conftest import FIXTURES, run_python
from tests.store_helpers import stored_count

REFERENCE = json.loads(
    (FIXTURES / "pages" / "uv_kurier_reference_article.expected.json").read_text(encoding="utf-8")
)
STORY = REFERENCE["text"]
# The same story republished: one sentence reworded, a photo credit line added at the end.
EDITED = STORY.replace(
    "По словам Собянина, столичное здравоохранение в этом году приступает к следующему этапу",
    "Как подчеркнул Сергей Собянин, городская медицина уже в этом году переходит к новому этапу",
).replace("искусственного интеллекта.", "искусственного интеллекта.\n\nФото: Е. Самарин, mos.ru")

SCHOOL = (
    "В районе Люблино после капитального ремонта открылся корпус школы № 1387 на улице Судакова. "
    "В здании оборудовали 22 учебных кабинета, библиотеку, столовую на 200 мест и спортивный "
    "зал. Ремонт шёл полтора года, его провели по программе капитального ремонта школ. "
    "По словам директора, в новом корпусе будут учиться ученики начальных классов. "
    "Во дворе школы обустроили стадион с беговыми дорожками и площадку для воркаута."
)
# Another story on the same topic, with the okrug's stock phrases: must NOT match.
OTHER_SCHOOL = (
    "В районе Марьино открылась новая школа на 1100 мест на улице Перерва. "
    "В здании оборудовали 48 учебных кабинетов, два спортивных зала, бассейн и актовый зал. "
    "Строительство вели по адресной инвестиционной программе Москвы. "
    "Как рассказали в управе, первыми в школу придут ученики пятых и шестых классов. "
    "Рядом со школой открыли сквер и парковку для автомобилей родителей."
)


def item(n: int, text: str, published: str = "2024-03-01T10:00:00+03:00") -> dict[str, Any]:
    return {
        "url": f"https://uv-kurier.ru/story-{n}",
        "site": "uv-kurier.ru",
        "title": f"Новость {n}",
        "published_at": published,
        "text": text,
        "content_hash": f"hash-{n}",
        "scraped_at": "2024-03-02T00:00:00+00:00",
    }


def links(store: ArticleStore) -> dict[str, str | None]:
    return {r[0]: r[1] for r in store.conn.execute("SELECT url, duplicate_of FROM articles")}


def test_edited_copy_is_similar_and_shares_a_bucket() -> None:
    assert neardup.similarity(STORY, EDITED) == 119 / 150  # exact Jaccard of the shingle sets
    assert neardup.THRESHOLD <= 119 / 150
    a = set(neardup.band_keys(neardup.shingles(STORY)))
    b = set(neardup.band_keys(neardup.shingles(EDITED)))
    assert len(a & b) == 11


def test_word_tuples_are_the_same_shingles_as_strings() -> None:
    # The store confirms candidates on word tuples; the strings feed the MinHash. Same sets.
    for text in (STORY, EDITED, SCHOOL):
        tuples = neardup.shingle_tuples(text)
        assert {" ".join(t) for t in tuples} == neardup.shingles(text)
    assert neardup.jaccard(neardup.shingles(STORY), neardup.shingles(EDITED)) == 119 / 150
    assert neardup.shingle_tuples("Фоторепортаж с праздника.") == frozenset()


def test_same_topic_different_story_does_not_match() -> None:
    assert neardup.similarity(SCHOOL, OTHER_SCHOOL) == 1 / 111  # one shingle in common
    a = set(neardup.band_keys(neardup.shingles(SCHOOL)))
    assert not a & set(neardup.band_keys(neardup.shingles(OTHER_SCHOOL)))


def test_short_texts_are_never_near_duplicates() -> None:
    assert neardup.shingles("Фоторепортаж с праздника.") == frozenset()
    assert neardup.similarity("Фоторепортаж.", "Фоторепортаж.") == 0.0


def test_store_links_the_copy_within_one_batch(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    counts = store.upsert_many([item(1, STORY), item(2, EDITED), item(3, SCHOOL)])
    assert (counts.new, counts.near_duplicates) == (3, 1)
    assert links(store) == {
        "https://uv-kurier.ru/story-1": None,
        "https://uv-kurier.ru/story-2": "https://uv-kurier.ru/story-1",
        "https://uv-kurier.ru/story-3": None,
    }
    assert stored_count(store) == 3  # recorded, not dropped
    store.close()


def test_store_links_against_earlier_runs_and_points_at_the_first_published(
    tmp_path: Path,
) -> None:
    path = tmp_path / "news.db"
    store = ArticleStore(path)
    # The listing is walked newest first: the republication arrives before the original.
    store.upsert_many([item(2, EDITED, "2024-03-05T10:00:00+03:00"), item(3, OTHER_SCHOOL)])
    store.close()
    store = ArticleStore(path)
    store.upsert_many([item(1, STORY, "2024-03-01T10:00:00+03:00"), item(4, SCHOOL)])
    third = STORY.replace("пленарное заседание", "большое пленарное заседание")
    store.upsert_many([item(5, third, "2024-03-09T10:00:00+03:00")])
    first = "https://uv-kurier.ru/story-1"
    assert links(store) == {
        first: None,
        "https://uv-kurier.ru/story-2": first,
        "https://uv-kurier.ru/story-3": None,
        "https://uv-kurier.ru/story-4": None,
        "https://uv-kurier.ru/story-5": first,
    }
    store.close()


def test_editing_a_copy_into_another_story_unlinks_it(tmp_path: Path) -> None:
    store = ArticleStore(tmp_path / "news.db")
    store.upsert_many([item(1, STORY), item(2, EDITED)])
    store.upsert_many([item(2, OTHER_SCHOOL)])
    assert links(store)["https://uv-kurier.ru/story-2"] is None
    assert store.bands.count(2) == neardup.BANDS
    store.close()


#: Golden MinHash buckets (neardup.SCHEME): the first three (band, bucket) pairs and a digest of
#: all 32. The buckets are stored; if they change, stored articles stop matching new copies
#: (unless the scheme string changes too, which makes the store rebuild them).
GOLDEN_BANDS = {
    "STORY": (
        131,
        [(0, -7132708228821607475), (1, 8010924957101328429), (2, -3360918087957783039)],
        "62d3b6e7542ff95c",
    ),
    "SCHOOL": (
        59,
        [(0, 8077265938138518220), (1, 8720040588345795262), (2, -8438567821927102238)],
        "b6f09290d64ef73d",
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_BANDS))
def test_bands_are_the_golden_ones(name: str) -> None:
    shingle_count, first_three, digest = GOLDEN_BANDS[name]
    shingle_set = neardup.shingles(globals()[name])
    keys = neardup.band_keys(shingle_set)
    assert len(shingle_set) == shingle_count
    assert [band for band, _ in keys] == list(range(neardup.BANDS))
    assert keys[:3] == first_three
    assert hashlib.sha256(repr(keys).encode()).hexdigest()[:16] == digest


@pytest.mark.parametrize("name", ["STORY", "EDITED", "SCHOOL", "OTHER_SCHOOL"])
def test_keys_from_the_text_are_the_band_keys_of_its_shingles(name: str) -> None:
    """The store's path (shingles as UTF-8 bytes) gives the golden scheme's keys."""
    text = globals()[name]
    assert neardup.text_keys(text) == neardup.band_keys(neardup.shingles(text))
    yo = text.replace("е", "ё", 3).upper()  # folded like content_hash: the same keys
    assert neardup.text_keys(yo) == neardup.text_keys(text)


def test_keys_of_a_short_text_are_none() -> None:
    assert neardup.text_keys(" ".join(f"слово{k}" for k in range(11))) == []  # 9 shingles
    assert len(neardup.text_keys(" ".join(f"слово{k}" for k in range(12)))) == neardup.BANDS
    assert neardup.text_keys(None) == neardup.text_keys("") == []


def test_signatures_do_not_import_scipy() -> None:
    """Every storing run computes signatures; scipy (what datasketch imports) costs ~0.7 s."""

    code = (
        "import sys; from newsbot.enrich import neardup; "
        "from tests.test_neardup import STORY; "
        "assert neardup.band_keys(neardup.shingles(STORY)); "
        "print(sorted(m for m in ('scipy', 'datasketch') if m in sys.modules))"
    )
    assert run_python(code).strip() == "[]"


def test_keys_count_distinct_shingles_not_repeats() -> None:
    """text_keys hashes every shingle, repeats too: only distinct ones make a text long enough."""
    looped = " ".join(["раз два три"] * 30)  # 88 shingles, 3 distinct
    assert neardup.shingles(looped) == frozenset()
    assert neardup.text_keys(looped) == []
    ten = " ".join(f"слово{k}" for k in range(12))  # 10 distinct shingles, then repeated
    repeated = " ".join([ten] * 3)
    assert neardup.text_keys(repeated) == neardup.band_keys(neardup.shingles(repeated))
    assert len(neardup.text_keys(repeated)) == neardup.BANDS
