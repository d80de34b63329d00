"""The project's one date parser: whatever date string a page or feed shows → Moscow time.

``parse_date(text, now)`` returns a timezone-aware ``datetime`` in Europe/Moscow, or ``None``
when the text holds no valid publication date. It never raises and looks at no more than the
first 2,000 characters, so megabytes of text or binary junk cost next to nothing.

Order of attempts, cheapest first (DESIGN.md convention 4):

1. Machine-readable strings, when the whole string is one: ISO 8601 through
   ``datetime.fromisoformat`` (``<time datetime>``, ``article:published_time``, JSON-LD) and
   RFC 2822 through ``email.utils`` (RSS ``pubDate``). An offset or ``Z`` is converted to Moscow
   time; a naive ISO datetime is Moscow time; a date-only ISO string is midnight in Moscow.
2. The outlet's own formats, found inside surrounding words by compiled patterns and a month
   table: «Опубликовано 05 Сен 2023 в 12:57 | Текст: …», «5 сентября 2023 года, 12:57»,
   «вторник, 5 сентября 2023», «05.09.2023 12.57», «5.9.23», ISO inside text, «Сегодня в 14:05»,
   «вчера, 09:30», «3 часа назад», «только что». Months may be abbreviated (Сен, Сент., Мая),
   genitive or nominative, in any letter case. The earliest date in the text wins, so pass the
   line that holds the publication date rather than a whole page.
3. ``dateparser`` (ru+en, one parser object built on first use, ``now`` as its RELATIVE_BASE)
   for the long tail («September 5, 2023 12:57 pm», «an hour ago»), only on short strings (at
   most 80 characters) that none of the above matched, and only when its answer names at least
   a day and a month (never a reading of a lone number, a lone time, a year or a month alone).
   It is loaded only for a string whose words it could read (``dateparser_may_read``: a month,
   weekday or relative-day word, or nothing but its other words), so prose never loads it.
   Its answers obey the same rules as ours below.

Rules:

- ``now`` is the reference for relative and year-less dates: the current Moscow time by default;
  a naive ``now`` is Moscow time.
- A date without a year is the most recent such day not after the day of ``now``: «25 декабря»
  read on 10 January 2026 is 2025-12-25.
- Relative dates never land in the future: «сегодня в 23:00» read at 14:00 gives ``None``.
- An explicit date more than one day after ``now`` is not a publication date: ``None``. (A day
  of slack absorbs clock and time-zone skew between the site and us.)
- Impossible dates and times (32 Сен, 25:61, 30 February, month 13) give ``None``, not a guess,
  and are not handed to dateparser to be "fixed". Years before 1900 are refused too (WordPress
  writes ``0000-00-00 00:00:00`` for "no date").
- A month without a day («Сентябрь 2023», «в сентябре»), a year, a lone number, a lone time,
  and a day.month pair without year («05.09», which reads as a time just as well) give ``None``:
  none of them tells the day of publication.
- Numeric dates are day-first (Russian order): 05.09.2023, 5.9.2023, 05/09/2023. A two-digit
  year is 20yy, or 19yy when 20yy would be more than a year ahead of ``now``.
- A date without a time is midnight; «сегодня»/«вчера»/«позавчера» without a time are
  midnight of that day, but only when the string is that word alone (in prose «Сегодня мэр…»
  is not a date). «N минут/часов/дней/недель/месяцев/лет назад» is ``now`` minus that much,
  to the minute.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from newsbot.core.date_words import DATE_WORDS, OTHER_WORDS

logger = logging.getLogger(__name__)

MOSCOW: Final = ZoneInfo("Europe/Moscow")

#: Only this many leading characters are ever looked at.
SCAN_CHARS: Final = 2000
#: dateparser is tried only on strings at most this long (after whitespace is normalised).
DATEPARSER_MAX_CHARS: Final = 80
#: Earliest year accepted as a publication date.
MIN_YEAR: Final = 1900

_FUTURE_SLACK: Final = timedelta(days=1)
_MAX_MATCH: Final = 96  # longer than any one date the patterns below can match

__all__ = ["MOSCOW", "now_moscow", "parse_date", "to_iso"]


def now_moscow() -> datetime:
    """The current time in Moscow, the reference for relative dates."""
    return datetime.now(MOSCOW)


def to_iso(dt: datetime | None) -> str:
    """ISO 8601 with offset in Moscow time (the dataset's format); "" for None."""
    if dt is None:
        return ""
    if not isinstance(dt, datetime):  # a plain date: midnight
        dt = datetime.combine(dt, time())
    dt = dt.replace(tzinfo=MOSCOW) if dt.tzinfo is None else dt.astimezone(MOSCOW)
    return dt.isoformat(timespec="seconds")


# --------------------------------------------------------------------------- patterns

# Characters str.split() does not count as spaces but the outlet's HTML may put between parts.
_INVISIBLE_RE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")

_MONTHS: Final = {
    "янв": 1,
    "фев": 2,
    "мар": 3,
    "апр": 4,
    "май": 5,
    "мая": 5,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "окт": 10,
    "ноя": 11,
    "дек": 12,
}
_MONTH_ALT = (
    r"янв(?:ар[яь])?|фев(?:р(?:ал[яь])?)?|мар(?:та?)?|апр(?:ел[яь])?|ма[йя]|июн[яь]?|июл[яь]?"
    r"|авг(?:уста?)?|сен(?:т(?:ябр[яь])?)?|окт(?:ябр[яь])?|ноя(?:б(?:р[яь])?)?|дек(?:абр[яь])?"
)

# A time right after a date or a relative day word: « в 12:57», «, 12.57», « года в 12:57:30».
# «12.57» is a time only here, right after a date: alone it may as well be a date or a number.
_TIME_AFTER = (
    r"\s*(?:г(?:ода|г)?\b\.?\s*)?(?:[,|/—–-]\s*)?(?:(?:в|at)\s*)?"
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?(?![.:]?\d)"
)
_TIME_AFTER_RE = re.compile(_TIME_AFTER)

# «05 Сен 2023», «5 сентября 2023 года», «5-го сентября», «25 декабря». A weekday before it is
# simply skipped by the search.
_RU_DATE_RE = re.compile(
    r"(?<![\w.-])(?P<day>\d{1,2})(?:-?(?:го|е|ое))?\s*"
    rf"(?P<mon>{_MONTH_ALT})(?![а-яё])\.?"
    r"(?:\s*,?\s*(?P<year>\d{4})(?!\d|[.:]\d))?"
    rf"(?:{_TIME_AFTER})?"
)

# 05.09.2023, 5.9.2023, 05/09/2023, 05-09-2023, 05.09.23 (day first).
_NUM_DATE_RE = re.compile(
    r"(?<![\w.:/-])(?P<day>\d{1,2})(?P<sep>[./-])(?P<mon>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?!\d|[.:/-]\d)"
    rf"(?:{_TIME_AFTER})?"
)

# ISO 8601 inside text (or a string fromisoformat refused, to tell impossible from lenient).
_ISO_RE = re.compile(
    r"(?<![\w.:/-])(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})"
    r"(?:[t ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    r"(?:\s?(?P<tz>z(?![^\W\d_])|[+-]\d{2}(?::?\d{2})?))?)?(?![\d:])"
)

# «Сегодня в 14:05», «вчера, 09:30», «позавчера».
_REL_DAY_RE = re.compile(r"(?<![\w-])(?P<word>позавчера|сегодня|вчера|today|yesterday)(?![\w-])")
_REL_DAYS: Final = {"сегодня": 0, "today": 0, "вчера": 1, "yesterday": 1, "позавчера": 2}

_NUM_WORDS: Final = {
    "один": 1,
    "одну": 1,
    "одна": 1,
    "два": 2,
    "две": 2,
    "пару": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
    "десять": 10,
}
# «5 минут назад», «минуту назад», «2 ч. назад», «полчаса назад», «две недели назад».
_AGO_RE = re.compile(
    r"(?<![\w-])(?:(?P<num>\d{1,4}|" + "|".join(_NUM_WORDS) + r")\s*)?(?P<half>пол)?\s*"
    r"(?P<unit>сек(?:унд[уы]?)?|мин(?:ут[уы]?)?|час(?:а|ов)?|ч|д(?:ень|н(?:я|ей)?)|сут(?:ки|ок)"
    r"|недел[юиь]|нед|месяц(?:а|ев)?|мес|год(?:а)?|лет|г)(?![а-яё])\.?\s*назад(?![а-яё])"
)
# Units that may stand without a number («минуту назад»); plural forms need one.
_UNIT_SINGULAR: Final = frozenset(
    {"секунду", "минуту", "час", "день", "сутки", "неделю", "месяц", "год"}
)

_JUST_NOW_RE = re.compile(r"только что|just now")

# A time right before a date: «12:57 05.09.2023», «12:57, 5 сентября 2023» (colon only).
_TIME_BEFORE_RE = re.compile(
    r"(?:^|[^\d.:])(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?:[,|/—–-]\s*)?$"
)

# Whole-string machine formats.
_RFC_RE = re.compile(
    r"(?:[A-Za-z]{3},?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*(?P<tz>[+-]\d{4}|[A-Za-z]{1,5}))?"
)
_MOSCOW_ABBREVIATIONS: Final = frozenset({"MSK", "MSD"})

# dateparser guards (and the search's first-digit shortcut).
_DIGIT_RE = re.compile(r"\d")
_RELATIVE_MARKER_RE = re.compile(r"\b(?:назад|ago)\b", re.IGNORECASE)
_LETTER_RE = re.compile(r"[^\W\d_]")
_YMD_START_RE = re.compile(r"\d{4}[./ ]\d{1,2}[./ ]\d{1,2}(?!\d)")
_YEAR_RE = re.compile(r"(?<!\d)\d{4}(?!\d)")
_NUMBER_RE = re.compile(r"\d+")
_WORD_ONLY_RE = re.compile(r"[\W_]+")
_WORD_RE = re.compile(r"[^\W\d_]+")


# --------------------------------------------------------------------------- results


class _Impossible(Exception):
    """The text names a date or time that cannot exist: the answer is None, not a guess."""


# A handler's verdict: a datetime plus whether it was relative (never future) or explicit.
_Found = tuple[datetime, bool]
_Handler = Callable[[re.Match[str], str, datetime], _Found | None]
_SKIP: Final = None  # the match turned out not to be a date; keep searching after it


def _moscow(dt: datetime) -> datetime:
    return dt.replace(tzinfo=MOSCOW) if dt.tzinfo is None else dt.astimezone(MOSCOW)


def _make(y: int, mo: int, d: int, hms: tuple[int, int, int] = (0, 0, 0), us: int = 0) -> datetime:
    try:
        return datetime(y, mo, d, *hms, us, tzinfo=MOSCOW)
    except (ValueError, OverflowError) as exc:
        raise _Impossible(str(exc)) from None


def _hms(h: str, mi: str, s: str | None) -> tuple[int, int, int]:
    """Hours, minutes, seconds; _make refuses 25:61 and the like."""
    return int(h), int(mi), int(s or 0)


def _time_near(m: re.Match[str], text: str) -> tuple[int, int, int]:
    """The time the date pattern m took in just after it, or else one just before it."""
    if m["h"] is not None:
        return _hms(m["h"], m["mi"], m["s"])
    start = m.start()
    before = _TIME_BEFORE_RE.search(text, max(0, start - 16), start)
    if before is None:
        return (0, 0, 0)
    return _hms(before["h"], before["mi"], before["s"])


def _month_ago(now: datetime, months: int) -> datetime:
    total = now.year * 12 + now.month - 1 - months
    y, mo = divmod(total, 12)
    mo += 1
    for d in range(now.day, 27, -1):  # clamp 31 March minus a month to 28/29 February
        try:
            return now.replace(year=y, month=mo, day=d)
        except ValueError:
            continue
    return now.replace(year=y, month=mo, day=min(now.day, 28))


def _resolve_yearless(mo: int, d: int, now: datetime) -> int:
    """The year that puts day d of month mo most recently on or before the day of now."""
    today = now.date()
    for y in range(today.year, today.year - 9, -1):  # 9 years always reach a 29 February
        try:
            if date(y, mo, d) <= today:
                return y
        except ValueError:
            continue
    raise _Impossible(f"no day {d} in month {mo}")


# --------------------------------------------------------------------------- handlers
# Each gets the match, the normalised text and now; returns _Found, _SKIP or raises _Impossible.


def _from_ru(m: re.Match[str], text: str, now: datetime) -> _Found:
    day, mon, year = m.group("day", "mon", "year")
    mo = _MONTHS[mon[:3]]
    d = int(day)
    hms = _time_near(m, text)
    y = int(year) if year else _resolve_yearless(mo, d, now)
    return _make(y, mo, d, hms), False


def _from_numeric(m: re.Match[str], text: str, now: datetime) -> _Found | None:
    raw_year = m["year"]
    if len(raw_year) == 2:
        y = 2000 + int(raw_year)
        if y > now.year + 1:
            y -= 100
        try:
            date(y, int(m["mon"]), int(m["day"]))
        except ValueError:
            return _SKIP  # "12.57.30" and other x.y.zz that are not dates
    else:
        y = int(raw_year)
    hms = _time_near(m, text)
    return _make(y, int(m["mon"]), int(m["day"]), hms), False


def _from_iso(m: re.Match[str], text: str, now: datetime) -> _Found | None:
    hms = _hms(m["h"], m["mi"], m["s"]) if m["h"] else (0, 0, 0)
    us = int(m["frac"][:6].ljust(6, "0")) if m["frac"] else 0
    dt = _make(int(m["year"]), int(m["mon"]), int(m["day"]), hms, us)
    tz = m["tz"]
    if tz:
        if tz in "Zz":
            offset = timedelta(0)
        else:
            digits = tz[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            if tz[0] == "-":
                offset = -offset
        try:
            dt = dt.replace(tzinfo=timezone(offset)).astimezone(MOSCOW)
        except (ValueError, OverflowError) as exc:
            raise _Impossible(str(exc)) from None
    return dt, False


def _from_rel_day(m: re.Match[str], text: str, now: datetime) -> _Found | None:
    day = now.date() - timedelta(days=_REL_DAYS[m["word"].lower()])
    t = _TIME_AFTER_RE.match(text, m.end())
    if t is not None:
        hms = _hms(t["h"], t["mi"], t["s"])
    elif _WORD_ONLY_RE.sub("", text).lower() == m["word"].lower():
        hms = (0, 0, 0)
    else:
        return _SKIP  # «Сегодня мэр сообщил…»: a word of prose, not a date
    return _make(day.year, day.month, day.day, hms), True


def _from_ago(m: re.Match[str], text: str, now: datetime) -> _Found | None:
    unit = m["unit"].lower()
    raw = m["num"]
    if m["half"]:
        if raw or not unit.startswith(("час", "мин", "год")):
            return _SKIP
        n = 0.5
    elif raw is None:
        if unit not in _UNIT_SINGULAR:
            return _SKIP  # «несколько минут назад»: no amount to subtract
        n = 1
    else:
        n = int(raw) if raw.isdigit() else _NUM_WORDS[raw.lower()]
    base = now.replace(microsecond=0)
    if unit.startswith("сек"):
        return base - timedelta(seconds=n), True
    base = base.replace(second=0)
    if unit.startswith("мин"):
        delta = timedelta(minutes=n)
    elif unit.startswith(("час", "ч")):
        delta = timedelta(hours=n)
    elif unit.startswith(("д", "сут")):
        delta = timedelta(days=n)
    elif unit.startswith("нед"):
        delta = timedelta(weeks=n)
    elif unit.startswith("мес"):
        return _month_ago(base, int(n)), True
    else:  # years
        return _month_ago(base, int(n * 12)), True
    return base - delta, True


def _from_just_now(m: re.Match[str], text: str, now: datetime) -> _Found | None:
    if _WORD_ONLY_RE.sub(" ", text).strip().lower() != m[0].lower():
        return _SKIP
    return now.replace(microsecond=0), True


# Patterns that start with a digit, and those keyed on a word. The word patterns are tried only
# when one of their words occurs: a search for a few words is far cheaper than running regexes
# with optional parts over 2,000 characters.
_DIGIT_SEARCHES: Final[tuple[tuple[re.Pattern[str], _Handler], ...]] = (
    (_RU_DATE_RE, _from_ru),
    (_NUM_DATE_RE, _from_numeric),
    (_ISO_RE, _from_iso),
)
_WORD_SEARCHES: Final[tuple[tuple[re.Pattern[str], _Handler], ...]] = (
    (_REL_DAY_RE, _from_rel_day),
    (_AGO_RE, _from_ago),
    (_JUST_NOW_RE, _from_just_now),
)
_DIGIT_LED: Final = frozenset(rx for rx, _ in _DIGIT_SEARCHES)


def _has_keyword(lower: str) -> bool:
    # An "or" chain of str "in" tests: several times faster than an IGNORECASE regex on Cyrillic.
    return (
        "сегодня" in lower
        or "вчера" in lower
        or "назад" in lower
        or "только что" in lower
        or "today" in lower
        or "yesterday" in lower
        or "just now" in lower
    )


# --------------------------------------------------------------------------- the passes


def _accept(found: _Found | None, now: datetime) -> datetime | None:
    if found is None:
        return None
    dt, relative = found
    dt = _moscow(dt)
    if dt.year < MIN_YEAR:
        return None
    if dt > (now if relative else now + _FUTURE_SLACK):
        return None
    return dt


def _machine(text: str) -> datetime | None:
    """Whole-string ISO 8601 or RFC 2822; None when the string is neither (or not cleanly)."""
    if len(text) <= 40 and text[:4].isdigit() and text[4:5] == "-":
        try:
            return _moscow(datetime.fromisoformat(text))
        except ValueError:
            return None
    m = _RFC_RE.fullmatch(text)
    if m is not None:
        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise _Impossible(text) from None
        if dt.tzinfo is None:  # -0000 or a zone name email.utils does not know
            zone = (m["tz"] or "").upper()
            dt = dt.replace(tzinfo=MOSCOW if zone in _MOSCOW_ABBREVIATIONS else UTC)
        return _moscow(dt)
    return None


def _search(text: str, now: datetime) -> tuple[bool, datetime | None]:
    """(found anything, result): the earliest date-like match in the lowercased text decides."""
    digit = _DIGIT_RE.search(text)
    keyword = _has_keyword(text)
    if not keyword:
        if digit is None:
            return False, None
        # The outlet's own format, led by the text's first digit: nothing can start earlier.
        m = _RU_DATE_RE.match(text, digit.start())
        if m is not None:
            return True, _accept(_from_ru(m, text, now), now)
    digit_patterns = _DIGIT_SEARCHES if "-" in text else _DIGIT_SEARCHES[:2]  # ISO needs "-"
    word_patterns = _WORD_SEARCHES if keyword else ()
    pos = 0
    for _ in range(32):  # each skip moves past one match; bound the work anyway
        # The first digit at or after pos: digit-led patterns cannot start before it.
        first_digit = digit.start() if digit is not None else len(text)
        best: re.Match[str] | None = None
        handler: _Handler | None = None
        limit = len(text)
        for rx, h in digit_patterns + word_patterns:
            if best is not None and best.start() <= first_digit and rx in _DIGIT_LED:
                continue  # nothing digit-led can start before the best match so far
            m = rx.search(text, pos, limit)
            if m is not None and (best is None or m.start() < best.start()):
                best, handler = m, h
                # A later pattern only matters if it starts earlier; no match is this long.
                limit = min(limit, m.start() + _MAX_MATCH)
        if best is None or handler is None:
            return False, None
        found = handler(best, text, now)
        if found is not _SKIP:
            return True, _accept(found, now)
        pos = best.start() + 1
        digit = _DIGIT_RE.search(text, pos)
    return False, None


_dp_lock = threading.Lock()
_dp_parser: Any = None
_dp_settings: Any = None


def _dateparser_parser() -> tuple[Any, Any]:
    """The one dateparser parser, built on first use (importing dateparser is not free)."""
    global _dp_parser, _dp_settings
    if _dp_parser is None:
        from dateparser.date import DateDataParser

        parser = DateDataParser(
            languages=["ru", "en"],
            settings={
                "PREFER_DATES_FROM": "past",
                "RETURN_AS_TIMEZONE_AWARE": True,
                "TIMEZONE": "Europe/Moscow",
                "TO_TIMEZONE": "Europe/Moscow",
            },
        )
        _dp_settings = parser._settings
        _dp_parser = parser
    return _dp_parser, _dp_settings


def _long_tail(text: str, now: datetime) -> datetime | None:
    """dateparser, fenced in: short strings only, and only answers that name a day."""
    if len(text) > DATEPARSER_MAX_CHARS:
        return None
    relative = _RELATIVE_MARKER_RE.search(text) is not None
    if not relative and not _DIGIT_RE.search(text):
        return None  # «вторник», «на прошлой неделе»: no day of publication
    if not _LETTER_RE.search(text) and not _YMD_START_RE.match(text):
        return None  # a lone number, a lone time, «05.09», «12.57.30»: only 2023/09/05 may pass
    if not dateparser_may_read(text):
        return None  # «Фото: Иван 2»: a word dateparser does not know, so it reads no date
    return _dateparser_date(text, now, relative)


def _fold(word: str) -> str:
    """Accents dropped, as dateparser normalises its input («трёх» → «трех»)."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def dateparser_may_read(text: str) -> bool:
    """Whether dateparser (ru, en) could read a date in ``text``, without loading it.

    dateparser reads a string only when each of its words is in one language's dictionary
    (``date_words``: dateparser's own data). So the text qualifies when a word names a month, a
    weekday or a relative day, or when every word is one of dateparser's other words (units,
    skip words, numerals, time zones: «2 часа», «on 2023 09 05», «11/19/19 06:56 AM EST»). An
    ordinary paragraph with a digit («Фото: Иван 2», «Телефон: 8 495 …») does not, and no
    longer loads dateparser (0.2–0.7 s a run).
    """
    all_known = True
    for word in _WORD_RE.findall(text.lower()):
        if word in DATE_WORDS:
            return True
        if word in OTHER_WORDS:
            continue
        folded = _fold(word)
        if folded in DATE_WORDS:
            return True
        if folded not in OTHER_WORDS:
            all_known = False
    return all_known


def _dateparser_date(text: str, now: datetime, relative: bool) -> datetime | None:
    """dateparser's reading of a short string, kept only when it names a day and a month."""
    with _dp_lock:
        parser, settings = _dateparser_parser()
        # dateparser's own search_dates swaps RELATIVE_BASE the same way.
        parser._settings = settings.replace(RELATIVE_BASE=now.replace(tzinfo=None))
        data = parser.get_date_data(text)
    dt = data.date_obj
    if dt is None or data.period not in ("day", "time"):
        return None
    parts = getattr(data, "parts", None)
    if parts is not None:
        if not {"day", "month"} <= set(parts):
            return None  # «в 12»: dateparser read a lone number as a day
    elif not relative and len(_NUMBER_RE.findall(text)) < 2:
        return None  # a dateparser without DateData.parts: a lone number is no date either
    explicit = not relative and _YEAR_RE.search(text) is not None
    return _accept((_moscow(dt), not explicit), now)


def _reference(now: datetime | None) -> datetime:
    if not isinstance(now, datetime):
        return now_moscow()
    return _moscow(now)


def parse_date(text: str, now: datetime | None = None) -> datetime | None:
    """The publication date in text, in Moscow time, or None. Never raises."""
    try:
        if isinstance(text, bytes | bytearray):
            text = bytes(text[: SCAN_CHARS * 4]).decode("utf-8", "replace")
        if not isinstance(text, str) or not text:
            return None
        ref = _reference(now)
        head = text[:SCAN_CHARS]
        if _INVISIBLE_RE.search(head):
            head = _INVISIBLE_RE.sub(" ", head)
        head = " ".join(head.split())  # NBSP, thin and other Unicode spaces → one plain space
        if not head:
            return None
        try:
            machine = _machine(head)
            if machine is not None:
                return _accept((machine, False), ref)
            # Searched lowercased: the patterns need no IGNORECASE, which is slow on Cyrillic.
            found, result = _search(head.lower(), ref)
            if found:
                return result
        except _Impossible as exc:
            logger.debug("impossible date in %.80r: %s", head, exc)
            return None
        return _long_tail(head, ref)
    except Exception:  # a parser must not take the crawl down with it
        logger.debug("date parsing failed on %.80r", text, exc_info=True)
        return None


def utc_now() -> str:
    """Now, ISO 8601 UTC to the second: ``scraped_at``, run and row bookkeeping."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()
