"""Export the article store as JSONL, CSV or Parquet, with a Frictionless data package.

``run_export(home, ExportRequest(...))`` is what ``unionnews export`` calls: it selects the
articles (all, by filters, or by a search query through :mod:`indexer.search`) and writes
them in one of the dataset formats of :mod:`archive.dataset`, which the web app's downloads
share.
"""
from unionnews.export.run import ExportRequest, ExportResult, run_export

__all__ = ["ExportRequest", "ExportResult", "run_export"]
