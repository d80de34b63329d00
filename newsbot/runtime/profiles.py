"""Site profiles (which URLs are articles, which pages to render), kept as data in profiles.toml."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from newsbot.core.urls import site_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteProfile:
    key: str
    article_path: re.Pattern[str]
    exclude_path: re.Pattern[str]
    render: str = "both"  # page types rendered when a renderer is on: listing/article/both/none

    def is_excluded_url(self, url: str) -> bool:
        """Paths that are never articles (archives, feeds, files, WordPress internals)."""
        path = urlsplit(url).path or "/"
        return path == "/" or bool(self.exclude_path.search(path))

    def is_article_url(self, url: str) -> bool:
        """Whether a link's path has the shape of this site's article permalinks."""
        path = urlsplit(url).path or "/"
        if path == "/" or self.exclude_path.search(path):
            return False
        return bool(self.article_path.search(path))


@cache
def _raw_profiles() -> dict[str, dict[str, str]]:
    text = resources.files("newsbot.runtime").joinpath("profiles.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    profiles = {"default": data["default"]}
    profiles.update(data.get("sites", {}))
    return profiles


RENDER_CHOICES = ("listing", "article", "both", "none")


def _build(key: str, raw: dict[str, str], default: dict[str, str]) -> SiteProfile:
    merged = {**default, **raw}
    render = merged["render"]
    if render not in RENDER_CHOICES:
        raise ValueError(
            f"profile {key!r}: render must be one of {', '.join(RENDER_CHOICES)}: {render!r}"
        )
    return SiteProfile(
        key=key,
        article_path=re.compile(merged["article_path"]),
        exclude_path=re.compile(merged["exclude_path"], re.IGNORECASE),
        render=render,
    )


def profile_names() -> list[str]:
    return sorted(_raw_profiles())


def get_profile(url: str, name: str | None = None) -> SiteProfile:
    """The profile named explicitly, else the one for the URL's host, else the default."""
    raw = _raw_profiles()
    key = name or site_of(url)
    if name and name not in raw:
        raise ValueError(f"unknown site profile {name!r}; known: {', '.join(profile_names())}")
    if key not in raw:
        key = "default"
    return _build(key, raw[key], raw["default"])
