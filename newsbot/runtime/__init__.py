"""The crawl runtime: site profiles, downloader middlewares, rendering, run lock, summary,
health and the crawl command."""
