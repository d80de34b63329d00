"""Scrapy commands the project overrides (``crawl`` with meaningful exit statuses)."""
