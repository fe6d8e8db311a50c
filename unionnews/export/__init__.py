"""Export the article store as JSONL, CSV or Parquet, with a Frictionless data package.

``run_export(home, ExportRequest(...))`` is what ``unionnews export`` calls. The record
schema and its per-format spelling live in :mod:`unionnews.export.schema`, the streaming
writers and the all-or-nothing output in :mod:`unionnews.export.writers`, the descriptor
in :mod:`unionnews.export.datapackage`.
"""
from unionnews.export.datapackage import datapackage_path
from unionnews.export.run import ExportRequest, ExportResult, run_export
from unionnews.export.schema import DEFAULT_FIELDS, FIELDS, FIELDS_BY_NAME
from unionnews.export.writers import FORMATS

__all__ = ["DEFAULT_FIELDS", "FIELDS", "FIELDS_BY_NAME", "FORMATS", "ExportRequest", "ExportResult",
           "datapackage_path", "run_export"]
