"""newsbot.core.text: character rules, paragraphs, boilerplate removal, word counts and hashes.

The HTML below is synthetic WordPress-style markup around the real paragraphs of the reference
article (uv-kurier.ru, 2023-09-05, «Собянин: Здравоохранение Москвы к 2025 году…»).
"""

from __future__ import annotations

import copy
import hashlib
import random
import unicodedata
from collections.abc import Iterator

import lxml.etree
import lxml.html
import pytest
from parsel import Selector

from newsbot.core.text import _inline_general, clean_inline, clean_text, content_hash, word_count
from newsbot.extraction.junk import RELATED_MARKERS, is_boilerplate
from newsbot.extraction.paragraphs import html_to_text

TITLE = (
    "Собянин: Здравоохранение Москвы к 2025 году может полностью перейти на цифровой "
    "документооборот"
)
P1 = (
    "В Москве в Гостином дворе прошло пленарное заседание «Современная Россия: устойчивость к "
    "вызовам времени» V Форума социальных инноваций регионов. В ходе заседания мэр столицы "
    "Сергей Собянин сообщил о готовности московской медицинской системы полностью перейти на "
    "электронный цифровой документооборот к 2025 году."
)
P2 = (
    "По словам Собянина, столичное здравоохранение в этом году приступает к следующему этапу "
    "внутреннего документооборота, задачей которого является отмена любых бумажных документов в "
    "медицинской системе."
)
P3 = (
    "– Когда полностью вся система переходит в электронную прозрачную систему, появляется другой "
    "совершенно эффект: и финансовый, и экономический, и организационный, и с точки зрения "
    "контроля, и соблюдения технологий. Мы считаем, что мы уже готовы к 2025 году полностью всю "
    "медицинскую систему перенести на безбумажный вариант в режиме электронного цифрового "
    "документооборота, – сказал мэр Москвы."
)
P4 = (
    "Кроме того, как отметил Собянин, в 2025 году начнется очередной этап внедрения в "
    "здравоохранение Москвы искусственного интеллекта."
)
BODY = "\n\n".join([P1, P2, P3, P4])
CAPTION = f"{TITLE}. Фото: Е. Самарин mos.ru. Пресс-служба мэра и Правительства Москвы"

RELATED = [
    (
        "Второй этап лыжной серии Topski Family пройдет в «Лужниках» 25 января",
        "Спортсмены будут бороться за призы призера Олимпийских игр Александра Панжинского",
        "16 Янв 2026 в 13:01",
    ),
    (
        "Собянин: Более 100 мероприятий пройдет в Москве ко Дню студента",
        "Центральными площадками 25 января станут московские катки",
        "16 Янв 2026 в 11:06",
    ),
    (
        "Собянин: Более 105 км дорог построили и реконструировали в Москве за 2025 год",
        "Завершается строительство переезда над магистралью Москва — Санкт-Петербург",
        "16 Янв 2026 в 09:39",
    ),
]


def related_cards() -> str:
    return "".join(
        f'<div class="news-card"><a href="/2026/01/16/n{i}"><h4>{t}</h4></a>'
        f"<p>{lead}</p><span class='date'>{date}</span></div>"
        for i, (t, lead, date) in enumerate(RELATED)
    )


def wordpress_article(p1: str = P1, p2: str = P2, p3: str = P3, p4: str = P4) -> str:
    """A whole page as a WordPress theme might render it (synthetic markup, real text)."""
    return f"""<!DOCTYPE html>
<html lang="ru-RU"><head><meta charset="UTF-8"><title>{TITLE}</title>
<style>.entry-content p {{ margin: 0 }}</style>
<script>window.dataLayer = window.dataLayer || [];</script></head>
<body class="post-template-default single single-post">
<article id="post-51234" class="post-51234 post type-post status-publish category-news tag-social">
<div class="entry-content">
<figure id="attachment_51235" class="wp-caption aligncenter" style="width: 1024px">
  <img src="/wp-content/uploads/2023/09/sobyanin.jpg" alt="{TITLE}">
  <figcaption class="wp-caption-text">{CAPTION}</figcaption>
</figure>
<p>{p1}</p>
<p>{p2}</p>
<script type="text/javascript">var ya_share = {{"services": "vk,ok,telegram"}};</script>
<iframe src="https://rutube.ru/play/embed/123" width="720" height="405" allowfullscreen></iframe>
<p>{p3}</p>
<p>{p4}</p>
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Поделиться:</h3>
  <ul><li><a href="https://vk.com/share.php">ВКонтакте</a></li>
  <li><a href="https://t.me/share">Telegram</a></li></ul></div>
<div class="ya-share2" data-services="vk,ok"><span>Поделиться</span></div>
<noscript><img src="https://mc.yandex.ru/watch/1" alt=""></noscript>
<h3 class="related-title">Читайте также</h3>
{related_cards()}
</div>
</article></body></html>"""


# ---------------------------------------------------------------------------------------------
# clean_inline / clean_text: one test per character class


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("в\u00a0Москве", "в Москве", id="nbsp-00a0"),
        pytest.param("25\u202f000 человек", "25 000 человек", id="narrow-nbsp-202f"),
        pytest.param("Е.\u2009Самарин", "Е. Самарин", id="thin-2009"),
        pytest.param("105\u2007км", "105 км", id="figure-2007"),
        pytest.param("Москва\u3000Курьер", "Москва Курьер", id="ideographic-3000"),
        pytest.param("a\u2002b\u2003c\u200ad\u205fe", "a b c d e", id="other-spaces"),
        pytest.param("здраво\u00adохранение", "здравоохранение", id="soft-hyphen-00ad"),
        pytest.param("Собя\u200bнин", "Собянин", id="zwsp-200b"),
        pytest.param("Собя\u200cнин", "Собянин", id="zwnj-200c"),
        pytest.param("Собя\u200dнин", "Собянин", id="zwj-200d"),
        pytest.param("Собя\u2060нин", "Собянин", id="word-joiner-2060"),
        pytest.param("\ufeffСобянин", "Собянин", id="bom-feff"),
        pytest.param("Собя\x00ни\x07н\x1b\x7f\x9f", "Собянин", id="control-chars"),
        pytest.param("Юго-Восточный\r\nКурьер", "Юго-Восточный Курьер", id="crlf"),
        pytest.param("Юго-Восточный\rКурьер", "Юго-Восточный Курьер", id="cr"),
        pytest.param("Юго-Восточный\nКурьер", "Юго-Восточный Курьер", id="lf"),
        pytest.param("Текст:\tЮго-Восточный", "Текст: Юго-Восточный", id="tab"),
        pytest.param("  много    пробелов  \u00a0 ", "много пробелов", id="runs-collapsed"),
        pytest.param("\u2028строка\u2029абзац\x85", "строка абзац", id="unicode-line-seps"),
        pytest.param("\u200e\u200fтекст\u202a\u202c", "текст", id="bidi-marks"),
        pytest.param("Мои\u0306 ёж и е\u0308ж", "Мой ёж и ёж", id="nfc"),
    ],
)
def test_clean_inline_character_rules(raw: str, expected: str) -> None:
    assert clean_inline(raw) == expected


def test_the_only_printable_whitespace_is_the_space() -> None:
    """clean_inline's fast path for printable strings collapses only spaces: right only while
    no other whitespace character is printable."""
    found = [hex(cp) for cp in range(0x110000) if chr(cp).isspace() and chr(cp).isprintable()]
    assert found == ["0x20"]


#: Characters the cleaners treat specially, and ordinary ones around them.
_FUZZ_ALPHABET = (
    " ", "\n", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029", "\u00a0",
    "\u2009", "\u3000", "\u200b", "\u00ad", "\ufeff", "\ufffd", "\u202e", "\x00", "\x7f",
    "\u0301", "\u0306", "\u0308", "е", "и", "й", "ё", "Я", "a", "Z", "1", ".", "«", "—",
)  # fmt: skip


def test_clean_inline_fast_paths_equal_the_general_path() -> None:
    """Every shortcut of clean_inline gives what the character map, NFC and the space collapse
    give, on random strings of the characters the rules name (seeded: the same each run)."""
    rng = random.Random(20261202)
    differ = []
    for _ in range(60_000):
        raw = "".join(rng.choices(_FUZZ_ALPHABET, k=rng.randrange(1, 12)))
        if clean_inline(raw) != _inline_general(raw):
            differ.append(raw)
    assert differ == []


def test_clean_inline_of_html_text_nodes() -> None:
    """Source line breaks and indentation (what HTML text nodes hold) are spaces."""
    assert clean_inline("\n\t\tМосква.\r\n  Юго-Восток\n") == "Москва. Юго-Восток"
    assert clean_inline("\tе\u0308ж\n") == "ёж"  # not NFC: the general path
    assert clean_inline("Моск\u200bва\n") == "Москва"  # a removed character: the general path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Москва  Курьер", "Москва Курьер", id="double-space"),
        pytest.param(" Москва", "Москва", id="leading-space"),
        pytest.param("Москва ", "Москва", id="trailing-space"),
        pytest.param("Моск\ufffdва", "Москва", id="printable-fffd"),
        pytest.param("Моск\u034fва", "Москва", id="printable-cgj-034f"),
        pytest.param("е\u0308 ж", "ё ж", id="printable-not-nfc"),
        pytest.param("Москва Курьер", "Москва Курьер", id="clean"),
    ],
)
def test_clean_inline_of_printable_strings(raw: str, expected: str) -> None:
    """Printable strings take the fast path: the characters it must still see."""
    assert raw.isprintable()
    assert clean_inline(raw) == expected


@pytest.mark.parametrize(
    "typography",
    [
        "«Современная Россия: устойчивость к вызовам времени»",
        "„Лужники“ и «Строгино»",
        "Москва — Санкт-Петербург",
        "– Когда полностью вся система переходит, – сказал мэр.",
        "2023–2025 годы",
        "“quoted” and ‘single’",
    ],
)
def test_typographic_quotes_and_dashes_kept_exactly(typography: str) -> None:
    assert clean_inline(typography) == typography
    assert clean_text(typography) == typography
    assert html_to_text(f"<p>{typography}</p>") == typography


@pytest.mark.parametrize("empty", [None, "", "   ", "\u00a0\u200b\ufeff", "\r\n\t"])
def test_empty_inputs_give_empty_string(empty: str | None) -> None:
    assert clean_inline(empty) == ""
    assert clean_text(empty) == ""
    assert html_to_text(empty) == ""
    assert word_count(empty) == 0
    assert content_hash(empty) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Один\nдва\n\nтри", "Один\nдва\n\nтри", id="clean"),
        pytest.param("Один\n\n\nтри", "Один\n\nтри", id="two-blank-lines"),
        pytest.param("Один \nтри", "Один\nтри", id="space-before-break"),
        pytest.param("Один\n три", "Один\nтри", id="space-after-break"),
        pytest.param("Один  три", "Один три", id="double-space"),
        pytest.param("\nОдин", "Один", id="leading-break"),
        pytest.param("Один\n", "Один", id="trailing-break"),
        pytest.param(" Один", "Один", id="leading-space"),
        pytest.param("Од\ufffdин\n\nтри", "Один\n\nтри", id="printable-key"),
        pytest.param("е\u0308ж\n\nтри", "ёж\n\nтри", id="not-nfc"),
    ],
)
def test_clean_text_of_nearly_clean_text(raw: str, expected: str) -> None:
    """Nearly clean text: what the printable shortcut and the whitespace passes must fix."""
    assert clean_text(raw) == expected


def test_clean_text_paragraphs_separated_by_one_blank_line() -> None:
    raw = "\r\n\r\n  " + P1 + "  \r\n\r\n\r\n\u00a0\r\n" + P2 + "\n \t \n" + P3 + "\n\n\n\n"
    assert clean_text(raw) == f"{P1}\n\n{P2}\n\n{P3}"


def test_clean_text_keeps_a_single_line_break_inside_a_paragraph() -> None:
    # An address or a poem: the author separated the lines, not the paragraphs.
    raw = "Адрес:\u00a0\r\nул. Люблинская,\u00a0д. 1  \r\n\r\nВторой абзац"
    assert clean_text(raw) == "Адрес:\nул. Люблинская, д. 1\n\nВторой абзац"


def test_clean_text_applies_character_rules_per_line() -> None:
    p1 = P1.replace(" ", "\u00a0", 3)
    p2 = P2.replace("По ", "По\u2009")
    raw = f"{p1}\u00ad\u200b\n\n{p2}"
    assert clean_text(raw) == f"{P1}\n\n{P2}"


def test_clean_text_unicode_separators() -> None:
    assert clean_text("один\u2028два\u2029три") == "один\nдва\n\nтри"


# ---------------------------------------------------------------------------------------------
# html_to_text on a WordPress article


def test_wordpress_article_gives_exactly_the_body_paragraphs() -> None:
    assert html_to_text(wordpress_article()) == BODY


def test_wordpress_article_with_every_odd_character_as_entities() -> None:
    # The same page with the invisible characters a CMS or an editor leaves behind.
    p1 = P1.replace("В Москве", "В&nbsp;Москве").replace("2025 году", "2025&#8239;году")
    p1 = p1.replace("Сергей Собянин", "Сергей&thinsp;Собянин").replace("V Форума", "V&#8199;Форума")
    p2 = P2.replace("здравоохранение", "здраво&shy;охранение").replace(
        "По словам", "По&#12288;словам"
    )
    p2 = p2.replace("Собянина", "Собя&#8203;ни&#8204;на&#8205;").replace("этапу", "эта&#8288;пу")
    p3 = "\ufeff" + P3.replace(", – сказал", ",\r\n– сказал").replace("эффект:", "эффект:\t")
    p4 = P4.replace("Кроме того", "Кроме\x07 того\x00")
    assert html_to_text(wordpress_article(p1, p2, p3, p4)) == BODY


def test_wordpress_article_drops_caption_related_share_script_iframe() -> None:
    text = html_to_text(wordpress_article())
    for unwanted in (
        "Фото:",
        "Пресс-служба",
        "Читайте также",
        "Поделиться",
        "ВКонтакте",
        "Telegram",
        "ya_share",
        "margin",
        "dataLayer",
        "Лужниках",
        "Центральными площадками",
        "16 Янв 2026",
    ):
        assert unwanted not in text, unwanted


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param("<p>Один</p><p>Два</p>", "Один\n\nДва", id="p"),
        pytest.param("<div>Один<br><br>Два</div>", "Один\n\nДва", id="br-br"),
        pytest.param("<div>Один<br/>\n  <br />Два</div>", "Один\n\nДва", id="br-space-br"),
        pytest.param("<p>Один<br>Два</p>", "Один\nДва", id="single-br-line-break"),
        pytest.param(
            "<div><div><div>Один</div><div>Два</div></div>Три</div>",
            "Один\n\nДва\n\nТри",
            id="nested-divs",
        ),
        pytest.param(
            "<p>Итоги:</p><ul><li>первое</li><li>второе<ol><li>вложенное</li></ol></li></ul>",
            "Итоги:\n\nпервое\n\nвторое\n\nвложенное",
            id="lists",
        ),
        pytest.param(
            "<h2>Заголовок</h2>Текст<h3>Ещё</h3><p>абзац</p>",
            "Заголовок\n\nТекст\n\nЕщё\n\nабзац",
            id="headings",
        ),
        pytest.param(
            "<blockquote><p>Цитата</p></blockquote>после", "Цитата\n\nпосле", id="blockquote"
        ),
        pytest.param("<p>a\n   b\tc</p>", "a b c", id="source-whitespace-is-space"),
        pytest.param("<pre>строка 1\nстрока 2</pre>", "строка 1\nстрока 2", id="pre-keeps-lines"),
        pytest.param(
            "<table><tr><th>Район</th><th>Школы</th></tr><tr><td>Люблино</td><td>12</td></tr></table>",
            "Район Школы\n\nЛюблино 12",
            id="table-rows",
        ),
        pytest.param("Текст без тегов", "Текст без тегов", id="bare-text"),
        pytest.param("<p>Один</p>\n\n\n<p></p><p> </p><p>Два</p>", "Один\n\nДва", id="empty-p"),
    ],
)
def test_paragraph_rules(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param("<p>Соб<b>янин</b></p>", "Собянин", id="b-inside-word"),
        pytest.param("<p><a href='#'>ссыл</a>ка</p>", "ссылка", id="a-inside-word"),
        pytest.param("<p><span>Юго</span>-<span>Восточный</span></p>", "Юго-Восточный", id="spans"),
        pytest.param("<p><b>Собянин</b> <i>сообщил</i></p>", "Собянин сообщил", id="space-kept"),
        pytest.param("<p>Собянин<!-- comment --> сообщил</p>", "Собянин сообщил", id="comment"),
        pytest.param("<p>H<sub>2</sub>O и м<sup>2</sup></p>", "H2O и м2", id="sub-sup"),
        pytest.param(
            "<p><strong>Важно:</strong>\n<em>текст</em></p>", "Важно: текст", id="newline"
        ),
    ],
)
def test_inline_elements_join_without_spurious_spaces(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_entities_are_decoded() -> None:
    html = "<p>&laquo;Курьер&raquo; &mdash; &amp; &#171;ЮВАО&#187; &#x2013; 5&nbsp;%&quot;</p>"
    assert html_to_text(html) == '«Курьер» — & «ЮВАО» – 5 %"'


# ---------------------------------------------------------------------------------------------
# Exclusions


@pytest.mark.parametrize(
    "boilerplate",
    [
        pytest.param(
            f"<figure><img src='a.jpg'><figcaption>{CAPTION}</figcaption></figure>", id="figure"
        ),
        pytest.param(
            f'<div class="wp-caption alignnone"><img src="a.jpg">'
            f'<p class="wp-caption-text">{CAPTION}</p></div>',
            id="classic-wp-caption",
        ),
        pytest.param(f'<p class="wp-caption-text">{CAPTION}</p>', id="wp-caption-text"),
        pytest.param(f'<div class="wp-element-caption">{CAPTION}</div>', id="wp-element-caption"),
        pytest.param(
            '<div id="gallery-1" class="gallery"><dl><dt>Фото 1</dt></dl></div>', id="gallery"
        ),
        pytest.param("<p>Фото: Е. Самарин mos.ru</p>", id="photo-credit-line"),
        pytest.param("<script>alert('Собянин')</script>", id="script"),
        pytest.param("<style>p { color: red }</style>", id="style"),
        pytest.param("<noscript>Включите JavaScript</noscript>", id="noscript"),
        pytest.param("<template><p>Шаблон</p></template>", id="template"),
        pytest.param('<iframe src="https://vk.com/video_ext.php">видео</iframe>', id="iframe"),
        pytest.param('<object data="x.swf"><embed src="x.swf">флеш</object>', id="object-embed"),
        pytest.param("<svg><text>иконка</text></svg>", id="svg"),
        pytest.param(
            '<form><input value="Ваш e-mail"><select><option>Москва</option></select>'
            "<button>Подписаться</button></form>",
            id="form",
        ),
        pytest.param('<div class="sharedaddy"><a>ВКонтакте</a></div>', id="sharedaddy"),
        pytest.param('<div class="ya-share2">ВКонтакте Одноклассники</div>', id="ya-share2"),
        pytest.param('<div class="addtoany_share_save_container">Поделиться</div>', id="addtoany"),
        pytest.param('<div class="social-links">ВК ОК</div>', id="social"),
        pytest.param(
            '<div id="jp-relatedposts" class="jp-relatedposts">Похожее</div>', id="jetpack-related"
        ),
        pytest.param('<div class="yarpp yarpp-related">Похожее</div>', id="yarpp"),
        pytest.param('<div class="read-also">Другое</div>', id="read-also"),
        pytest.param('<div class="subscribe-box">Подпишитесь на наш канал</div>', id="subscribe"),
        pytest.param('<div class="newsletter">Рассылка</div>', id="newsletter"),
        pytest.param(
            '<div id="comments" class="comments-area">Комментарии (0)</div>', id="comments"
        ),
        pytest.param('<div class="advert-block">Реклама</div>', id="advert"),
        pytest.param('<div class="banner_top">Баннер</div>', id="banner"),
        pytest.param('<ins class="adsbygoogle">Реклама</ins>', id="adsbygoogle"),
        pytest.param('<div class="post-likes">Нравится 5</div>', id="likes"),
        pytest.param(
            '<span class="screen-reader-text">(откроется в новой вкладке)</span>', id="sr-text"
        ),
        pytest.param('<div style="display: none">скрыто</div>', id="display-none"),
        pytest.param("<div hidden>скрыто</div>", id="hidden"),
        pytest.param("<p>Поделиться:</p>", id="share-label"),
    ],
)
def test_boilerplate_is_dropped(boilerplate: str) -> None:
    html = f'<div class="entry-content"><p>{P1}</p>{boilerplate}<p>{P2}</p></div>'
    assert html_to_text(html) == f"{P1}\n\n{P2}"


def test_wordpress_post_classes_do_not_hide_the_post() -> None:
    # post_class() adds «tag-<slug>» and «category-<slug>»: a tag named «social» is not a widget.
    html = f'<article class="post tag-social category-related-news"><p>{P1}</p></article>'
    assert html_to_text(html) == P1


@pytest.mark.parametrize("marker", sorted(RELATED_MARKERS))
def test_related_block_after_a_heading_is_dropped(marker: str) -> None:
    heading = marker[0].upper() + marker[1:]
    html = f"<div><p>{P1}</p><h3>{heading}</h3>{related_cards()}</div>"
    assert html_to_text(html) == P1


@pytest.mark.parametrize(
    "heading",
    ["Читайте также:", "ЧИТАЙТЕ ТАКЖЕ", "Смотрите также", "Похожие новости", "Похожие записи",
     "Другие новости", "Материалы по теме", "Ещё по теме"],
)  # fmt: skip
def test_related_markers_in_their_written_forms(heading: str) -> None:
    html = f"<div><p>{P1}</p><p><strong>{heading}</strong></p>{related_cards()}</div>"
    assert html_to_text(html) == P1


def test_related_block_as_flat_siblings_in_reference_order() -> None:
    # title (link), lead, date for each item, all siblings of the «Читайте также» heading.
    items = "".join(
        f"<h4><a href='/x{i}'>{t}</a></h4><p>{lead}</p><p>{date}</p>"
        for i, (t, lead, date) in enumerate(RELATED)
    )
    html = f"<div><p>{P1}</p><p>{P2}</p><h3>Читайте также</h3>{items}</div>"
    assert html_to_text(html) == f"{P1}\n\n{P2}"


def test_related_block_ends_at_the_next_section_heading() -> None:
    html = (
        f"<div><p>{P1}</p><h3>Читайте также</h3><ul><li><a href='/a'>{RELATED[0][0]}</a></li></ul>"
        f"<h3>Что изменится для пациентов</h3><p>{P2}</p></div>"
    )
    assert html_to_text(html) == f"{P1}\n\nЧто изменится для пациентов\n\n{P2}"


def test_related_paragraph_in_mid_article_drops_only_the_related_links() -> None:
    html = (
        f"<div><p>{P1}</p><p>Читайте также:</p><p><a href='/a'>{RELATED[0][0]}</a></p>"
        f"<p>{RELATED[0][1]}</p><p>{RELATED[0][2]}</p><p>{P2}</p></div>"
    )
    assert html_to_text(html) == f"{P1}\n\n{P2}"


def test_read_also_sentence_with_one_link_is_dropped() -> None:
    link = f"<a href='/a'>{RELATED[1][0]}</a>"
    html = f"<div><p>{P1}</p><p><b>Читайте также:</b> {link}</p><p>{P2}</p></div>"
    assert html_to_text(html) == f"{P1}\n\n{P2}"


def test_marker_words_inside_a_sentence_are_text() -> None:
    html = "<p>Редакция советует: <b>читайте также</b> наши материалы о медицине.</p><p>Конец.</p>"
    assert (
        html_to_text(html)
        == "Редакция советует: читайте также наши материалы о медицине.\n\nКонец."
    )


def test_paragraph_that_only_starts_like_a_marker_is_kept() -> None:
    html = "<p>Читайте также в следующем номере интервью с главврачом.</p>"
    assert html_to_text(html) == "Читайте также в следующем номере интервью с главврачом."


def test_wordpress_table_block_in_figure_keeps_the_table() -> None:
    html = (
        '<figure class="wp-block-table"><table><tr><td>Люблино</td><td>12</td></tr></table>'
        "<figcaption>Таблица 1</figcaption></figure>"
    )
    assert html_to_text(html) == "Люблино 12"


# ---------------------------------------------------------------------------------------------
# Element input


def test_element_input_is_not_mutated() -> None:
    doc = lxml.html.document_fromstring(wordpress_article())
    (content,) = doc.find_class("entry-content")
    before = lxml.etree.tostring(doc, encoding="unicode")
    assert html_to_text(content) == BODY
    assert lxml.etree.tostring(doc, encoding="unicode") == before
    # And the element's tail (text after it in its parent) is not part of it.
    wrapper = lxml.html.fragment_fromstring("<div><p>внутри</p>снаружи</div>")
    assert html_to_text(wrapper[0]) == "внутри"


def test_parsel_selector_and_deep_copy_inputs() -> None:
    sel = Selector(text=wordpress_article())
    assert html_to_text(sel.css(".entry-content")[0]) == BODY
    element = copy.deepcopy(sel.css(".entry-content")[0].root)
    assert html_to_text(element) == BODY


def test_bytes_input_in_utf8_and_declared_charset() -> None:
    assert html_to_text(f"<p>{P1}</p>".encode()) == P1
    cp1251 = f'<meta charset="windows-1251"><p>{P2}</p>'.encode("cp1251")
    assert html_to_text(cp1251) == P2


def test_is_boilerplate_helper() -> None:
    frag = lxml.html.fragment_fromstring(
        '<div><div class="sharedaddy"></div><p class="lead">x</p><script></script></div>'
    )
    assert [is_boilerplate(child) for child in frag] == [True, False, True]


# ---------------------------------------------------------------------------------------------
# Junk never raises


def _junk() -> list[object]:
    rng = random.Random(20230905)
    random_bytes = bytes(rng.randrange(256) for _ in range(2000))
    random_text = "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(2000))
    return [
        None,
        "",
        b"",
        "<",
        "<<<>>>",
        "</p></div></body>",
        "<p",
        "<p class='",
        "<!--",
        "<![CDATA[",
        "<?xml version='1.0' encoding='utf-8'?><p>x</p>",
        "\x00\x01\x02",
        b"\x00\xff\xfe\xfd",
        random_bytes,
        random_text,
        "<div>" * 5000 + "глубоко",
        "<table><td><tr><p>кривая <b>разметка</i></table>",
        "<svg><p>",
        12345,
        object(),
        ["<p>список</p>"],
    ]


@pytest.mark.parametrize("junk", _junk())
def test_junk_never_raises(junk: object) -> None:
    out = html_to_text(junk)  # type: ignore[arg-type]
    assert isinstance(out, str)
    assert out == clean_text(out)  # whatever comes out is already clean


def test_junk_results() -> None:
    assert html_to_text(b"\x00\xff\xfe\xfd") == ""
    assert html_to_text("\x00\x01\x02") == ""
    assert html_to_text("<?xml version='1.0' encoding='utf-8'?><p>x</p>") == "x"
    assert html_to_text("<table><td><tr><p>кривая <b>разметка</i></table>") == "кривая разметка"
    assert html_to_text("<div>" * 1000 + "глубоко") == "глубоко"


# ---------------------------------------------------------------------------------------------
# word_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (TITLE, 12),
        ("Выхино-Жулебино", 1),
        ("в Выхино-Жулебино и Кузьминках", 4),
        ("Москва — Санкт-Петербург", 2),
        ("– Когда, – сказал мэр.", 3),
        ("«Лужники» и «Строгино»", 3),
        ("16 Янв 2026 в 13:01", 5),
        ("3,5 млн рублей", 3),
        ("здраво\u00adохранение", 1),
        ("в\u00a0Москве", 2),
        ("Собя́нин", 1),
        ("V Форума", 2),
        ("— – … , . « » !?", 0),
        ("covid-19 и д'Артаньян", 3),
        ("-19 и 'ab", 3),  # a joiner that opens the text joins nothing
        ("1.2.3 и a-b-c", 3),
        ("2²,3 и x,5", 4),  # ² is a digit to str.isdigit (not to the regex \d)
        ("a\x85b и a\u2028b", 5),  # line breaks split words, removed characters do not
        ("a\u200bb", 1),
        ("snake_case слово", 3),  # the underscore is no letter: two runs around it
        ("Москва_2023 _ __x", 3),
        (P1, 41),
    ],
)
def test_word_count(text: str, expected: int) -> None:
    assert word_count(text) == expected


def test_word_count_of_the_reference_body() -> None:
    assert word_count(BODY) == sum(word_count(p) for p in (P1, P2, P3, P4))
    assert word_count(html_to_text(wordpress_article())) == word_count(BODY)


# ---------------------------------------------------------------------------------------------
# content_hash


def test_hash_is_sha256_of_the_documented_normal_form() -> None:
    expected = hashlib.sha256("собянин: еще ежи в москве".encode()).hexdigest()
    assert content_hash("Собянин:  Ещё\u00a0ЕЖИ\n\nв Москве") == expected
    assert len(expected) == 64


def test_hash_is_stable_across_markup_and_whitespace_variations() -> None:
    variants = [
        BODY,
        html_to_text(wordpress_article()),
        html_to_text(f"<div>{P1}<br><br>{P2}<br><br>{P3}<br><br>{P4}</div>"),
        html_to_text("".join(f"<div><span>{p}</span></div>" for p in (P1, P2, P3, P4))),
        f"\ufeff  {P1}\r\n\r\n{P2}\n{P3}\n\n\n\n{P4}  \n",
        BODY.replace(" ", "\u00a0", 20).replace("Собянин", "Собя\u00adнин"),
        BODY.upper(),
        BODY.replace("е", "ё"),
    ]
    assert len({content_hash(v) for v in variants}) == 1


@pytest.mark.parametrize(
    "changed",
    [
        BODY.replace("2025 году", "2026 году", 1),
        BODY.replace("Собянин", "Собянина", 1),
        BODY + "\n\nДополнительный абзац.",
        BODY.replace("электронный ", "", 1),
        "\n\n".join([P2, P1, P3, P4]),
    ],
)
def test_hash_changes_when_the_text_changes(changed: str) -> None:
    assert content_hash(changed) != content_hash(BODY)


def _characters_the_cleaners_may_touch() -> Iterator[tuple[int, str]]:
    """Every code point but the surrogates; past the BMP only what the rules or NFC touch:
    formats, marks, spaces, composites."""
    for cp in range(0x110000):
        c = chr(cp)
        if 0xD800 <= cp < 0xE000 or (
            cp > 0xFFFF
            and unicodedata.category(c) not in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Mc", "Me")
            and not unicodedata.decomposition(c)
        ):
            continue
        yield cp, c


def test_clean_text_is_idempotent_on_every_code_point() -> None:
    """The row's derived fields (districts, hash) read the cleaned text without cleaning it
    again; that is only right if cleaning cleaned text changes nothing, for any character."""
    changed = []
    for cp, c in _characters_the_cleaners_may_touch():
        for raw in (f"x \n{c}\r\n\ny", f"a{c}\u0301 b"):
            once, inline = clean_text(raw), clean_inline(raw)
            if clean_text(once) != once or clean_text(inline) != inline:
                changed.append(hex(cp))
                break
    assert changed == []


def test_blank_line_joins_of_cleaned_paragraphs_are_clean() -> None:
    """final_row(text_cleaned=True) takes a page's body as clean: html_to_text's blocks joined
    by blank lines, then some of their paragraphs joined again. That is right if such joins are
    clean_text's fixed points, for any character at a paragraph's edges."""
    changed = []
    for cp, c in _characters_the_cleaners_may_touch():
        blocks = [clean_text(raw) for raw in (f"{c}a \n{c}", f"\n{c}\u0301 b{c}\n\n{c}x")]
        joined = "\n\n".join(b for b in blocks if b)
        kept = "\n\n".join(joined.split("\n\n")[::2])
        if clean_text(joined) != joined or clean_text(kept) != kept:
            changed.append(hex(cp))
    assert changed == []


def test_cleaning_a_prefix_that_ends_at_a_space_gives_no_more_characters() -> None:
    """body._holds_chars cleans a body's first pieces only: exact while the cleaned text of
    «prefix» is never longer than that of «prefix + " " + rest», for any character at the
    edges (NFC does not compose across the space, the map keeps it, words stay whole)."""
    longer = []
    for cp, c in _characters_the_cleaners_may_touch():
        for prefix, rest in ((f"a{c}", f"{c}b"), (c, f"\u0301{c}"), (f"\u1100{c}", "\u1161")):
            if len(clean_inline(prefix)) > len(clean_inline(prefix + " " + rest)):
                longer.append(hex(cp))
                break
    assert longer == []


def test_content_hash_of_cleaned_text_is_the_hash() -> None:
    raw = "Первый\u00a0абзац\r\n\r\nВторой\u2029третий \u200b ё\x00"
    cleaned = clean_text(raw)
    assert content_hash(cleaned, cleaned=True) == content_hash(raw) == content_hash(cleaned)
    assert (
        content_hash(cleaned, cleaned=True)
        == hashlib.sha256("первый абзац второй третий е".encode()).hexdigest()
    )


def test_clean_strings_come_back_as_plain_str() -> None:
    """A clean string is returned as it came: never as lxml's smart string, which holds its
    whole tree (a row would keep the page alive, and a parse worker could not send it)."""
    smart = lxml.etree.fromstring("<p>Москва\n\nКурьер</p>").xpath("//text()")[0]
    assert type(smart) is not str
    assert type(clean_inline(smart)) is str
    assert type(clean_text(smart)) is str
    assert clean_text(smart) == "Москва\n\nКурьер"


def test_html_space_map_by_replaces_is_the_mapping() -> None:
    """html_space_map replaces its three characters one after another (str.replace, no regex):
    the same as one simultaneous mapping, since no replacement is a key."""
    from newsbot.core.text import html_space_map

    rnd = random.Random(8)
    for _ in range(20_000):
        s = "".join(rnd.choice("ab \r\n\tяё\u00a0\u2028") for _ in range(rnd.randint(0, 12)))
        assert html_space_map(s) == "".join(" " if c in "\r\n\t" else c for c in s)
