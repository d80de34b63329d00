"""URL hygiene: one canonical spelling per article so dedup keys and rows agree."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

logger = logging.getLogger(__name__)

#: Query parameters that only track where a click came from (DESIGN.md: url field).
TRACKING_PARAMS: frozenset[str] = frozenset(
    {"yclid", "gclid", "fbclid", "from", "_openstat", "ysclid", "mc_cid", "mc_eid", "igshid"}
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)
#: Query parameters that give another view of the same article, never another article:
#: WordPress print views (``print``), a reply link's target (``replytocom``), AMP switches
#: (``amp``, ``noamp``), Jetpack share buttons (``share``, ``nb``), analytics and social
#: click ids (``_ga``, ``_gl``, ``fb_action_ids``, ``fb_action_types``, ``fb_source``,
#: ``ref``, ``mkt_tok``). Each variant fetched separately was an extra row with slightly
#: different text.
VARIANT_PARAMS: frozenset[str] = frozenset(
    {
        "print",
        "replytocom",
        "amp",
        "noamp",
        "share",
        "nb",
        "_ga",
        "_gl",
        "fb_action_ids",
        "fb_action_types",
        "fb_source",
        "ref",
        "mkt_tok",
    }
)
#: Trailing path segments that are views of the page before them: AMP (``/amp/``), print
#: (``/print/``) and paged comments (``/comment-page-2/``).
_VARIANT_SUFFIX = re.compile(r"(?<=[^/])/(?:amp|print|comment-page-\d+)/?$", re.IGNORECASE)


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low in VARIANT_PARAMS or low.startswith(TRACKING_PREFIXES)


#: Clean spellings remembered (bounded): a listing page cleans each of its links 3-5 times.
_URL_CACHE = 8192


#: An absolute URL that cleaning gives back as it is (bar the "/" of an empty path): http(s),
#: a lower-case host name of non-empty labels, no user, query or fragment, no port or one
#: that is kept (not the scheme's default, no leading zero), a path of unreserved
#: characters, slashes and %-escapes. Most links and canonicals are of this form;
#: the general path costs ~20 µs a URL (urljoin, w3lib's safe_url_string, urlsplit and
#: urlunsplit, the query's parse and encode), the match under 1 µs: possessive runs (nothing
#: they take is given back), 0.2x the time of a test a character.
_PLAIN_URL = re.compile(
    r"(?P<scheme>https?)://[a-z0-9-]++(?:\.[a-z0-9-]++)*+(?::(?P<port>[1-9][0-9]{0,4}+))?+"
    r"(?P<path>(?:/(?:[A-Za-z0-9._~-]++|%[0-9A-Fa-f]{2})*+)*+)"
)


@lru_cache(maxsize=_URL_CACHE)
def clean_url(url: str | None, base: str | None = None) -> str:
    """Absolute URL without fragment, tracking and variant parameters, AMP/print/comment-page
    suffixes, default port or upper-case host: one spelling per article.

    The path is kept as the site spells it (WordPress decides the trailing slash); "" for
    anything that is not an http(s) URL.
    """
    if not url:
        return ""
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None and _kept_port(plain["scheme"], plain["port"]):
        # The general path's result (tests/test_urls_profiles.py fuzzes it).
        path = plain["path"]
        if not path:
            return url + "/"
        if not _VARIANT_SUFFIX.search(path):
            return url
    return _clean_general(url, base)


def _kept_port(scheme: str, port: str | None) -> bool:
    """No port, or one the general path keeps as written (a site served on its own port)."""
    if port is None:
        return True
    number = int(port)
    return number <= 65535 and number != (80 if scheme == "http" else 443)


def _clean_general(url: str, base: str | None) -> str:
    """``clean_url`` of a stripped, non-empty URL, for any URL."""
    if base:
        url = urljoin(base, url)
    try:
        url = safe_url_string(url)
        parts = urlsplit(url)
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    try:
        port = parts.port
    except ValueError:
        return ""
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    path = parts.path or "/"
    if _VARIANT_SUFFIX.search(path):  # /slug/amp/ -> /slug/ (the slash WordPress writes)
        path = _VARIANT_SUFFIX.sub("/", path)
    return urlunsplit((scheme, host, path, query, ""))


@lru_cache(maxsize=_URL_CACHE)
def url_key(url: str) -> str:
    """Dedup key: the clean URL with ``/slug`` and ``/slug/`` treated as one page.

    Remembered like ``clean_url``: a listing page asks for the key of each link many times."""
    cleaned = clean_url(url)
    parts = urlsplit(cleaned)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", parts.netloc, path, parts.query, ""))


@lru_cache(maxsize=_URL_CACHE)
def site_of(url: str) -> str:
    """Host name as analysts name the outlet: ``uv-kurier.ru`` (no ``www.``, no port)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def same_site(a: str, b: str) -> bool:
    """True when two URLs belong to one outlet (``www.`` and ports aside)."""
    return bool(site_of(a)) and site_of(a) == site_of(b)
