"""The analysts' side: commands that read the store (export, stats) or saved pages (extract),
and the CSV format of Scrapy feeds."""
