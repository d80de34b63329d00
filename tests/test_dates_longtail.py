"""The dateparser prefilter: nothing dateparser read before is lost, and prose never loads it.

``core/dates.py`` hands a short string to dateparser only when ``dateparser_may_read`` says its
words could make a date (``core/date_words.py``). These tests hold that table to the installed
dateparser's own data, compare the long tail with and without the prefilter on every date form
the project's tests and benchmarks know, on generated forms of every dateparser date word and
on the short texts of the real pages, and check that extracting the replica's articles no
longer imports dateparser.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from newsbot.core import dates
from newsbot.core.date_words import DATE_WORDS, OTHER_WORDS
from tests.conftest import run_python

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "realpages"
NOW = datetime(2026, 1, 16, 15, 0, tzinfo=dates.MOSCOW)


def dateparser_vocabulary() -> tuple[set[str], set[str]]:
    """(date words, other words) of dateparser's ru and en data, lowercased and folded."""
    import importlib
    import re
    import unicodedata

    from dateparser.timezones import timezone_info_list

    letters = re.compile(r"[^\W\d_]+")
    months = "january february march april may june july august september october november december"
    days = "monday tuesday wednesday thursday friday saturday sunday"
    other_keys = (
        "year month week day hour minute second century decade fortnight skip pertain in am pm "
        "early_morning morning afternoon evening night"
    )

    def words(text: str) -> set[str]:
        found = set(letters.findall(text.lower()))
        folded = {
            "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
            for w in found
        }
        return found | {w for w in folded if w}

    date_words: set[str] = set()
    other: set[str] = set()
    for lang in ("ru", "en"):
        info = importlib.import_module(f"dateparser.data.date_translation_data.{lang}").info
        for variant in [info, *info.get("locale_specific", {}).values()]:
            for key in (months + " " + days + " ago").split():
                for w in variant.get(key, []):
                    date_words |= words(w)
            for phrases in variant.get("relative-type", {}).values():
                for p in phrases:
                    (date_words if len(words(p)) == 1 and " " not in p.strip() else other).update(
                        words(p)
                    )
            for patterns in variant.get("relative-type-regex", {}).values():
                for p in patterns:
                    other |= words(p)
            for key in other_keys.split():
                for w in variant.get(key, []):
                    other |= words(w)
            for simplification in variant.get("simplifications", []):
                for key, value in simplification.items():
                    other |= words(key) | words(str(value))
                    # «од(ин|на|ну)»: the regex's alternatives spelled out
                    for m in re.finditer(r"([^\W\d_]*)\(([^\W\d_|]+(?:\|[^\W\d_]+)*)\)", key):
                        for alt in m[2].split("|"):
                            other |= words(m[1] + alt)
    for zone in timezone_info_list:
        for abbr, _offset in zone["timezones"]:
            other |= words(abbr)
    # ISO's "T", the zones dateparser knows by itself; "a.m."/"p.m." its sanitising reads as am/pm
    other |= {"t", "z", "utc", "gmt", "a", "p"}
    return date_words, other - date_words


def unfenced_long_tail(text: str, now: datetime) -> datetime | None:
    """The long tail as it was before the prefilter: the same guards, then dateparser."""
    if len(text) > dates.DATEPARSER_MAX_CHARS:
        return None
    relative = dates._RELATIVE_MARKER_RE.search(text) is not None
    if not relative and not dates._DIGIT_RE.search(text):
        return None
    if not dates._LETTER_RE.search(text) and not dates._YMD_START_RE.match(text):
        return None
    return dates._dateparser_date(text, now, relative)


def literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip()
    }


def generated_forms() -> set[str]:
    """Every dateparser date word in the shapes dates take, and unit words with numbers."""
    out: set[str] = set()
    for word in sorted(DATE_WORDS):
        for shape in (
            "5 {w}",
            "{w} 5",
            "5 {w} 2023",
            "{w} 5, 2023",
            "{w}, 12:30",
            "{w} 12:30",
            "5 {w} 2023 в 12:30",
            "{w} 5 2023 12:30 pm",
            "2 {w}",
            "Фото: {w} 2",
            "{W} 5.",
        ):
            out.add(shape.format(w=word, W=word.capitalize()))
    for word in sorted(OTHER_WORDS):
        out.update({f"2 {word}", f"{word} 2023 09 05", f"05.09.2023 {word}", f"12:30 {word}"})
    out.update(
        {
            "2 часа",
            "3 дня",
            "30 минут",
            "2 hours",
            "on 2023 09 05",
            "11/19/19 06:56 AM EST",
            "Сб 12:30",
            "сейчас 2",
            "полтора часа 2",
        }
    )
    return out


def real_page_texts() -> set[str]:
    """Short text pieces of the real pages that pass the long tail's older guards."""
    from lxml import html as lxml_html

    if not (CORPUS / "ground-truth.json").is_file():
        return set()
    truth = json.loads((CORPUS / "ground-truth.json").read_text(encoding="utf-8"))
    out: set[str] = set()
    for page_id in sorted(truth):
        raw = gzip.decompress((CORPUS / "html" / f"{page_id}.html.gz").read_bytes())
        for text in lxml_html.fromstring(raw).itertext():
            flat = " ".join(text.split())
            if flat and len(flat) <= dates.DATEPARSER_MAX_CHARS and re.search(r"\d", flat):
                out.add(flat)
    return out


def test_the_word_table_holds_every_word_of_the_installed_dateparser() -> None:
    date_words, other_words = dateparser_vocabulary()
    assert sorted(date_words - DATE_WORDS) == []
    assert sorted(other_words - OTHER_WORDS - DATE_WORDS) == []
    assert {"сентября", "сен", "вторник", "вчера", "назад", "ago", "november"} <= DATE_WORDS
    assert {"часа", "дней", "около", "msk", "est", "pm"} <= OTHER_WORDS


@pytest.mark.parametrize(
    ("text", "may_read"),
    [
        ("Фото: Иван 2", False),
        ("Телефон: 8 495 123-45-67", False),
        ("Открыть кластер планируют в 2026 году.", False),
        ("Meal 2", False),
        ("5 сентября", True),
        ("Wednesday 20 November 2019 9:22 am", True),
        ("2 часа", True),
        ("11/19/19 06:56 AM EST", True),
        ("Сб 12:30", True),
        ("на 5-м этаже через 2 дня", False),
        ("трёх дней", True),  # accents folded as dateparser folds them
    ],
)
def test_dateparser_may_read(text: str, may_read: bool) -> None:
    assert dates.dateparser_may_read(text) is may_read


def _compare(strings: set[str]) -> tuple[int, list[str]]:
    lost = []
    read = 0
    for text in sorted(strings):
        head = " ".join(text[: dates.SCAN_CHARS].split())
        before = unfenced_long_tail(head, NOW)
        read += before is not None
        if dates._long_tail(head, NOW) != before:
            lost.append(head)
    return read, lost


def test_no_date_of_the_date_tests_is_lost() -> None:
    strings = set()
    for source in ("tests/test_dates.py", "benchmarks/bench_dates.py", "tests/test_text.py"):
        strings |= literals(ROOT / source)
    read, lost = _compare(strings)
    assert lost == []
    assert read >= 10  # the corpus does reach dateparser: «September 5, 2023 12:57 pm», …


def test_no_generated_date_form_is_lost() -> None:
    read, lost = _compare(generated_forms())
    assert lost == []
    assert read >= 500


@pytest.mark.skipif(not (CORPUS / "ground-truth.json").is_file(), reason="no ../shared/realpages")
def test_no_date_of_the_real_pages_is_lost() -> None:
    texts = real_page_texts()
    read, lost = _compare(texts)
    assert lost == []
    assert read >= 100  # «November 20, 2019», «1 day ago», «Monday 5:30PM», …


def test_extracting_the_replica_does_not_load_dateparser() -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from newsbot.extraction import extract_article\n"
        "site = Path('tests/replica/site')\n"
        "n = 0\n"
        "for page in sorted(site.rglob('index.html')):\n"
        "    url = 'https://uv-kurier.ru/' + page.parent.relative_to(site).as_posix() + '/'\n"
        "    n += extract_article(page.read_bytes(), url).is_article\n"
        "print(n, 'dateparser' in sys.modules)\n"
    )
    assert run_python(code).split() == ["16", "False"]
