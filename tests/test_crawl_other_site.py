"""The spider on a site that is not the replica's theme: other permalinks, query pagination."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import run_crawl
from tests.replica.server import ReplicaServer

ARTICLE = """<!-- SYNTHETIC test page --><html><head><meta charset="utf-8">
<title>{title} — Вестник Печатников</title>
<meta property="og:site_name" content="Вестник Печатников">
</head><body><div class="news-detail">
<span class="news-date-time">{date}</span><h3>{title}</h3>
{body}<br><br>Телефон для справок: 8 (495) 000-00-00.</div>
<div class="footer">© Вестник Печатников</div></body></html>"""

LISTING = """<!-- SYNTHETIC test page --><html><head><meta charset="utf-8"><title>Новости</title>
</head><body><h1>Новости</h1>{items}{next}</body></html>"""

STORIES = [
    (
        "/news/katok-v-pechatnikah/",
        "05.02.2024",
        "В Печатниках открыли каток",
        "Каток залили на площадке у школы. Прокат коньков бесплатный.",
    ),
    (
        "/news/remont-poliklinik/",
        "04.02.2024",
        "В Текстильщиках отремонтируют поликлинику",
        "Ремонт продлится до осени. Приём пациентов не прервётся.",
    ),
    (
        "/news/novaya-biblioteka/",
        "01.02.2024",
        "Библиотека в Люблине обновилась",
        "В библиотеке появился зал для настольных игр и коворкинг.",
    ),
]


def write_site(root: Path) -> None:
    for path, date, title, body in STORIES:
        page = root / path.strip("/") / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(ARTICLE.format(title=title, date=date, body=body), encoding="utf-8")

    def item(story: tuple[str, str, str, str]) -> str:
        path, date, title, _ = story
        return f'<div class="news-item"><a href="{path}">{title}</a> <span>{date}</span></div>'

    # Query pagination; the test server ignores queries, so page 2 has a file of its own.
    next_link = '<a href="/page2.html?page=2">Далее</a>'
    first, second = "".join(map(item, STORIES[:2])), "".join(map(item, STORIES[2:]))
    (root / "index.html").write_text(LISTING.format(items=first, next=next_link), "utf-8")
    (root / "page2.html").write_text(LISTING.format(items=second, next=""), "utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")


def test_bitrix_like_site_with_other_permalinks(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    write_site(root)
    with ReplicaServer(root, fail_once=()) as server:
        result = run_crawl(server.base_url, tmp_path)
        requested = server.paths_requested()
    assert result.returncode == 0, result.log[-3000:]
    assert "'newsbot/listing/structural_fallback': 2" in result.log
    assert "/page2.html?page=2" in requested
    with result.csv_path.open(encoding="utf-8-sig") as fh:
        rows = {r["url"].split(":", 2)[-1].split("/", 1)[-1]: r for r in csv.DictReader(fh)}
    assert sorted(rows) == sorted(p.strip("/") + "/" for p, *_ in STORIES)
    row = rows["news/katok-v-pechatnikah/"]
    assert row["title"] == "В Печатниках открыли каток"
    assert row["published_at"] == "2024-02-05T00:00:00+03:00"
    assert row["text"].startswith("Каток залили на площадке у школы.")
    assert "Вестник Печатников" not in row["text"]
    assert row["districts"] == "Печатники"


SISTER_ARTICLE = """<!-- SYNTHETIC test page --><html><head><meta charset="utf-8">
<title>{title}</title><meta property="og:type" content="article">
<meta property="article:published_time" content="{iso}">
<link rel="canonical" href="/{slug}/"></head>
<body class="post-template-default single single-post"><article>
<h1 class="entry-title">{title}</h1><div class="entry-content"><p>{body}</p></div>
</article></body></html>"""
STATIC = """<!-- SYNTHETIC test page --><html><head><meta charset="utf-8"><title>Контакты</title>
<meta property="og:type" content="website"></head><body class="page-template-default page">
<h1>Контакты</h1><div class="entry-content"><p>Адрес редакции: Москва, улица Шкулёва, 4.
Телефон: 8 (495) 000-00-00. Пишите нам, мы отвечаем всем читателям газеты.</p></div>
</body></html>"""


def test_sister_outlet_profile_with_undated_slugs(tmp_path: Path) -> None:
    """profiles.toml's tekgazeta.ru entry: /<slug>/ links are articles; a static page that
    shares that shape is fetched, recognised and skipped, not emitted."""
    root = tmp_path / "site"
    stories = [
        ("katok-v-tekstilshhikah", "2024-02-05T10:00:00+03:00", "В Текстильщиках открыли каток"),
        ("novyj-skver", "2024-02-03T09:30:00+03:00", "В Текстильщиках появится новый сквер"),
    ]
    for slug, iso, title in stories:
        page = root / slug / "index.html"
        page.parent.mkdir(parents=True)
        body = f"{title}. Работы завершат к весне, рассказали в управе района Текстильщики."
        page.write_text(SISTER_ARTICLE.format(slug=slug, iso=iso, title=title, body=body), "utf-8")
    (root / "kontakty").mkdir()
    (root / "kontakty" / "index.html").write_text(STATIC, "utf-8")
    links = "".join(f'<h2><a href="/{slug}/">{title}</a></h2>' for slug, _, title in stories)
    links += '<a href="/kontakty/">Контакты</a><a href="/category/novosti/">Новости</a>'
    (root / "index.html").write_text(f"<html><body>{links}</body></html>", "utf-8")
    (root / "robots.txt").write_text("User-agent: *\nDisallow:\n", "utf-8")
    with ReplicaServer(root, fail_once=()) as server:
        result = run_crawl(server.base_url, tmp_path, "-a", "profile=tekgazeta.ru")
        requested = server.paths_requested()
    assert result.returncode == 0, result.log[-3000:]
    with result.csv_path.open(encoding="utf-8-sig") as fh:
        found = {r["url"].rstrip("/").rsplit("/", 1)[-1]: r for r in csv.DictReader(fh)}
    assert sorted(found) == sorted(slug for slug, *_ in stories)
    assert found["novyj-skver"]["published_at"] == "2024-02-03T09:30:00+03:00"
    assert found["novyj-skver"]["districts"] == "Текстильщики"
    assert "/kontakty/" in requested and "/category/novosti/" not in requested
    assert "'newsbot/article/skipped/not_article': 1" in result.log
