"""newsbot.enrich.districts: inflected district names found, look-alikes refused, fixed order."""

from __future__ import annotations

import random

import pytest

from newsbot.enrich import districts as d
from newsbot.enrich.districts import DISTRICTS, find_districts, morph_analyzer
from tests.conftest import run_python


def test_districts_constant_in_the_documented_order() -> None:
    assert DISTRICTS == (
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


# Every district in at least two grammatical cases, in sentences like the outlet's.
FOUND = [
    ("Выхино-Жулебино", "В районе Выхино-Жулебино открыли новый сквер."),
    ("Выхино-Жулебино", "Жители Выхина-Жулебина выбрали проект благоустройства."),
    ("Выхино-Жулебино", "Новую поликлинику построят в Выхине."),
    ("Выхино-Жулебино", "В Жулебине заработал каток."),
    ("Выхино-Жулебино", "Автобус пойдет от Выхино до Котельников."),
    ("Капотня", "Район Капотня отметил день рождения."),
    ("Капотня", "Экологи проверили воздух в Капотне."),
    ("Капотня", "Жители Капотни получили новые ключи."),
    ("Кузьминки", "Парк Кузьминки готов к зиме."),
    ("Кузьминки", "В Кузьминках открыли библиотеку."),
    ("Кузьминки", "Школьники из Кузьминок победили в олимпиаде."),
    ("Лефортово", "Район Лефортово вошел в программу реновации."),
    ("Лефортово", "В Лефортове отреставрируют дворец."),
    ("Лефортово", "Экскурсия по Лефортову пройдет в субботу."),
    ("Люблино", "Управа района Люблино провела встречу с жителями."),
    ("Люблино", "В Люблине благоустроят дворы."),
    ("Люблино", "Из Люблина в центр пустят новый автобус."),
    ("Люблино", "Фестиваль пройдет в Люблино."),
    ("Марьино", "Ярмарка выходного дня откроется в Марьине."),
    ("Марьино", "Жители Марьина проголосовали за новый парк."),
    ("Марьино", "Район Марьино лидирует по числу новоселов."),
    ("Некрасовка", "В Некрасовке открылась новая школа."),
    ("Некрасовка", "Жители Некрасовки получили квартиры."),
    ("Некрасовка", "Ветку метро продлили в Некрасовку."),
    ("Нижегородский", "В Нижегородском районе отремонтируют дороги."),
    ("Нижегородский", "Глава управы Нижегородского района встретился с жителями."),
    ("Нижегородский", "Нижегородский район вошел в тройку лидеров."),
    ("Нижегородский", "Совет депутатов муниципального округа Нижегородский собрался на заседание."),
    ("Печатники", "В Печатниках открыли спортивную площадку."),
    ("Печатники", "Жители района Печатники обсудили проект."),
    ("Печатники", "Для Печатников построят новую школу."),
    ("Рязанский", "В Рязанском районе высадили деревья."),
    ("Рязанский", "Управа Рязанского района объявила конкурс."),
    ("Рязанский", "Жителей района «Рязанский» пригласили на праздник."),
    ("Текстильщики", "В Текстильщиках отремонтировали поликлинику."),
    ("Текстильщики", "Жители района Текстильщики выбрали цвет фасадов."),
    ("Текстильщики", "Школа в районе Текстильщики — одна из лучших."),
    ("Южнопортовый", "Управа Южнопортового района подвела итоги года."),
    ("Южнопортовый", "В Южнопортовом районе построят паркинг."),
    ("Южнопортовый", "Южнопортовый район преобразится к лету."),
]


@pytest.mark.parametrize(("district", "text"), FOUND)
def test_district_found_in_inflected_forms(district: str, text: str) -> None:
    assert find_districts(text) == [district]


def test_every_district_is_covered_in_two_forms() -> None:
    forms: dict[str, set[str]] = {}
    for district, text in FOUND:
        forms.setdefault(district, set()).add(text)
    assert set(forms) == set(DISTRICTS)
    assert all(len(v) >= 2 for v in forms.values())


@pytest.mark.parametrize(
    "text",
    [
        # Streets and objects named after a district are not the district.
        "Движение по Люблинской улице ограничат.",
        "На Рязанском проспекте открыли выделенную полосу.",
        "Нижегородская улица станет шире.",
        "Лефортовский тоннель закроют на ночь.",
        "В Кузьминском парке прошел забег.",
        "Марьинский парк ждет посетителей.",
        "Капотненский проезд отремонтируют.",
        "Библиотека на Выхинской улице открылась после ремонта.",
        "Ветеранов пригласили на Южнопортовую улицу.",
        "Движение по улице Текстильщиков изменится.",
        "На 1-й ул. Текстильщиков открыли сквер.",
        "Печатников переулок закрыт на ремонт.",
        "Пробки на Рязанском шоссе и Нижегородском шоссе.",
        "Заправка на Южнопортовом проезде.",
        "На территории округа Рязанский проспект перекроют.",
        # Adjectival names without «район».
        "Делегация из Нижегородской области приехала в Москву.",
        "Рязанский кремль посетили школьники.",
        "Нижегородский вокзал закрыт.",
        "Поезд до Рязани и рязанский хлеб.",
        # Namesakes elsewhere.
        "В Рязанском районе Рязанской области собрали урожай.",
        "Жители Нижегородского района Нижнего Новгорода выбрали депутатов.",
        "Гулянья прошли в Марьиной Роще.",
        "Район Марьина Роща находится на северо-востоке Москвы.",
        "Переезд в Марьину Рощу занял неделю.",
        "Стихи Некрасова прочитали школьники.",
        "Поэт Николай Некрасов родился в 1821 году.",
        # Trades, lowercase and sentence-initial.
        "Текстильщики фабрики «Красная роза» вышли на работу.",
        "На фабрике работают текстильщики и печатники.",
        "Печатники типографии получили премию.",
        "«Текстильщики» сыграли вничью.",
        # Lowercase names are not names.
        "это было в люблино и в марьино",
    ],
)
def test_look_alikes_are_not_districts(text: str) -> None:
    assert find_districts(text) == []


def test_trade_word_at_sentence_start_and_district_mid_sentence() -> None:
    text = "Текстильщики фабрики вышли на субботник. Он прошел в Текстильщиках."
    assert find_districts(text) == ["Текстильщики"]


def test_hyphenated_and_solo_halves_of_vykhino_zhulebino() -> None:
    assert find_districts("Выхино-Жулебино") == ["Выхино-Жулебино"]
    assert find_districts("Выхино\u2011Жулебино") == ["Выхино-Жулебино"]
    assert find_districts("станция «Выхино»") == ["Выхино-Жулебино"]
    assert find_districts("в Жулебино") == ["Выхино-Жулебино"]


def test_coordinated_adjectival_districts() -> None:
    assert find_districts("в Нижегородском и Рязанском районах") == ["Нижегородский", "Рязанский"]
    assert find_districts("Рязанский, Южнопортовый и Нижегородский районы") == [
        "Нижегородский",
        "Рязанский",
        "Южнопортовый",
    ]
    assert find_districts("районы Нижегородский и Южнопортовый") == [
        "Нижегородский",
        "Южнопортовый",
    ]
    assert find_districts("Рязанский р-н") == ["Рязанский"]


def test_metro_stations_named_like_districts_count() -> None:
    assert find_districts("У станции метро «Кузьминки» поставили новый павильон.") == ["Кузьминки"]


def test_multiple_districts_in_fixed_order_without_duplicates() -> None:
    text = (
        "Южнопортового района, В Текстильщиках, в Люблине и снова в Люблино, а также в Капотне. "
        "Из Выхина в Жулебино, затем в Выхино-Жулебино. В Люблине ещё раз."
    )
    assert find_districts(text) == [
        "Выхино-Жулебино",
        "Капотня",
        "Люблино",
        "Текстильщики",
        "Южнопортовый",
    ]


def test_several_texts_are_merged() -> None:
    assert find_districts("В Марьине", None, "", "В Капотне", "В Марьине") == [
        "Капотня",
        "Марьино",
    ]


def test_all_caps_headline() -> None:
    assert find_districts("НОВАЯ ШКОЛА В ЛЕФОРТОВЕ") == ["Лефортово"]


def test_invisible_characters_do_not_hide_a_name() -> None:
    assert find_districts("в\u00a0Люб\u00adлине и в Кузь\u200bминках") == ["Кузьминки", "Люблино"]


@pytest.mark.parametrize("junk", [None, "", "   ", "\x00\x01\ufffd", "-----", 42, b"\xd0\x9b"])
def test_empty_and_junk_input(junk: object) -> None:
    assert find_districts(junk) == []  # type: ignore[arg-type]
    assert find_districts() == []


def test_random_junk_never_raises() -> None:
    rng = random.Random(5)
    for _ in range(50):
        junk = "".join(chr(rng.randrange(0x20, 0x500)) for _ in range(300))
        assert find_districts(junk) == []  # no district name in random characters


def test_long_text() -> None:
    filler = (
        "В Москве в Гостином дворе прошло пленарное заседание «Современная Россия: "
        "устойчивость к вызовам времени» V Форума социальных инноваций регионов. "
    )
    text = filler * 300 + "Новый маршрут свяжет Некрасовку и Капотню. " + filler * 300
    assert len(text) > 80_000
    assert find_districts(text) == ["Капотня", "Некрасовка"]
    assert find_districts(filler * 600) == []


def test_the_analyser_is_built_once() -> None:
    assert morph_analyzer() is morph_analyzer()


def _dictionary_forms() -> tuple[dict[str, str], dict[str, str]]:
    """The form tables as the pymorphy3 dictionary gives them: each noun's «Geox» paradigm,
    each adjective's masculine singular forms (the ones that agree with «район»)."""
    morph = morph_analyzer()
    assert morph is not None
    nouns: dict[str, str] = {}
    for lemma, canonical in d._NOUN_LEMMAS.items():
        parse = next(p for p in morph.parse(lemma) if p.normal_form == lemma and "Geox" in p.tag)
        nouns.update(dict.fromkeys((f.word for f in parse.lexeme), canonical))
    adjs: dict[str, str] = {}
    for lemma, canonical in d._ADJ_LEMMAS.items():
        parse = next(
            p for p in morph.parse(lemma) if p.normal_form == lemma and p.tag.POS == "ADJF"
        )
        forms = (f.word for f in parse.lexeme if "masc" in f.tag and "sing" in f.tag)
        adjs.update(dict.fromkeys(forms, canonical))
    return nouns, adjs


def test_the_form_tables_are_the_dictionary_paradigms() -> None:
    """The tables hold pymorphy3's paradigms, so pages are read without loading it (and a
    dictionary update that changes them is noticed here)."""
    nouns, adjs = d._forms()
    dictionary_nouns, dictionary_adjs = _dictionary_forms()
    assert nouns == dictionary_nouns
    assert adjs == dictionary_adjs
    assert {"нижегородского", "рязанском", "южнопортовый"} <= set(adjs)
    assert "рязанская" not in adjs  # feminine forms never agree with «район»


def test_finding_districts_does_not_load_pymorphy3() -> None:
    code = (
        "import sys\n"
        "from newsbot.enrich.districts import find_districts\n"
        "print(find_districts('В Люблине и Кузьминках'), 'pymorphy3' in sys.modules)\n"
    )
    assert run_python(code).strip() == "['Кузьминки', 'Люблино'] False"


def _candidates_by_find(text: str) -> list[tuple[int, int, str]]:
    """The stems found in the lowercased text, word starts only, capitalised words only: what
    ``_candidates`` finds with one regex."""
    low = text.lower()
    found = []
    for stem in d._STEMS:
        i = low.find(stem)
        while i != -1:
            if i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "_"):
                m = d._WORD_AT_RE.match(text, i)
                if m and m.group()[0].isupper():
                    found.append((i, m.end(), m.group()))
            i = low.find(stem, i + len(stem))
    return sorted(found)


def test_candidates_match_a_find_of_each_stem() -> None:
    rnd = random.Random(13)
    alphabet = "вВыЫхХиИнНкКлЛюЮ _-1\u0131ǅzабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    names = [*DISTRICTS, "ЛЮБЛИНО", "люблино", "Рязанском", "ТЕКСТИЛЬЩИКАХ", "кузьминки"]
    for _ in range(20_000):
        text = "".join(
            rnd.choice(names) if rnd.random() < 0.4 else rnd.choice(alphabet)
            for _ in range(rnd.randint(1, 12))
        )
        assert d._candidates(text) == _candidates_by_find(text), text
