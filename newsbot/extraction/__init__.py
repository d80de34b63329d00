"""Extraction: plain functions over HTML, testable without a crawler."""

from __future__ import annotations

from newsbot.extraction.article import ArticleExtraction, extract_article
from newsbot.extraction.listing import Listing, ListingEntry, extract_listing

__all__ = ["ArticleExtraction", "Listing", "ListingEntry", "extract_article", "extract_listing"]
