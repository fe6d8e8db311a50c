"""The one module that reads Whoosh's private structures.

Written against **whoosh3 3.54.0** (``WRITTEN_FOR``), pinned exactly in ``pyproject.toml``.
Whoosh's public matcher API walks postings one at a time in Python; the fast paths of
``indexer.engines.whoosh_postings`` need the raw layout instead, and everything that knows it
is here, nowhere else:

* a term's postings: ``SegmentReader._terms.matcher(field, SegmentReader._text_to_bytes(...),
  format)`` gives the codec's ``W3LeafMatcher``, read block by block with ``_read_data()``
  (zlib, then one pickled tuple per block), ``_data`` = (id deltas, weights: None for all
  1.0, a float for all equal, else one per posting, values), ``_next_block()``; byte ids
  (``_byteids``) are not this layout;
* a ``Positions`` value: a 4-byte count, then the pickled position deltas;
* field lengths: ``SegmentReader._perdoc._cached_reader(whoosh3._lenfield(field),
  whoosh3.LENGTHS_COLUMN)``, one byte a document (``whoosh.util.numeric.byte_to_length``
  undoes the codec's lossy log scale), read whole from the column's ``_dbfile`` at
  ``_basepos`` (``_count`` bytes);
* a ``NumericColumn`` reader's ``_typecode``, ``_count``, ``_default``, ``_dbfile``,
  ``_basepos``, ``_fixedlen`` (fixed-width big-endian values);
* file names: a table of contents is ``_<indexname>_<generation>.toc`` (``TOC._filename``;
  ``has_toc`` looks for one), and Whoosh deletes every file its ``TOC._segment_pattern`` ties
  to a retired segment, which is what removes the hot postings written beside each segment
  (``tests/test_hot_postings.py`` checks that they go).

Anything this module does not recognise is left to Whoosh's public API by its callers (only
slower). ``tests/test_whoosh_internals.py`` fails loudly when the installed version differs
from ``WRITTEN_FOR``, when a private name is gone, or when these readers disagree with
Whoosh's public API (``postings``, ``doc_field_length``, ``column_reader``) on a real index.
"""
from __future__ import annotations

import warnings
from importlib.metadata import PackageNotFoundError, version
from pickle import loads

import numpy as np
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

WRITTEN_FOR = "3.54.0"  # the whoosh3 release these readers were written against

try:
    INSTALLED = version("whoosh3")
except PackageNotFoundError:  # whoosh imported from elsewhere: compare its own version
    import whoosh

    INSTALLED = whoosh.versionstring()
if INSTALLED != WRITTEN_FOR:
    warnings.warn(f"indexer.engines.whoosh_internals reads the private structures of whoosh3 "
                  f"{WRITTEN_FOR}, but {INSTALLED} is installed: run tests/test_whoosh_internals.py "
                  f"before trusting search results", RuntimeWarning, stacklevel=2)

# Whoosh stores each field length as one byte (a lossy log scale); this table undoes it.
LENGTH_OF_BYTE = np.array([byte_to_length(code) for code in range(256)], dtype=np.float32)
_POSITION_HEADER = 4  # Positions values: 4-byte count, then the pickled position deltas


def missing_internals() -> list[str]:
    """The private names this module uses that the installed Whoosh lacks (should be none)."""
    from whoosh.columns import NumericColumn
    from whoosh.reading import SegmentReader

    wanted = {
        SegmentReader: ("_text_to_bytes",),
        whoosh3.W3LeafMatcher: ("_read_data", "_next_block"),
        whoosh3.W3PerDocReader: ("_cached_reader",),
    }
    missing = [f"{owner.__module__}.{owner.__qualname__}.{name}"
               for owner, names in wanted.items() for name in names if not hasattr(owner, name)]
    if not isinstance(LENGTHS_COLUMN, NumericColumn):
        missing.append("whoosh.codec.whoosh3.LENGTHS_COLUMN as a NumericColumn")
    return missing


# -- postings -----------------------------------------------------------------------------

def term_matcher(leaf, field: str, text: str, posting_format):
    """The codec's raw matcher of a term in one segment (``KeyError`` when absent)."""
    return leaf._terms.matcher(field, leaf._text_to_bytes(field, text), posting_format)


def read_blocks(raw, with_values: bool) -> tuple[list, list, list | None] | None:
    """(ids, frequencies, values) of a raw matcher read block by block: per block an int64
    and a float32 array, values (``with_values``) one per posting. None when the matcher is
    not the block layout above: read it through the public matcher API instead."""
    if not hasattr(raw, "_read_data") or getattr(raw, "_byteids", False):
        return None
    ids, freqs, values = [], [], [] if with_values else None
    while raw.is_active():
        raw._read_data()
        deltas, weights, block_values = raw._data[0], raw._data[1], raw._data[2]
        block_ids = np.cumsum(np.asarray(deltas, dtype=np.int64))
        ids.append(block_ids)
        if weights is None:
            freqs.append(np.ones(len(block_ids), np.float32))
        elif isinstance(weights, float):
            freqs.append(np.full(len(block_ids), weights, np.float32))
        else:
            freqs.append(np.asarray(weights, dtype=np.float32))
        if with_values:
            values.extend(block_values if isinstance(block_values, (tuple, list))
                          else [None] * len(block_ids))
        raw._next_block()
    return ids, freqs, values


def position_deltas(values) -> list[list[int]]:
    """The position deltas of each ``Positions`` value ([] for an empty one)."""
    # one pickle per posting is unavoidable; callers do everything else for all at once
    return [loads(value[_POSITION_HEADER:]) if value else [] for value in values]


# -- columns ------------------------------------------------------------------------------

def field_lengths(leaf, field: str, size: int) -> np.ndarray:
    """Every document's length of ``field`` in one segment, as Whoosh's one-byte lengths
    decode (0 for documents without the field)."""
    reader = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    codes = np.zeros(size, dtype=np.uint8)
    if reader is not None:
        raw = reader._dbfile.get(reader._basepos, reader._count)
        codes[:reader._count] = np.frombuffer(raw, dtype=np.uint8)
    return LENGTH_OF_BYTE[codes]


def numeric_column_in_one_go(reader) -> bool:
    """Whether ``numeric_column`` reads this column reader's bytes whole (else value by value)."""
    return (getattr(reader, "_typecode", None) in ("q", "Q", "i", "I")
            and getattr(reader, "_count", None) is not None and hasattr(reader, "_dbfile"))


def numeric_column(reader, size: int, missing: int) -> np.ndarray:
    """A Whoosh NumericColumn read in one go (fixed-width big-endian values); the column's
    default (what documents without a value hold) becomes ``missing``."""
    default = getattr(reader, "_default", None)
    if numeric_column_in_one_go(reader):
        typecode, count = reader._typecode, reader._count
        raw = reader._dbfile.get(reader._basepos, count * reader._fixedlen)
        values = np.frombuffer(raw, dtype=np.dtype(typecode).newbyteorder(">"))
        absent = values == np.asarray(default).astype(values.dtype) if default is not None else None
        result = np.full(size, missing, dtype=np.int64)
        result[:count] = np.where(absent, missing, values.astype(np.int64)) if absent is not None else values
        return result
    values = [missing if value == default else value for value in reader][:size]
    return np.asarray(values + [missing] * (size - len(values)), dtype=np.int64)


# -- files --------------------------------------------------------------------------------

def has_toc(names, index_name: str) -> bool:
    """Whether directory entries ``names`` hold a table of contents of ``index_name``.
    Whoosh's ``exists_in`` unpickles it, and every search asks: that was ~1 ms a search at
    100k articles."""
    return any(name.startswith(f"_{index_name}_") and name.endswith(".toc") for name in names)
