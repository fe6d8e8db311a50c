"""Streaming writers for the three export formats, and the all-or-nothing output file.

Each writer takes one record at a time (``write(row)`` with JSON-typed values, see
``schema.export_value``) and keeps at most one Parquet row group in memory, so an export
uses the same memory for a thousand articles as for a million.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from archive.errors import UserError
from archive.dataset.schema import (
    Field, csv_cell, parquet_columns, parse_local_time, parse_utc_time,
)

FORMATS = ("jsonl", "csv", "parquet")
PARQUET_ROW_GROUP = 5_000
# A row group is also closed once its text reaches this size, so a corpus of unusually long
# articles cannot grow the buffer (peak memory is a few times the buffered text).
PARQUET_ROW_GROUP_TEXT = 48 << 20


class JsonlWriter:
    """One JSON object per line, UTF-8, Vietnamese kept as is (no ``\\u`` escapes)."""

    def __init__(self, binary: BinaryIO, fields: tuple[Field, ...], *, excel: bool = False):
        self.text = io.TextIOWrapper(binary, encoding="utf-8", newline="\n", write_through=False)
        self.fields = fields

    def write(self, row: dict) -> None:
        self.text.write(json.dumps(row, ensure_ascii=False))
        self.text.write("\n")

    def close(self) -> None:
        self.text.flush()
        self.text.detach()  # the caller owns the binary stream (it may be stdout)

    def discard(self) -> None:
        """Give up after an error: detach without flushing into a file about to be deleted."""
        try:
            self.text.detach()
        except ValueError:  # already detached
            pass


class CsvWriter:
    """RFC 4180 CSV: header row, ``\\r\\n`` line ends, quotes doubled; ``excel`` adds a BOM."""

    def __init__(self, binary: BinaryIO, fields: tuple[Field, ...], *, excel: bool = False):
        # utf-8-sig writes the BOM Excel needs to recognise UTF-8 instead of a legacy code page
        self.text = io.TextIOWrapper(binary, encoding="utf-8-sig" if excel else "utf-8",
                                     newline="", write_through=False)
        self.fields = fields
        self.writer = csv.writer(self.text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self.writer.writerow([field.name for field in fields])

    def write(self, row: dict) -> None:
        self.writer.writerow([csv_cell(row[field.name], field) for field in self.fields])

    def close(self) -> None:
        self.text.flush()
        self.text.detach()

    discard = JsonlWriter.discard


class ParquetWriter:
    """Typed Parquet written one row group at a time.

    A row group holds ``PARQUET_ROW_GROUP`` rows, or fewer when their text reaches
    ``PARQUET_ROW_GROUP_TEXT`` characters; only the current one is ever in memory.
    """

    def __init__(self, binary: BinaryIO, fields: tuple[Field, ...], *, excel: bool = False,
                 row_group_size: int | None = None):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        self.columns = parquet_columns(fields)
        self.schema = pa.schema([pa.field(name, self._arrow_type(field, is_text), nullable=True)
                                 for name, field, is_text in self.columns])
        self.row_group_size = row_group_size or PARQUET_ROW_GROUP
        self.buffer: dict[str, list] = {name: [] for name, _, _ in self.columns}
        self.buffered = 0
        self.buffered_text = 0
        self.writer = pq.ParquetWriter(binary, self.schema, compression="zstd")

    def _arrow_type(self, field: Field, is_text: bool):
        pa = self.pa
        if is_text:
            return pa.string()
        return {
            "int": pa.int64(),
            # Parquet has no seconds unit (only milli/micro/nano), so a timestamp[s] column
            # would be coerced to ms on write anyway; say ms here so that the schema we
            # declare is the one readers get back. Values are still whole seconds.
            "local_time": pa.timestamp("ms", tz="+07:00"),
            "utc_time": pa.timestamp("ms", tz="UTC"),
            "tags": pa.list_(pa.string()),
            "images": pa.list_(pa.struct([("url", pa.string()), ("caption", pa.string())])),
        }.get(field.kind, pa.string())

    def write(self, row: dict) -> None:
        for name, field, is_text in self.columns:
            value = row[field.name]
            if not is_text and field.kind in ("local_time", "utc_time"):
                parse = parse_local_time if field.kind == "local_time" else parse_utc_time
                value = parse(value)
                # the record format has second precision; drop stray microseconds
                value = value.replace(microsecond=0) if value is not None else None
            elif isinstance(value, str):
                self.buffered_text += len(value)
            self.buffer[name].append(value)
        self.buffered += 1
        if self.buffered >= self.row_group_size or self.buffered_text >= PARQUET_ROW_GROUP_TEXT:
            self._flush()

    def _flush(self) -> None:
        if not self.buffered:
            return
        table = self.pa.Table.from_pydict(self.buffer, schema=self.schema)
        self.writer.write_table(table, row_group_size=self.row_group_size)
        self.buffer = {name: [] for name in self.buffer}
        self.buffered = self.buffered_text = 0

    def close(self) -> None:
        self._flush()
        self.writer.close()

    def discard(self) -> None:
        """Give up after an error: finish the writer now, while its (temporary) file is open."""
        self.buffer = {}
        try:
            self.writer.close()
        except Exception:  # the file is deleted next; nothing worth reporting
            pass


WRITERS = {"jsonl": JsonlWriter, "csv": CsvWriter, "parquet": ParquetWriter}


def check_destination(path: Path, *, force: bool, also: tuple[Path, ...] = ()) -> None:
    """Refuse, before any work, destinations that cannot or should not be written."""
    if path.is_dir():
        raise UserError(f"{path} is a directory; give a file name, e.g. {path / 'export.csv'}")
    if not path.parent.is_dir():
        raise UserError(f"directory {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise UserError(f"cannot write to directory {path.parent} (permission denied)")
    if not force:
        for target in (path, *also):
            if target.exists():
                raise UserError(f"{target} already exists; use --force to overwrite it")


def _current_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask


def _unnamed_file(directory: Path) -> int | None:
    """An unnamed file in ``directory`` (Linux ``O_TMPFILE``), or None where unsupported.

    Until it is linked into place it has no name, so when the process dies, even by
    SIGKILL where no cleanup code runs, the kernel frees it and nothing is left behind.
    """
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):  # naming it later needs /proc
        return None
    try:
        return os.open(directory, flag | os.O_RDWR, 0o666)  # the umask applies, as for any new file
    except OSError:  # filesystem without O_TMPFILE support: the named temporary file is used
        return None


def _link_unnamed(descriptor: int, target: Path) -> None:
    """Give an ``O_TMPFILE`` file a name: linkat(2) following its /proc/self/fd link.

    A plain ``os.link`` calls link(2), which does not follow that link (EXDEV); passing a
    directory descriptor makes Python use linkat with AT_SYMLINK_FOLLOW.
    """
    proc_fd = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(str(descriptor), target, src_dir_fd=proc_fd, follow_symlinks=True)
    finally:
        os.close(proc_fd)


class PendingFiles:
    """Temporary files next to their destinations that all appear together, or not at all.

    ``create`` opens a temporary file in the destination's directory (so the final
    ``os.replace`` is atomic); leaving the ``with`` block normally moves every file into
    place, and any exception, Ctrl-C included, deletes them, so a failed export never
    leaves a partial file behind and never touches an existing one. On Linux the file is
    unnamed until then (``O_TMPFILE``), so even a killed export leaves nothing. Two names
    cannot appear in one system call: a SIGKILL landing between the links (microseconds
    apart) leaves the first file complete and the second missing.
    """

    def __init__(self) -> None:
        # (path to read the temporary file by, destination, descriptor kept open or None)
        self.pending: list[tuple[Path, Path, int | None]] = []

    def create(self, final: Path) -> tuple[BinaryIO, Path]:
        descriptor = _unnamed_file(final.parent)
        if descriptor is not None:
            # our descriptor keeps the unnamed file alive until it is linked; the caller gets
            # (and closes) its own copy, and reads it back through /proc/self/fd
            temp_path = Path(f"/proc/self/fd/{descriptor}")
            self.pending.append((temp_path, final, descriptor))
            return os.fdopen(os.dup(descriptor), "wb"), temp_path
        try:
            descriptor, temp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part",
                                                     dir=final.parent)
        except OSError as error:
            raise UserError(f"cannot write {final}: {error.strerror}") from error
        temp_path = Path(temp_name)
        self.pending.append((temp_path, final, None))
        # mkstemp makes the file private (0600); an export should get the usual permissions
        os.chmod(descriptor, 0o666 & ~_current_umask())
        return os.fdopen(descriptor, "wb"), temp_path

    def __enter__(self) -> "PendingFiles":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                for temp_path, final, descriptor in self.pending:
                    if descriptor is not None:
                        try:
                            # straight to its name: linkat never overwrites, so a kill
                            # leaves the file either unnamed (gone) or complete
                            _link_unnamed(descriptor, final)
                            continue
                        except FileExistsError:
                            # overwriting (--force): link under a temporary name, then
                            # os.replace swaps it in atomically
                            named = final.with_name(f".{final.name}.{os.getpid()}.part")
                            named.unlink(missing_ok=True)
                            _link_unnamed(descriptor, named)
                            temp_path = named
                    os.replace(temp_path, final)
            else:
                for temp_path, _, descriptor in self.pending:
                    if descriptor is None:
                        temp_path.unlink(missing_ok=True)
        finally:
            for _, _, descriptor in self.pending:
                if descriptor is not None:
                    os.close(descriptor)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
