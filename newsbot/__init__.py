"""newsbot: a Scrapy project that turns a Moscow district outlet into a clean dataset."""

from __future__ import annotations

__version__ = "0.1.0"
