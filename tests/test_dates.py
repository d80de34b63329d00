"""newsbot.core.dates: every format the outlet and the standard signals use, with a frozen now."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsbot.core import dates
from newsbot.core.dates import MOSCOW, now_moscow, parse_date, to_iso

# The reference article's «Читайте также» block was read on this afternoon.
NOW = datetime(2026, 1, 16, 15, 0, tzinfo=MOSCOW)
# Early January: year-less dates from December belong to the previous year.
JAN10 = datetime(2026, 1, 10, 12, 0, tzinfo=MOSCOW)
EST = timezone(timedelta(hours=-5))


def _check(text: str, now: datetime, expected: str | None) -> None:
    result = parse_date(text, now)
    if expected is None:
        assert result is None, f"{text!r} gave {result!r}"
        return
    assert result is not None, f"{text!r} gave None"
    assert to_iso(result) == expected
    assert result.tzinfo is MOSCOW
    assert result == datetime.fromisoformat(expected)


# The top of the reference article's visible text (shared/reference/uv-kurier-article.txt).
ARTICLE_HEAD = (
    "Москва. Юго-Восточный\nадминистративный округ\n"
    "Опубликовано 05 Сен 2023 в 12:57 | Текст: Юго-Восточный Курьер\n\n"
    "Собянин: Здравоохранение Москвы к 2025 году может полностью перейти на цифровой"
)


OUTLET = [
    ("Опубликовано 05 Сен 2023 в 12:57 | Текст: Юго-Восточный Курьер", "2023-09-05T12:57:00+03:00"),
    ("16 Янв 2026 в 13:01", "2026-01-16T13:01:00+03:00"),
    ("16 Янв 2026 в 11:06", "2026-01-16T11:06:00+03:00"),
    ("15 Янв 2026 в 16:02", "2026-01-15T16:02:00+03:00"),
    (ARTICLE_HEAD, "2023-09-05T12:57:00+03:00"),
    ("Опубликовано 05 сен 2023 в 12:57", "2023-09-05T12:57:00+03:00"),
    ("Опубликовано 05 СЕН 2023 в 12:57", "2023-09-05T12:57:00+03:00"),
    ("05 Сен. 2023 в 12:57", "2023-09-05T12:57:00+03:00"),
    ("05 Сент 2023 в 12:57", "2023-09-05T12:57:00+03:00"),
    ("05 Сент. 2023 в 12:57", "2023-09-05T12:57:00+03:00"),
    ("Опубликовано:05 Сен 2023 в 12:57", "2023-09-05T12:57:00+03:00"),
    ("05 Сен 2023 в 12:57:30", "2023-09-05T12:57:30+03:00"),
    ("05 Сен 2023", "2023-09-05T00:00:00+03:00"),
    ("12 Фев 2024 в 08:15", "2024-02-12T08:15:00+03:00"),
    ("12 Мар 2024 в 08:15", "2024-03-12T08:15:00+03:00"),
    ("12 Апр 2024 в 08:15", "2024-04-12T08:15:00+03:00"),
    ("12 Мая 2024 в 08:15", "2024-05-12T08:15:00+03:00"),
    ("12 Май 2024 в 08:15", "2024-05-12T08:15:00+03:00"),
    ("12 Июн 2024 в 08:15", "2024-06-12T08:15:00+03:00"),
    ("12 Июня 2024 в 08:15", "2024-06-12T08:15:00+03:00"),
    ("12 Июл 2024 в 08:15", "2024-07-12T08:15:00+03:00"),
    ("12 Июля 2024 в 08:15", "2024-07-12T08:15:00+03:00"),
    ("12 Авг 2024 в 08:15", "2024-08-12T08:15:00+03:00"),
    ("12 Окт 2024 в 08:15", "2024-10-12T08:15:00+03:00"),
    ("12 Ноя 2024 в 08:15", "2024-11-12T08:15:00+03:00"),
    ("12 Нояб. 2024 в 08:15", "2024-11-12T08:15:00+03:00"),
    ("12 Дек 2024 в 08:15", "2024-12-12T08:15:00+03:00"),
    # 2011-2014 Moscow kept UTC+4 all year: the offset follows the zone's history.
    ("05 Сен 2013 в 12:57", "2013-09-05T12:57:00+04:00"),
]

RUSSIAN_WORDS = [
    ("5 сентября 2023 года, 12:57", "2023-09-05T12:57:00+03:00"),
    ("5 сентября 2023 в 12:57", "2023-09-05T12:57:00+03:00"),
    ("5 сентября 2023 г. в 12:57", "2023-09-05T12:57:00+03:00"),
    ("5 мая 2023г. в 10:00", "2023-05-05T10:00:00+03:00"),
    ("5 сентября 2023", "2023-09-05T00:00:00+03:00"),
    ("5 Сентября 2023 года", "2023-09-05T00:00:00+03:00"),
    ("вторник, 5 сентября 2023", "2023-09-05T00:00:00+03:00"),
    ("Вторник, 5 сентября 2023, 12:57", "2023-09-05T12:57:00+03:00"),
    ("Вт, 5 Сен 2023 12:57", "2023-09-05T12:57:00+03:00"),
    ("1 января 2024", "2024-01-01T00:00:00+03:00"),
    ("28 февраля 2024", "2024-02-28T00:00:00+03:00"),
    ("29 февраля 2024", "2024-02-29T00:00:00+03:00"),
    ("31 марта 2024", "2024-03-31T00:00:00+03:00"),
    ("30 апреля 2024", "2024-04-30T00:00:00+03:00"),
    ("31 августа 2024", "2024-08-31T00:00:00+03:00"),
    ("31 октября 2024", "2024-10-31T00:00:00+03:00"),
    ("30 ноября 2024", "2024-11-30T00:00:00+03:00"),
    ("31 декабря 2024", "2024-12-31T00:00:00+03:00"),
    ("5-го сентября 2023", "2023-09-05T00:00:00+03:00"),
    # Nominative after a day number is ungrammatical but unambiguous.
    ("5 сентябрь 2023", "2023-09-05T00:00:00+03:00"),
    # A time written before the date, as news wires do.
    ("12:57, 5 сентября 2023", "2023-09-05T12:57:00+03:00"),
    ("12:57 05.09.2023", "2023-09-05T12:57:00+03:00"),
]

NUMERIC = [
    ("05.09.2023 12:57", "2023-09-05T12:57:00+03:00"),
    ("05.09.2023 12.57", "2023-09-05T12:57:00+03:00"),
    ("05.09.2023, 12:57:30", "2023-09-05T12:57:30+03:00"),
    ("05.09.2023 в 12:57", "2023-09-05T12:57:00+03:00"),
    ("05.09.2023", "2023-09-05T00:00:00+03:00"),
    ("5.9.2023", "2023-09-05T00:00:00+03:00"),
    ("05.09.23", "2023-09-05T00:00:00+03:00"),
    ("05.09.99", "1999-09-05T00:00:00+04:00"),
    ("05/09/2023", "2023-09-05T00:00:00+03:00"),
    ("05-09-2023 12:57", "2023-09-05T12:57:00+03:00"),
    ("Обновлено 05.09.2023 12:57", "2023-09-05T12:57:00+03:00"),
    # «10.000» is a number, not the time 10:00.
    ("05.09.2023 10.000 человек", "2023-09-05T00:00:00+03:00"),
]

ISO = [
    ("2023-09-05T12:57:00+03:00", "2023-09-05T12:57:00+03:00"),
    ("2023-09-05T09:57:00Z", "2023-09-05T12:57:00+03:00"),
    ("2023-09-05T09:57:00+00:00", "2023-09-05T12:57:00+03:00"),
    ("2023-09-05T11:57:00+0200", "2023-09-05T12:57:00+03:00"),
    ("2023-09-05T05:57:00-04:00", "2023-09-05T12:57:00+03:00"),
    ("2023-09-05T12:57:00", "2023-09-05T12:57:00+03:00"),
    ("2023-09-05 12:57", "2023-09-05T12:57:00+03:00"),
    ("2023-09-05", "2023-09-05T00:00:00+03:00"),
    ("  2023-09-05T12:57:00+03:00\n", "2023-09-05T12:57:00+03:00"),
    ("Обновлено: 2023-09-05T09:57:00Z", "2023-09-05T12:57:00+03:00"),
    ('<time datetime="2023-09-05T12:57:00+03:00">5 сентября</time>', "2023-09-05T12:57:00+03:00"),
    ("2024-02-29", "2024-02-29T00:00:00+03:00"),
]

RFC = [
    ("Tue, 05 Sep 2023 09:57:00 +0000", "2023-09-05T12:57:00+03:00"),
    ("Tue, 05 Sep 2023 12:57:00 +0300", "2023-09-05T12:57:00+03:00"),
    ("Tue, 05 Sep 2023 09:57:00 GMT", "2023-09-05T12:57:00+03:00"),
    ("Tue, 05 Sep 2023 09:57:00 -0000", "2023-09-05T12:57:00+03:00"),
    ("Tue, 05 Sep 2023 12:57:00 MSK", "2023-09-05T12:57:00+03:00"),
    ("05 Sep 2023 09:57 +0000", "2023-09-05T12:57:00+03:00"),
]

RELATIVE = [
    ("Сегодня в 14:05", "2026-01-16T14:05:00+03:00"),
    ("сегодня, 14:05", "2026-01-16T14:05:00+03:00"),
    ("сегодня 14.05", "2026-01-16T14:05:00+03:00"),
    ("вчера, 09:30", "2026-01-15T09:30:00+03:00"),
    ("Вчера в 23:59", "2026-01-15T23:59:00+03:00"),
    ("позавчера в 9.30", "2026-01-14T09:30:00+03:00"),
    ("Сегодня", "2026-01-16T00:00:00+03:00"),
    ("вчера.", "2026-01-15T00:00:00+03:00"),
    ("Today at 10:00", "2026-01-16T10:00:00+03:00"),
    ("yesterday 10:00", "2026-01-15T10:00:00+03:00"),
    ("только что", "2026-01-16T15:00:00+03:00"),
    ("Только что", "2026-01-16T15:00:00+03:00"),
    ("30 секунд назад", "2026-01-16T14:59:30+03:00"),
    ("минуту назад", "2026-01-16T14:59:00+03:00"),
    ("1 минуту назад", "2026-01-16T14:59:00+03:00"),
    ("2 минуты назад", "2026-01-16T14:58:00+03:00"),
    ("5 минут назад", "2026-01-16T14:55:00+03:00"),
    ("21 минуту назад", "2026-01-16T14:39:00+03:00"),
    ("3 мин. назад", "2026-01-16T14:57:00+03:00"),
    ("полчаса назад", "2026-01-16T14:30:00+03:00"),
    ("час назад", "2026-01-16T14:00:00+03:00"),
    ("2 часа назад", "2026-01-16T13:00:00+03:00"),
    ("5 часов назад", "2026-01-16T10:00:00+03:00"),
    ("21 час назад", "2026-01-15T18:00:00+03:00"),
    ("5 ч. назад", "2026-01-16T10:00:00+03:00"),
    ("день назад", "2026-01-15T15:00:00+03:00"),
    ("2 дня назад", "2026-01-14T15:00:00+03:00"),
    ("5 дней назад", "2026-01-11T15:00:00+03:00"),
    ("неделю назад", "2026-01-09T15:00:00+03:00"),
    ("две недели назад", "2026-01-02T15:00:00+03:00"),
    ("3 месяца назад", "2025-10-16T15:00:00+03:00"),
    ("год назад", "2025-01-16T15:00:00+03:00"),
    ("полгода назад", "2025-07-16T15:00:00+03:00"),
    ("2 года назад", "2024-01-16T15:00:00+03:00"),
    ("5 лет назад", "2021-01-16T15:00:00+03:00"),
    ("Опубликовано 5 минут назад", "2026-01-16T14:55:00+03:00"),
]

RELATIVE_LONG_TAIL = [
    # Through dateparser, still relative to now.
    ("10 minutes ago", "2026-01-16T14:50:00+03:00"),
    ("an hour ago", "2026-01-16T14:00:00+03:00"),
    ("полтора часа назад", "2026-01-16T13:30:00+03:00"),
]

SPACES = [
    ("05\u00a0Сен\u00a02023 в\u00a012:57", "2023-09-05T12:57:00+03:00"),
    ("05\u2009Сен\u2009 2023  в\u202f12:57", "2023-09-05T12:57:00+03:00"),
    ("Опубликовано\t05   Сен\n2023\u200bв 12:57", "2023-09-05T12:57:00+03:00"),
    ("5\u00a0сентября\u00a02023\u00a0года,\u00a012:57", "2023-09-05T12:57:00+03:00"),
    ("сегодня\u00a0в\u00a014:05", "2026-01-16T14:05:00+03:00"),
    ("5\u00a0минут\u00a0назад", "2026-01-16T14:55:00+03:00"),
]

LONG_TAIL = [
    ("September 5, 2023 12:57 pm", "2023-09-05T12:57:00+03:00"),
    ("5th of September 2023", "2023-09-05T00:00:00+03:00"),
    ("Tue Sep 5 09:57:00 2023", "2023-09-05T09:57:00+03:00"),
    ("2023/09/05", "2023-09-05T00:00:00+03:00"),
    ("2023.09.05", "2023-09-05T00:00:00+03:00"),
    ("пятого сентября 2023", "2023-09-05T00:00:00+03:00"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    OUTLET
    + RUSSIAN_WORDS
    + NUMERIC
    + ISO
    + RFC
    + RELATIVE
    + SPACES
    + RELATIVE_LONG_TAIL
    + LONG_TAIL,
)
def test_formats(text: str, expected: str) -> None:
    _check(text, NOW, expected)


YEARLESS = [
    # The most recent such day not after the day of now.
    ("25 декабря", JAN10, "2025-12-25T00:00:00+03:00"),
    ("25 Дек в 18:30", JAN10, "2025-12-25T18:30:00+03:00"),
    ("5 января в 10:00", JAN10, "2026-01-05T10:00:00+03:00"),
    ("10 января", JAN10, "2026-01-10T00:00:00+03:00"),
    # Same day, later hour: still today (within the day of slack), not a year ago.
    ("10 января в 13:00", JAN10, "2026-01-10T13:00:00+03:00"),
    ("11 января", JAN10, "2025-01-11T00:00:00+03:00"),
    ("29 февраля", JAN10, "2024-02-29T00:00:00+03:00"),
    ("31 декабря", datetime(2026, 12, 31, 23, 0, tzinfo=MOSCOW), "2026-12-31T00:00:00+03:00"),
    ("1 января, 00:05", datetime(2026, 1, 1, 0, 10, tzinfo=MOSCOW), "2026-01-01T00:05:00+03:00"),
    ("Сегодня в 00:00", datetime(2026, 1, 1, 0, 0, tzinfo=MOSCOW), "2026-01-01T00:00:00+03:00"),
    ("вчера в 23:50", datetime(2026, 1, 1, 0, 10, tzinfo=MOSCOW), "2025-12-31T23:50:00+03:00"),
    ("3 месяца назад", datetime(2026, 5, 31, 12, 0, tzinfo=MOSCOW), "2026-02-28T12:00:00+03:00"),
]


@pytest.mark.parametrize(("text", "now", "expected"), YEARLESS)
def test_yearless_and_relative_resolve_against_now(text: str, now: datetime, expected: str) -> None:
    _check(text, now, expected)


NONE_CASES = [
    # Impossible dates and times: None, not a guess.
    "32 Сен 2023",
    "05 Сен 2023 в 25:61",
    "05 Сен 2023 в 24:00",
    "30 февраля 2024",
    "29 февраля 2023",
    "30 февраля",
    "13.13.2023",
    "31.04.2023",
    "00.09.2023",
    "2023-13-01",
    "2023-02-30",
    "2023-09-05T25:00:00",
    "2023-09-05T12:57:00+25:00",
    "0000-00-00 00:00:00",
    # Before 1900: not a web publication date (and LMT offsets nobody wants).
    "1850-06-01",
    "5 мая 1812",
    "01.01.1899",
    "Tue, 31 Feb 2023 09:57:00 GMT",
    "вчера в 25:00",
    "Feb 30 2023",
    "31/02/2023",
    # Not a date: a lone number, a lone time, a year, a month alone, ambiguous day.month.
    "12",
    "2023",
    "20230905",
    "12:57",
    "12.57",
    "12.57.30",
    "в 12",
    "05.09",
    "Сентябрь 2023",
    "сентябрь",
    "в сентябре 2023 года",
    "Sep 2023",
    "вторник",
    "на прошлой неделе",
    "несколько минут назад",
    "Сегодня мэр сообщил о новой школе",
    "только что мэр сообщил о новой школе",
    "Страница 2",
    "Текст: Юго-Восточный Курьер",
    "2-5 мая",
    # The future: relative never, explicit not beyond a day after now.
    "сегодня в 23:00",
    "завтра",
    "завтра в 10:00",
    "через 2 дня",
    "in 2 days",
    "18 января 2026",
    "5 сентября 2027",
    "31.12.2099",
    "2026-01-18T12:00:00+03:00",
    "Tue, 05 Sep 2028 09:57:00 +0000",
]


@pytest.mark.parametrize("text", NONE_CASES)
def test_no_valid_date_gives_none(text: str) -> None:
    assert parse_date(text, NOW) is None


def test_explicit_date_within_a_day_of_now_is_kept() -> None:
    # Clock or zone skew between the site and the crawler: less than a day ahead is accepted.
    assert to_iso(parse_date("17 Янв 2026 в 10:00", NOW)) == "2026-01-17T10:00:00+03:00"
    assert parse_date("17 Янв 2026 в 16:00", NOW) is None


def test_first_date_in_text_wins() -> None:
    text = "Опубликовано 05 Сен 2023 в 12:57 | Читайте также: 16 Янв 2026 в 13:01"
    assert to_iso(parse_date(text, NOW)) == "2023-09-05T12:57:00+03:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Обновлено 06.09.2023 | Опубликовано 05 Сен 2023", "2023-09-06T00:00:00+03:00"),
        ("вчера в 10:00 | 05 Сен 2023 в 12:57", "2026-01-15T10:00:00+03:00"),
        ("05 Сен 2023 в 12:57 | вчера в 10:00", "2023-09-05T12:57:00+03:00"),
        ("Сегодня мэр открыл школу. Опубликовано 05 Сен 2023", "2023-09-05T00:00:00+03:00"),
        ("версия 12.57.30, опубликовано 05.09.2023", "2023-09-05T00:00:00+03:00"),
    ],
)
def test_earliest_date_wins_and_non_dates_are_passed_over(text: str, expected: str) -> None:
    _check(text, NOW, expected)


def test_date_after_a_long_wordy_prefix_is_found() -> None:
    text = "слово " * 300 + "Опубликовано 05 Сен 2023 в 12:57"
    assert to_iso(parse_date(text, NOW)) == "2023-09-05T12:57:00+03:00"


def test_concurrent_long_tail_calls_keep_their_own_now() -> None:
    # The shared dateparser object gets RELATIVE_BASE per call; threads must not mix them up.
    nows = [NOW - timedelta(days=i) for i in range(4)]

    def work(now: datetime) -> set[str]:
        return {to_iso(parse_date("an hour ago", now)) for _ in range(10)}

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, nows))
    assert results == [{to_iso(now - timedelta(hours=1))} for now in nows]


def test_iso_fraction_kept_and_to_iso_drops_it() -> None:
    result = parse_date("2023-09-05T09:57:00.123456Z", NOW)
    assert result is not None
    assert result.microsecond == 123456
    assert to_iso(result) == "2023-09-05T12:57:00+03:00"


@pytest.mark.parametrize(
    "text", [None, 12345, 3.5, object(), ["05.09.2023"], "", "   ", "\x00\x01"]
)
def test_non_strings_and_empty_give_none(text: object) -> None:
    assert parse_date(text, NOW) is None  # type: ignore[arg-type]


def test_bytes_are_decoded() -> None:
    assert to_iso(parse_date("05 Сен 2023".encode(), NOW)) == "2023-09-05T00:00:00+03:00"  # type: ignore[arg-type]


def test_markup_without_date_gives_none() -> None:
    html = (
        "<html><head><script>var x = 12; if (a < 5) {}</script><style>.a{width:12px}</style>"
        "</head><body><div class='post-1234 col-12'><p>Привет, мир</p></div></body></html>"
    )
    assert parse_date(html, NOW) is None


def test_markup_with_a_date_is_read() -> None:
    html = '<span class="date">Опубликовано 05 Сен 2023 в 12:57</span> | <a href="/x">Текст</a>'
    assert to_iso(parse_date(html, NOW)) == "2023-09-05T12:57:00+03:00"


def test_huge_input_without_date() -> None:
    assert parse_date("слово " * 1_000_000, NOW) is None
    assert parse_date("7" * 5_000_000, NOW) is None


def test_huge_input_reads_only_the_head() -> None:
    head = "Опубликовано 05 Сен 2023 в 12:57 | Текст: Юго-Восточный Курьер\n"
    assert to_iso(parse_date(head + "х" * 5_000_000, NOW)) == "2023-09-05T12:57:00+03:00"
    # A date buried past the scanned prefix is not looked for.
    assert parse_date("х" * 5_000_000 + head, NOW) is None


def test_random_binary_junk_never_raises() -> None:
    rng = random.Random(20260116)
    for _ in range(100):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600))).decode("latin-1")
        result = parse_date(junk, NOW)
        assert result is None or (result.tzinfo is MOSCOW and result <= NOW + timedelta(days=1))


def test_results_are_aware_moscow() -> None:
    for text in ["05.09.2023", "2023-09-05T09:57:00Z", "Tue, 05 Sep 2023 09:57:00 +0000", "вчера"]:
        result = parse_date(text, NOW)
        assert result is not None
        assert result.tzinfo is MOSCOW
        assert result.utcoffset() == timedelta(hours=3)


def test_naive_now_is_moscow_and_aware_now_is_converted() -> None:
    naive = datetime(2026, 1, 16, 15, 0)
    utc = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
    expected = "2026-01-16T14:55:00+03:00"
    assert to_iso(parse_date("5 минут назад", naive)) == expected
    assert to_iso(parse_date("5 минут назад", utc)) == expected
    # Just after midnight in Moscow it is still the previous day in UTC.
    late = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)
    assert to_iso(parse_date("сегодня в 00:15", late)) == "2026-01-16T00:15:00+03:00"


def test_default_now_is_current_moscow_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "now_moscow", lambda: NOW)
    assert to_iso(parse_date("вчера, 09:30")) == "2026-01-15T09:30:00+03:00"
    assert parse_date("сегодня в 23:00") is None


def test_bad_now_falls_back_to_current_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dates, "now_moscow", lambda: NOW)
    assert to_iso(parse_date("час назад", "yesterday")) == "2026-01-16T14:00:00+03:00"  # type: ignore[arg-type]


def test_now_moscow_is_aware_moscow() -> None:
    now = now_moscow()
    assert now.tzinfo is MOSCOW
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


def test_fast_paths_do_not_touch_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> None:
        raise AssertionError("dateparser was called")

    monkeypatch.setattr(dates, "_dateparser_parser", boom)
    cases = OUTLET + RUSSIAN_WORDS + NUMERIC + ISO + RFC + RELATIVE + SPACES
    for text, expected in cases:
        assert to_iso(parse_date(text, NOW)) == expected, text


def test_dateparser_failure_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> None:
        raise RuntimeError("broken dateparser")

    monkeypatch.setattr(dates, "_dateparser_parser", boom)
    assert parse_date("September 5, 2023", NOW) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (datetime(2023, 9, 5, 12, 57, tzinfo=MOSCOW), "2023-09-05T12:57:00+03:00"),
        (datetime(2023, 9, 5, 12, 57), "2023-09-05T12:57:00+03:00"),
        (datetime(2023, 9, 5, 9, 57, tzinfo=UTC), "2023-09-05T12:57:00+03:00"),
        (
            datetime(2023, 9, 5, 4, 57, tzinfo=timezone(timedelta(hours=-5))),
            "2023-09-05T12:57:00+03:00",
        ),
        (datetime(2023, 9, 5, 12, 57, 30, 999999, tzinfo=MOSCOW), "2023-09-05T12:57:30+03:00"),
    ],
)
def test_to_iso(value: datetime | None, expected: str) -> None:
    assert to_iso(value) == expected
