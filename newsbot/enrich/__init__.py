"""Enrichment: what the project derives from articles (districts, near-duplicate signatures)."""
