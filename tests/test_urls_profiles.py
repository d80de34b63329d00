"""URL hygiene and the per-site article-link rules."""

from __future__ import annotations

import random

import pytest

from newsbot.core.urls import _PLAIN_URL, _clean_general, clean_url, same_site, site_of, url_key
from newsbot.runtime.profiles import get_profile

REF = "https://uv-kurier.ru/2023/09/05/sobyanin-zdravoohranenie"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (REF + "?utm_source=tg&utm_medium=social", REF),
        (REF + "#comments", REF),
        (REF + "?yclid=123&gclid=9&fbclid=x&from=main", REF),
        (REF + "?p=42&utm_campaign=z", REF + "?p=42"),
        ("HTTPS://UV-KURIER.RU:443/2023/09/05/sobyanin-zdravoohranenie", REF),
        ("http://127.0.0.1:8000/a/?UTM_SOURCE=x", "http://127.0.0.1:8000/a/"),
        ("mailto:redakciya@uv-kurier.ru", ""),
        ("javascript:void(0)", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_url(raw: str | None, expected: str) -> None:
    assert clean_url(raw) == expected


def test_relative_links_resolve_against_the_page() -> None:
    assert clean_url("../3/", "https://uv-kurier.ru/page/2/") == "https://uv-kurier.ru/page/3/"


_SCHEMES = ("https://", "http://", "HTTPS://", "Http://", "ftp://", "//", "", "https:/")
_HOSTS = (
    "uv-kurier.ru", "www.uv-kurier.ru", "WWW.Example.COM", "xn--80akhbyknj4f.xn--p1ai",
    "пример.рф", "ПРИМЕР.рф", "a..b", ".a.ru", "a.ru.", "-a.ru", "a-.ru", "ab--cd.ru",
    "xn--zz.ru", "a" * 64 + ".ru", "127.0.0.1", "[::1]", "user@a.ru", "u:p@a.ru", "a_b.ru",
    "",
)  # fmt: skip
_PORTS = (
    "", "", ":80", ":443", ":8080", ":", ":x", ":99999", ":8000", ":0", ":08080", ":65535",
    ":65536", ":1", ":443443",
)  # fmt: skip
_SEGMENTS = (
    "slug", "%D0%BD%d0%b0", "2023", "sobyanin-zdravoohranenie", "%zz", "%", "%4", " ",
    "a b", "кириллица", "amp", "AMP", "print", "comment-page-2", ".", "..", "a~b", "a+b",
    "a;b", "a:b", "@", "a'b", "a\tb", "a\nb", "\x00", "é", "_x", "",
)  # fmt: skip
_QUERIES = ("", "", "", "?", "?p=1", "?utm_source=x", "?a=b&utm_x=1", "?q=а б", "?amp")
_FRAGMENTS = ("", "", "", "#", "#comments", "#а")
_BASES = (None, "https://uv-kurier.ru/2023/09/05/", "http://other.ru/a/b?x=1", "ftp://x.ru/")


def _pick(rng: random.Random, options: tuple[str, ...]) -> str:
    """Mostly the first options (the plain ones), else any: most URLs take the fast path or
    miss it by one part."""
    return rng.choice(options[:2] if rng.random() < 0.8 else options)


def _random_url(rng: random.Random) -> str:
    path = "".join("/" + _pick(rng, _SEGMENTS) for _ in range(rng.randrange(0, 5)))
    if rng.random() < 0.3:
        path += "/"
    url = _pick(rng, _SCHEMES) + _pick(rng, _HOSTS) + _pick(rng, _PORTS) + path
    url += _pick(rng, _QUERIES) + _pick(rng, _FRAGMENTS)
    return rng.choice(("", "", " ", "\n")) + url + rng.choice(("", "", " ", "\t"))


def test_clean_url_fast_path_equals_the_general_path() -> None:
    """A plain absolute URL is given back without the general path's work; on random URLs of
    the parts that path treats specially (IDNA and upper-case hosts, ports, users, %-escapes,
    spaces, Cyrillic, dot segments, variant suffixes, queries, fragments; seeded) the result
    is the general path's, whatever the base."""
    rng = random.Random(20261202)
    plain = 0
    differ = []
    for _ in range(20_000):
        url = _random_url(rng)
        base = rng.choice(_BASES)
        plain += _PLAIN_URL.fullmatch(url.strip()) is not None
        if clean_url.__wrapped__(url, base) != _clean_general(url.strip(), base):
            differ.append((url, base))
    assert differ == []
    assert plain > 1_000  # the fast path was taken often enough to mean something


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://uv-kurier.ru", "https://uv-kurier.ru/"),
        ("https://uv-kurier.ru/2023/09/05/slug/", "https://uv-kurier.ru/2023/09/05/slug/"),
        ("https://uv-kurier.ru/2023/slug/amp/", "https://uv-kurier.ru/2023/slug/"),
        ("https://uv-kurier.ru/%d0%bd%D0%B0/", "https://uv-kurier.ru/%d0%bd%D0%B0/"),
        ("https://uv-kurier.ru/на/", "https://uv-kurier.ru/%D0%BD%D0%B0/"),
        ("http://127.0.0.1:8000/2023/slug/", "http://127.0.0.1:8000/2023/slug/"),
        ("http://127.0.0.1:80/2023/slug/", "http://127.0.0.1/2023/slug/"),
        ("https://uv-kurier.ru:443/slug/", "https://uv-kurier.ru/slug/"),
        ("http://uv-kurier.ru:443/slug/", "http://uv-kurier.ru:443/slug/"),
        ("http://uv-kurier.ru:08080/slug/", "http://uv-kurier.ru:8080/slug/"),
        ("http://uv-kurier.ru:65536/slug/", ""),
    ],
)
def test_clean_url_of_plain_urls(raw: str, expected: str) -> None:
    assert clean_url(raw, "https://other.ru/") == expected


def test_url_key_treats_trailing_slash_and_scheme_as_one_page() -> None:
    assert url_key(REF) == url_key(REF + "/") == url_key(REF.replace("https", "http") + "#x")
    assert url_key(REF) != url_key(REF + "-2")


def test_site_of_and_same_site() -> None:
    assert site_of("https://www.uv-kurier.ru/x") == "uv-kurier.ru"
    assert same_site("https://uv-kurier.ru/a", "http://www.uv-kurier.ru/b")
    assert not same_site("https://uv-kurier.ru/a", "https://tekgazeta.ru/a")


@pytest.mark.parametrize(
    ("path", "is_article"),
    [
        ("/2023/09/05/sobyanin-zdravoohranenie", True),
        ("/2023/09/05/sobyanin-zdravoohranenie/", True),
        ("/2023/09/05/sobyanin-zdravoohranenie/attachment/foto-1/", False),
        ("/2023/09/05/sobyanin-zdravoohranenie/feed/", False),
        ("/category/novosti/", False),
        ("/tag/lyublino/", False),
        ("/author/redaktor/", False),
        ("/page/2/", False),
        ("/feed/", False),
        ("/o-gazete/", False),
        ("/wp-content/uploads/2023/09/photo.jpg", False),
        ("/wp-login.php", False),
        ("/", False),
    ],
)
def test_default_profile_article_links(path: str, is_article: bool) -> None:
    assert get_profile("http://127.0.0.1:8000/").is_article_url("http://h" + path) is is_article


def test_sister_outlet_profile_takes_undated_slugs() -> None:
    profile = get_profile("https://tekgazeta.ru/")
    assert profile.key == "tekgazeta.ru"
    assert profile.is_article_url("https://tekgazeta.ru/sobyanin-zdravoohranenie/")
    assert not profile.is_article_url("https://tekgazeta.ru/category/novosti/")
    assert not profile.is_article_url("https://tekgazeta.ru/wp-login.php")


def test_unknown_profile_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown site profile"):
        get_profile("https://example.org/", "no-such-site")
