"""The districts of ЮВАО (Moscow's South-East okrug) that an article mentions.

Analysts filter the dataset by district, so a district is reported only when the text names the
district itself, in any grammatical case; things merely named after it are not. The rules:

* Noun names (Выхино-Жулебино, Капотня, Кузьминки, Лефортово, Люблино, Марьино, Некрасовка,
  Печатники, Текстильщики) count in every case form of their paradigm, as the pymorphy3
  dictionary gives it (each is there as a geographical name, «Geox»): «в Люблине», «Люблино»,
  «Марьина», «в Кузьминках», «Кузьминок», «Капотне», «Лефортове», «Текстильщиках». The
  indeclinable use («в Марьино») is the nominative form and counts too.
* «Выхино» or «Жулебино» alone, or any case of either half («в Выхине»), counts as
  Выхино-Жулебино: the district is named after both.
* A name counts only when capitalised (Title or ALL CAPS): lowercase «текстильщики фабрики» or
  «печатники» are trades, not places. Печатники and Текстильщики are also the plural of a trade,
  so at the start of a sentence (where every word is capitalised, «Текстильщики фабрики
  вышли…») they do not count; mid-sentence «в Печатниках», «района Текстильщики» always count.
* Adjectives derived from a noun district are not the district: «Люблинская улица», «Кузьминский
  парк», «Лефортовский тоннель», «Некрасовская библиотека», «Марьинский парк» — they name objects,
  some of them outside the district. Neither is «Некрасов» (the poet), «Марьина Роща» (another
  okrug's district) or a street named with a noun form («улица Текстильщиков»,
  «Печатников переулок»).
* Adjectival districts (Нижегородский, Рязанский, Южнопортовый) count only next to the word
  «район»: «Нижегородский район», «Рязанском районе», «Южнопортового района», «района
  Рязанский», «муниципального округа Нижегородский», «в Нижегородском и Рязанском районах».
  A bare «Рязанский проспект», «Нижегородская улица», «Нижегородской области» is not a district,
  nor is «Рязанский район» when «области» / «Нижнего Новгорода» follows (districts of the same
  name elsewhere).
* Metro/MCD stations named like a district («станция метро „Кузьминки“») count: they stand in or
  beside the district and news about them concerns it.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

from newsbot.core.text import clean_text

logger = logging.getLogger(__name__)

__all__ = ["DISTRICTS", "find_districts", "morph_analyzer"]

DISTRICTS: tuple[str, ...] = (
    "Выхино-Жулебино",
    "Капотня",
    "Кузьминки",
    "Лефортово",
    "Люблино",
    "Марьино",
    "Некрасовка",
    "Нижегородский",
    "Печатники",
    "Рязанский",
    "Текстильщики",
    "Южнопортовый",
)
_ORDER = {name: i for i, name in enumerate(DISTRICTS)}

# Dictionary lemma -> canonical district, for the noun names.
_NOUN_LEMMAS: dict[str, str] = {
    "выхино": "Выхино-Жулебино",
    "жулебино": "Выхино-Жулебино",
    "капотня": "Капотня",
    "кузьминки": "Кузьминки",
    "лефортово": "Лефортово",
    "люблино": "Люблино",
    "марьино": "Марьино",
    "некрасовка": "Некрасовка",
    "печатники": "Печатники",
    "текстильщики": "Текстильщики",
}
_ADJ_LEMMAS: dict[str, str] = {
    "нижегородский": "Нижегородский",
    "рязанский": "Рязанский",
    "южнопортовый": "Южнопортовый",
}
# Names that are also the plural of a trade (see the module docstring).
_HOMONYMS = frozenset({"Печатники", "Текстильщики"})

# Every case form of each name, as the pymorphy3 dictionary gives its paradigm (the «Geox»
# noun; the masculine singular adjective, which agrees with «район»); tests/test_districts.py
# derives them from the dictionary and compares, so a dictionary update is noticed.
_NOUN_FORMS: dict[str, str] = {
    "выхино": "выхино выхина выхину выхином выхине",
    "жулебино": "жулебино жулебина жулебину жулебином жулебине",
    "капотня": "капотня капотни капотне капотню капотней",
    "кузьминки": "кузьминки кузьминок кузьминкам кузьминками кузьминках",
    "лефортово": "лефортово лефортова лефортову лефортовом лефортове",
    "люблино": "люблино люблина люблину люблином люблине",
    "марьино": "марьино марьина марьину марьином марьине",
    "некрасовка": "некрасовка некрасовки некрасовке некрасовку некрасовкой некрасовкою",
    "печатники": "печатники печатников печатникам печатниками печатниках",
    "текстильщики": "текстильщики текстильщиков текстильщикам текстильщиками текстильщиках",
}
_ADJ_FORMS: dict[str, str] = {
    "нижегородский": "нижегородский нижегородского нижегородскому нижегородским нижегородском",
    "рязанский": "рязанский рязанского рязанскому рязанским рязанском",
    "южнопортовый": "южнопортовый южнопортового южнопортовому южнопортовым южнопортовом",
}

# The words that make an adjective a district name.
_RAION = frozenset(
    {
        "район", "района", "району", "районом", "районе", "районы", "районов", "районам",
        "районами", "районах", "р-н", "р-на", "р-ну", "р-не", "р-ном",
    }
)  # fmt: skip
_RAION_OR_OKRUG = _RAION | {"округ", "округа", "округу", "округом", "округе"}
# Street and object words: «улица Текстильщиков» is a street, not the district.
_STREET_WORDS = frozenset(
    {
        "улица", "улицы", "улице", "улицу", "улицей", "ул", "проспект", "проспекта", "проспекте",
        "пр-т", "пр-кт", "просп", "проезд", "проезда", "проезде", "пр-д", "переулок", "переулка",
        "переулке", "пер", "бульвар", "бульвара", "бульваре", "б-р", "шоссе", "площадь",
        "площади", "пл", "набережная", "набережной", "наб", "тупик", "тупика", "аллея", "аллеи",
        "аллее",
    }
)  # fmt: skip
# «Рязанского района Рязанской области», «Нижегородском районе Нижнего Новгорода».
_OTHER_PLACE_RE = re.compile(
    r"[\s«»\"„“”']*(?:район\w*|р-н\w*)[\s,]+"
    r"(?:[А-ЯЁ]\w+(?:ой|ая|ую)\s+област|(?:г\.\s*|города\s+)?Нижн\w+\s+Новгород)"
)

_STEMS = (
    "выхин", "жулебин", "капотн", "кузьмин", "лефортов", "люблин", "марьин", "некрасовк",
    "нижегородск", "печатник", "рязанск", "текстильщик", "южнопортов",
)  # fmt: skip
_CANDIDATE_RE = re.compile(rf"(?<![^\W_])(?:{'|'.join(_STEMS)})[^\W\d_]*(?![^\W_])", re.IGNORECASE)
_WORD_AT_RE = re.compile(r"[^\W\d_]+(?![^\W_])")
_HYPHENS = "-\u2010\u2011"
_NEXT_WORD_RE = re.compile(rf"([\W_]*?)([^\W_]+(?:[{_HYPHENS}][^\W_]+)*)")
_PREV_WORD_RE = re.compile(rf"([^\W_]+(?:[{_HYPHENS}][^\W_]+)*)([\W_]*)$")
_SPACE_GAP_RE = re.compile(r"^[\s«»\"„“”'()]*$")  # spaces and quotes only
_ABBR_GAP_RE = re.compile(r"^\.?[\s«»\"„“”']*$")  # «ул. Текстильщиков»
_COMMA_GAP_RE = re.compile(r"^[\s«»\"„“”']*,[\s«»\"„“”']*$")
_SENTENCE_PREFIX_TRIM = " \t«»\"„“”'(–—-"
_LOOKAROUND = 80  # characters of context read around a candidate


@cache
def morph_analyzer() -> Any:
    """The shared pymorphy3 analyser (≈0.2–1 s to build), or None when it cannot load."""
    try:
        import pymorphy3
        import pymorphy3.dawg

        if not pymorphy3.dawg.EXTENSION_AVAILABLE:
            logger.warning(
                "pymorphy3 reads its dictionary in pure Python (DAWG2 missing): lemmas cost "
                "~5x more CPU; install pymorphy3[fast]"
            )
        return pymorphy3.MorphAnalyzer()
    except Exception:  # missing package or dictionary: the callers do without
        logger.warning("pymorphy3 unavailable", exc_info=True)
        return None


@cache
def _forms() -> tuple[dict[str, str], dict[str, str]]:
    """Lowercase word form -> canonical district, for nouns and for adjectives.

    From the tables above, which hold the pymorphy3 dictionary's paradigms (tests/test_districts.py
    derives them from the dictionary and compares): reading a page never loads pymorphy3, whose
    dictionary costs 0.1-0.2 s of CPU a process (the store loads it for its own lemmas).
    """
    nouns = {
        form: _NOUN_LEMMAS[lemma] for lemma, forms in _NOUN_FORMS.items() for form in forms.split()
    }
    adjs = {
        form: _ADJ_LEMMAS[lemma] for lemma, forms in _ADJ_FORMS.items() for form in forms.split()
    }
    return nouns, adjs


def _next_word(text: str, pos: int) -> tuple[str, str, int] | None:
    m = _NEXT_WORD_RE.match(text, pos, min(len(text), pos + _LOOKAROUND))
    return (m.group(1), m.group(2), m.end()) if m else None


def _prev_word(text: str, pos: int) -> tuple[str, str, int] | None:
    start = max(0, pos - _LOOKAROUND)
    m = _PREV_WORD_RE.search(text, start, pos)
    return (m.group(2), m.group(1), m.start()) if m else None


def _is_capitalised(word: str) -> bool:
    return word[0].isupper()


def _sentence_initial(text: str, pos: int) -> bool:
    prefix = text[max(0, pos - _LOOKAROUND) : pos].rstrip(_SENTENCE_PREFIX_TRIM)
    return not prefix or prefix[-1] in ".!?…\n"


def _adj_chain_reaches_raion(text: str, pos: int, adjs: dict[str, str], forward: bool) -> bool:
    """From an adjective, walk «Нижегородский, Рязанский и Южнопортовый» to «район(ы)»."""
    step = _next_word if forward else _prev_word
    expect_adj = False
    for _ in range(8):
        nxt = step(text, pos)
        if nxt is None:
            return False
        gap, word, pos = nxt
        low = word.lower()
        words = _RAION if forward else _RAION_OR_OKRUG
        if not expect_adj and low in words and _SPACE_GAP_RE.match(gap):
            return True
        if not expect_adj and low in ("и", "или") and _SPACE_GAP_RE.match(gap):
            expect_adj = True
        elif low in adjs and _is_capitalised(word):
            if not (_SPACE_GAP_RE.match(gap) if expect_adj else _COMMA_GAP_RE.match(gap)):
                return False
            expect_adj = False
        else:
            return False
    return False


def _noun_counts(text: str, start: int, end: int, canonical: str) -> bool:
    low = text[start:end].lower()
    nxt = _next_word(text, end)
    if canonical == "Марьино" and nxt and nxt[1].lower().startswith("рощ"):
        return False  # Марьина Роща
    prev = _prev_word(text, start)
    if prev and prev[1].lower() in _STREET_WORDS and _ABBR_GAP_RE.match(prev[0]):
        return False  # улица Текстильщиков
    if (
        low.endswith(("ов", "ок"))
        and nxt
        and nxt[1].lower() in _STREET_WORDS
        and _SPACE_GAP_RE.match(nxt[0])
    ):
        return False  # Печатников переулок
    return not (canonical in _HOMONYMS and _sentence_initial(text, start))


def _adj_counts(text: str, start: int, end: int, adjs: dict[str, str]) -> bool:
    nxt = _next_word(text, end)
    if nxt and nxt[1].lower() in _STREET_WORDS:
        return False  # «…округа Рязанский проспект»
    if _adj_chain_reaches_raion(text, end, adjs, forward=True):
        # A namesake district elsewhere.
        return not _OTHER_PLACE_RE.match(text, end, end + _LOOKAROUND)
    return _adj_chain_reaches_raion(text, start, adjs, forward=False)


def _stem_pattern(stem: str) -> str:
    """A capitalised word start that lowercases to ``stem``: its first letter upper case, the
    others either (every Cyrillic letter is the lowercase of itself and of its capital only)."""
    return stem[0].upper() + "".join(f"[{c}{c.upper()}]" for c in stem[1:])


#: Where a capitalised word may begin with a stem: one C scan for the capitals (a few in a
#: hundred letters), not a lowercased copy of the text and a search for each of the 13 stems.
_CAPITAL_STEM_RE = re.compile("|".join(_stem_pattern(stem) for stem in _STEMS))
#: The only character whose lowercase is longer than itself (İ): with it in the text the
#: lowercased text's positions are not the text's.
_LONGER_LOWER = "\u0130"


def _candidates(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) of the capitalised words that begin with a district stem, in text
    order (find_districts counts no other).

    A word's stem matches when its letters lowercase to the stem's: one regex of the stems
    spelt that way, capital first, and most articles name no district, so the scan finds
    little: 0.4x the CPU of a find of each stem in the lowercased text (17 -> 7 µs a body).
    """
    if _LONGER_LOWER in text:  # the lowercased text would not line up: the case-blind regex
        return [
            (m.start(), m.end(), m.group())
            for m in _CANDIDATE_RE.finditer(text)
            if _is_capitalised(m.group())
        ]
    found: list[tuple[int, int, str]] = []
    for stem in _CAPITAL_STEM_RE.finditer(text):
        i = stem.start()
        if i:
            before = text[i - 1].lower()
            if before.isalnum() or before == "_":
                continue
        m = _WORD_AT_RE.match(text, i)
        if m:
            found.append((i, m.end(), m.group()))
    return found


def find_districts(*texts: str | None, cleaned: bool = False) -> list[str]:
    """Canonical names of the districts the texts mention, in DISTRICTS order, each once.

    ``cleaned``: the texts are the row's, normalised already (``clean_inline``/``clean_text``,
    which ``clean_text`` leaves as they are), so they are not normalised again.
    """
    nouns, adjs = _forms()
    found: set[str] = set()
    for raw in texts:
        if not raw or not isinstance(raw, str):
            continue
        text = raw if cleaned else clean_text(raw)
        for start, end, word in _candidates(text):
            if not _is_capitalised(word):
                continue
            low = word.lower()
            canonical = nouns.get(low)
            if canonical is not None:
                if canonical in found:
                    continue
                if _noun_counts(text, start, end, canonical):
                    found.add(canonical)
                continue
            canonical = adjs.get(low)
            if (
                canonical is not None
                and canonical not in found
                and _adj_counts(text, start, end, adjs)
            ):
                found.add(canonical)
    return sorted(found, key=_ORDER.__getitem__)
