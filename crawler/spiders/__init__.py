"""Spiders: one per registry entry, generated in ``crawler.spiders.sites``."""
