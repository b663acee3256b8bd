"""Where a model's rows come from: the source protocol, and Parquet and CSV files, read as of a date.

Every source streams only the columns asked for, in record batches, keeping the rows whose
time column falls in a window of calendar days (see :mod:`paraguas.data.window`), so training
as of a date never sees a later row and memory stays flat however large the source is.
Sources are frozen values: constructors store what they are given and do no I/O.
"""

from __future__ import annotations

import glob
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import pyarrow.csv as pacsv

from paraguas.data.window import check_iso_strings, check_time_type, day_window, is_string
from paraguas.errors import DataError, SchemaError, SpecError
from paraguas.spec.names import did_you_mean

if TYPE_CHECKING:
    import pyarrow.dataset as ds
    from typing_extensions import Self

__all__ = ["BATCH_SIZE", "CSV", "Parquet", "Source"]

BATCH_SIZE = 65_536
GLOB_CHARACTERS = frozenset("*?[")
READAHEAD = 4  # batches read ahead per file: bounds memory at a few batches, whatever the size
# Bound for a SQL query's :start or :end when the caller leaves that side of the window open.


class Source(ABC):
    """What every data source does: describe itself, resolve its paths, read a window of days."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """A JSON-able description (kind and location/query), part of a spec's hash."""

    @abstractmethod
    def resolve(self, base_dir: Path) -> Self:
        """The same source with relative paths made absolute against ``base_dir``."""

    @abstractmethod
    def batches(
        self,
        columns: Sequence[str],
        *,
        time: str | None = None,
        start: date | None = None,
        end: date | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> Iterator[pa.RecordBatch]:
        """Stream ``columns`` (in that order) of the rows with ``start <= date(time) <= end``.

        Either bound may be left out: ``end`` alone reads the data as of that day; ``start ==
        end`` reads that one day. A missing file or column is reported by the call itself; a SQL
        source reports query and column errors when the query runs, at the first batch.
        """

    def read(
        self,
        columns: Sequence[str],
        *,
        time: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> pa.Table:
        """The rows of :meth:`batches` as one table (for training, which needs them all)."""
        tables = [
            pa.Table.from_batches([batch])
            for batch in self.batches(columns, time=time, start=start, end=end)
        ]
        if not tables:
            return self._empty(unique_columns(columns))
        return pa.concat_tables(tables, promote_options="permissive")

    def _empty(self, columns: list[str]) -> pa.Table:
        return pa.schema([(name, pa.null()) for name in columns]).empty_table()


# files -----------------------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class _Files(Source):
    """A file, a folder (hive-partitioned or not) or a glob of files in one format."""

    path: str
    kind: ClassVar[str]
    label: ClassVar[str]

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path}

    def resolve(self, base_dir: Path) -> Self:
        if Path(self.path).is_absolute():
            return self
        return replace(self, path=str(Path(base_dir) / self.path))

    @abstractmethod
    def _format(self) -> ds.FileFormat: ...

    def batches(
        self,
        columns: Sequence[str],
        *,
        time: str | None = None,
        start: date | None = None,
        end: date | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> Iterator[pa.RecordBatch]:
        wanted = unique_columns(columns)
        need_time(time, start, end, self.path)
        dataset = self._dataset()
        check_columns([*wanted, *([time] if time else [])], dataset.schema.names, self.path)
        window = None
        if time is not None:
            kind = dataset.schema.field(time).type
            check_time_type(time, kind, self.path)
            window = day_window(time, kind, start, end)
        scan = with_time(wanted, time)
        try:
            # Fail here, at the call, on a bad filter or column rather than at the first batch.
            dataset.scanner(columns=scan, filter=window, batch_size=batch_size)
        except (pa.ArrowException, OSError) as exc:
            raise self._unreadable(exc) from exc
        return self._stream(dataset, scan, window, batch_size, wanted, time)

    def _stream(
        self,
        dataset: ds.FileSystemDataset,
        scan: list[str],
        window: ds.Expression | None,
        batch_size: int,
        wanted: list[str],
        time: str | None,
    ) -> Iterator[pa.RecordBatch]:
        try:
            for batch in self._scan(dataset, scan, window, batch_size):
                if batch.num_rows == 0:
                    continue
                yield finish_batch(batch, wanted, time, self.path)
        except (pa.ArrowException, OSError) as exc:
            raise self._unreadable(exc) from exc

    def _scan(
        self,
        dataset: ds.FileSystemDataset,
        columns: list[str],
        window: ds.Expression | None,
        batch_size: int,
    ) -> Iterator[pa.RecordBatch]:
        scanner = dataset.scanner(
            columns=columns, filter=window, batch_size=batch_size, batch_readahead=READAHEAD
        )
        yield from scanner.to_batches()

    def _empty(self, columns: list[str]) -> pa.Table:
        schema = self._dataset().schema
        return pa.schema([schema.field(name) for name in columns]).empty_table()

    def _dataset(self) -> ds.FileSystemDataset:
        """Open the dataset (reads only file listings and schemas, never rows)."""
        import pyarrow.dataset as ds  # imports pandas when it is installed: not at import time

        try:
            if GLOB_CHARACTERS & set(self.path):
                files, base = self._glob()
                hive = any(_is_hive(Path(f).relative_to(base).parent.parts) for f in files)
                dataset = ds.dataset(
                    files,
                    format=self._format(),
                    partitioning="hive" if hive else None,
                    partition_base_dir=str(base) if hive else None,
                )
            else:
                folder = Path(self.path)
                if not folder.exists():
                    raise self._missing()
                hive = folder.is_dir() and _has_hive_folders(folder)
                dataset = ds.dataset(
                    self.path, format=self._format(), partitioning="hive" if hive else None
                )
        except (pa.ArrowException, OSError) as exc:
            raise self._unreadable(exc) from exc
        assert isinstance(dataset, ds.FileSystemDataset)
        if not dataset.files:
            raise DataError(
                f"{self.path} holds no {self.label} files. Put the data there, or fix the path."
            )
        return dataset

    def _glob(self) -> tuple[list[str], Path]:
        files = sorted(f for f in glob.glob(self.path, recursive=True) if os.path.isfile(f))
        if not files:
            raise DataError(
                f"{self.path} matches no file. Check the pattern, e.g. 'data/*.{self.kind}'."
            )
        parts = Path(self.path).parts
        fixed = next(i for i, part in enumerate(parts) if GLOB_CHARACTERS & set(part))
        return files, Path(*parts[:fixed]) if fixed else Path()

    def _missing(self) -> DataError:
        parent = os.path.dirname(self.path)
        try:
            nearby = [os.path.join(parent, name) for name in os.listdir(parent or ".")]
        except OSError:
            nearby = []
        return DataError(
            f"{self.path} does not exist." + did_you_mean(self.path, nearby) + " Fix the path "
            "(a relative path is read from the project folder)."
        )

    def _unreadable(self, exc: BaseException) -> DataError:
        if isinstance(exc, DataError):
            return exc
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return DataError(
            f"{self.path} cannot be read as {self.label}: {detail}. Check that every file there "
            f"is a valid {self.label} file with the same columns."
        )


@dataclass(frozen=True, init=False)
class Parquet(_Files):
    """Parquet data: a file, a folder, a glob, or a hive-partitioned folder (``day=2026-01-31``)."""

    kind: ClassVar[str] = "parquet"
    label: ClassVar[str] = "Parquet"

    def __init__(self, path: str | Path) -> None:
        object.__setattr__(self, "path", os.fspath(path))

    def _format(self) -> ds.FileFormat:
        import pyarrow.dataset as ds

        # Pre-buffering reads ahead whole files: memory would grow with the file, not the batch.
        scan = ds.ParquetFragmentScanOptions(pre_buffer=False)
        return ds.ParquetFileFormat(default_fragment_scan_options=scan)

    def _scan(
        self,
        dataset: ds.FileSystemDataset,
        columns: list[str],
        window: ds.Expression | None,
        batch_size: int,
    ) -> Iterator[pa.RecordBatch]:
        # One row group at a time: a dataset scanner reads several files' and row groups' worth
        # ahead, so its peak memory grows with the row groups' size; this way it stays at one
        # row group plus a few batches. Row groups whose statistics exclude the window are
        # skipped unread, as before.
        projection, inside = in_window(columns, window)
        for fragment in dataset.get_fragments(filter=window):
            for piece in fragment.split_by_row_group(window, schema=dataset.schema):
                for batch in piece.to_batches(
                    schema=dataset.schema,
                    columns=projection,
                    batch_size=batch_size,
                    batch_readahead=READAHEAD,
                ):
                    yield keep_inside(batch, inside)


@dataclass(frozen=True, init=False)
class CSV(_Files):
    """CSV data with a header row: a file, a folder or a glob. Empty fields are missing values."""

    delimiter: str
    kind: ClassVar[str] = "csv"
    label: ClassVar[str] = "CSV"

    def __init__(self, path: str | Path, *, delimiter: str = ",") -> None:
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise SpecError(f"CSV delimiter {delimiter!r} must be a single character, e.g. ';'.")
        object.__setattr__(self, "path", os.fspath(path))
        object.__setattr__(self, "delimiter", delimiter)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "delimiter": self.delimiter}

    def _format(self) -> ds.FileFormat:
        import pyarrow.dataset as ds

        return ds.CsvFileFormat(
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
        )


# shared ----------------------------------------------------------------------------------------


def unique_columns(columns: Sequence[str]) -> list[str]:
    if isinstance(columns, str):
        raise TypeError(f"columns must be a list of names, not the string {columns!r}")
    return list(dict.fromkeys(columns))


def with_time(wanted: list[str], time: str | None) -> list[str]:
    """The columns to scan: the wanted ones, plus the time column to check it."""
    return [*wanted, time] if time is not None and time not in wanted else wanted


def need_time(time: str | None, start: date | None, end: date | None, where: str) -> None:
    if time is None and (start is not None or end is not None):
        raise DataError(
            f"Reading {where} between {start} and {end} needs a time column; give `time`."
        )


def check_columns(needed: Sequence[str], available: Sequence[str], where: str) -> None:
    for name in needed:
        if name not in available:
            shown = ", ".join(available[:30]) + (", …" if len(available) > 30 else "")
            raise SchemaError(
                f"Column {name!r} is not a column of {where}."
                + did_you_mean(name, available)
                + f" Its columns: {shown or '(none)'}."
            )


def in_window(
    columns: list[str], window: ds.Expression | None
) -> tuple[dict[str, ds.Expression], str | None]:
    """A scan's projection: ``columns``, then the window as a column of booleans (its name is
    returned; ``None`` without a window) for :func:`keep_inside` to filter the rows by.

    Scanning with the window as a filter copies every column of every batch, even when every
    row is kept (a day's file read for that day): 40% of reading it. The mask costs a column of
    booleans, and a batch is copied only when it has rows to drop.
    """
    import pyarrow.dataset as ds

    projection = {name: ds.field(name) for name in columns}
    if window is None:
        return projection, None
    inside = "__paraguas_in_window"
    while inside in projection:
        inside += "_"
    projection[inside] = window
    return projection, inside


def keep_inside(batch: pa.RecordBatch, inside: str | None) -> pa.RecordBatch:
    """``batch`` without the mask column of :func:`in_window`, and without the rows it does not
    keep (false or null, as a scan's filter drops them)."""
    if inside is None:
        return batch
    mask = batch.column(inside)
    rows = batch.drop_columns([inside])
    return rows if mask.true_count == batch.num_rows else rows.filter(mask)


def finish_batch(
    batch: pa.RecordBatch, wanted: list[str], time: str | None, where: str
) -> pa.RecordBatch:
    """Refuse non-ISO time strings, then keep only the wanted columns, in order."""
    if time is not None and is_string(batch.schema.field(time).type):
        check_iso_strings(batch.column(time), time, where)
    if batch.schema.names == wanted:
        return batch
    return batch.select(wanted)


def _has_hive_folders(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return any(entry.is_dir() and _is_hive((entry.name,)) for entry in entries)


def _is_hive(parts: Sequence[str]) -> bool:
    return any("=" in part and not part.startswith("=") for part in parts)
