"""scrapy-splash's SplashMiddleware, made to run on Scrapy 2.14+.

scrapy-splash 0.11.1 (its newest release) calls ``Downloader._get_slot_key(request, None)``,
which Scrapy 2.14 removed ('Downloader' object has no attribute '_get_slot_key'); the public
``get_slot_key(request)`` has done the same job since Scrapy 2.12. Only imported when Splash
is switched on, so normal runs do not pay scrapy-splash's import-time deprecation warnings.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy_splash import SplashMiddleware as _SplashMiddleware

logger = logging.getLogger(__name__)


class SplashMiddleware(_SplashMiddleware):  # type: ignore[misc]
    def _get_slot_key(self, request_or_response: Any) -> str:
        return str(self.crawler.engine.downloader.get_slot_key(request_or_response))
