"""Lets scrapyd-deploy build an egg from this checkout; all metadata is in pyproject.toml."""

from setuptools import setup

setup()
