"""Dataset formats: what an exported article looks like in JSONL, CSV and Parquet.

Both ``unionnews export`` and the web app's downloads write through these modules: the
exported fields and their per-format spelling (:mod:`.schema`), the streaming writers and
their all-or-nothing output files (:mod:`.writers`), and the Frictionless data package that
describes a dataset (:mod:`.datapackage`).
"""
