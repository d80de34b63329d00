"""Scrapy extensions for running newsbot unattended: lock, run summary, log file."""
