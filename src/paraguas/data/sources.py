"""Where a model's rows come from: Parquet and CSV files and SQL queries, read as of a date.

Every source streams only the columns asked for, in record batches, keeping the rows whose
time column falls in a window of calendar days (see :mod:`paraguas.data.window`), so training
as of a date never sees a later row and memory stays flat however large the source is.
Sources are frozen values: constructors store what they are given and do no I/O.
"""

from __future__ import annotations

import glob
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
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
    from sqlalchemy.engine import Engine
    from sqlalchemy.sql.elements import TextClause
    from typing_extensions import Self

__all__ = ["BATCH_SIZE", "CSV", "SQL", "Parquet", "Source", "source_from_mapping"]

BATCH_SIZE = 65_536
GLOB_CHARACTERS = frozenset("*?[")
READAHEAD = 4  # batches read ahead per file: bounds memory at a few batches, whatever the size
# Bound for a SQL query's :start or :end when the caller leaves that side of the window open.
OPEN_START, OPEN_END = date(1, 1, 1), date(9999, 12, 31)


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
            return self._empty(_unique(columns))
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
        wanted = _unique(columns)
        _need_time(time, start, end, self.path)
        dataset = self._dataset()
        _check_columns([*wanted, *([time] if time else [])], dataset.schema.names, self.path)
        window = None
        if time is not None:
            kind = dataset.schema.field(time).type
            check_time_type(time, kind, self.path)
            window = day_window(time, kind, start, end)
        scan = _with_time(wanted, time)
        try:
            scanner = dataset.scanner(
                columns=scan, filter=window, batch_size=batch_size, batch_readahead=READAHEAD
            )
        except (pa.ArrowException, OSError) as exc:
            raise self._unreadable(exc) from exc
        return self._stream(scanner, wanted, time)

    def _stream(
        self, scanner: ds.Scanner, wanted: list[str], time: str | None
    ) -> Iterator[pa.RecordBatch]:
        try:
            for batch in scanner.to_batches():
                if batch.num_rows == 0:
                    continue
                yield _finish(batch, wanted, time, self.path)
        except (pa.ArrowException, OSError) as exc:
            raise self._unreadable(exc) from exc

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


# SQL -------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SQL(Source):
    """Rows of a SQL query on any SQLAlchemy URL.

    The query may use ``:start`` and ``:end`` (dates) so that the database filters the window;
    paraguas filters the rows again, so a query that forgets to cannot leak a later row. An
    open side of the window binds ``0001-01-01`` or ``9999-12-31``.
    """

    url: str
    query: str

    def __repr__(self) -> str:
        return f"SQL(url={_hidden(self.url)!r}, query={self.query!r})"

    def describe(self) -> dict[str, Any]:
        return {"kind": "sql", "url": _hidden(self.url), "query": self.query}

    def resolve(self, base_dir: Path) -> Self:
        """A SQLite file given by a relative path is found in ``base_dir``."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(self.url)
        except ArgumentError:
            return self  # reported, with the fix, when the source is read
        database = url.database
        if url.get_backend_name() != "sqlite" or not _is_sqlite_file(database):
            return self
        assert database is not None
        if Path(database).is_absolute():
            return self
        absolute = url.set(database=str(Path(base_dir) / database))
        return replace(self, url=absolute.render_as_string(hide_password=False))

    def batches(
        self,
        columns: Sequence[str],
        *,
        time: str | None = None,
        start: date | None = None,
        end: date | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> Iterator[pa.RecordBatch]:
        wanted = _unique(columns)
        where = f"the query on {_hidden(self.url)}"
        _need_time(time, start, end, where)
        statement, params = self._statement(start, end)
        engine = self._engine()
        return self._stream(engine, statement, params, wanted, time, (start, end), batch_size)

    def _stream(
        self,
        engine: Engine,
        statement: TextClause,
        params: dict[str, date],
        wanted: list[str],
        time: str | None,
        window: tuple[date | None, date | None],
        batch_size: int,
    ) -> Iterator[pa.RecordBatch]:
        from sqlalchemy.exc import SQLAlchemyError

        where = f"the query on {_hidden(self.url)}"
        scan = _with_time(wanted, time)
        types: dict[str, pa.DataType] = {}
        try:
            with engine.connect() as connection:
                streaming = connection.execution_options(yield_per=batch_size)
                result = streaming.execute(statement, params)
                names = list(result.keys())
                _check_columns(scan, names, where)
                positions = [names.index(name) for name in scan]
                for rows in result.partitions(batch_size):
                    batch = _rows_to_batch(rows, scan, positions, types, where)
                    if time is not None:
                        kind = batch.schema.field(time).type
                        check_time_type(time, kind, where)
                        batch = _keep(batch, day_window(time, kind, *window))
                    if batch.num_rows:
                        yield _finish(batch, wanted, time, where)
        except SQLAlchemyError as exc:
            original = getattr(exc, "orig", None) or exc
            detail = str(original).strip().splitlines()[0] if str(original).strip() else ""
            raise DataError(
                f"The query on {_hidden(self.url)} failed: {type(original).__name__}: {detail}. "
                "Check the query, and that the database is reachable."
            ) from exc
        finally:
            engine.dispose()

    def _statement(
        self, start: date | None, end: date | None
    ) -> tuple[TextClause, dict[str, date]]:
        from sqlalchemy import Date, bindparam, text

        statement = text(self.query)
        names = set(statement.compile().params)
        unknown = sorted(names - {"start", "end"})
        if unknown:
            raise DataError(
                f"The query on {_hidden(self.url)} uses :{', :'.join(unknown)}; only :start and "
                ":end (the first and last day read) are given to it."
            )
        bounds = {"start": start or OPEN_START, "end": end or OPEN_END}
        params = {name: bounds[name] for name in sorted(names)}
        typed = statement.bindparams(*(bindparam(name, type_=Date) for name in params))
        return typed, params

    def _engine(self) -> Engine:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            url = make_url(self.url)
            if url.get_backend_name() == "sqlite" and _is_sqlite_file(url.database):
                assert url.database is not None
                if not Path(url.database).exists():
                    # SQLite would create an empty database instead of reading one.
                    raise DataError(
                        f"{url.database} does not exist (SQL source {_hidden(self.url)}). "
                        "Fix the path (a relative path is read from the project folder)."
                    )
            return create_engine(url)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise DataError(
                f"SQL source {_hidden(self.url)} cannot be opened: {exc}. Use a SQLAlchemy URL "
                "such as 'sqlite:///data/shop.db' or 'postgresql+psycopg://user@host/db', and "
                "install its driver (pip install 'paraguas[postgres]' for PostgreSQL)."
            ) from exc


# from a YAML spec ------------------------------------------------------------------------------

_KINDS = ("parquet", "csv", "sql")
_OPTIONS = {"parquet": (), "csv": ("delimiter",), "sql": ()}


def source_from_mapping(mapping: Mapping[str, Any]) -> Parquet | CSV | SQL:
    """The source a YAML spec's ``data:`` declares.

    >>> source_from_mapping({"csv": "data/sales.csv", "delimiter": ";"})
    CSV(path='data/sales.csv', delimiter=';')
    """
    example = (
        "e.g. {parquet: data/weather.parquet}, {csv: data/x.csv, delimiter: ';'} "
        "or {sql: {url: ..., query: ...}}"
    )
    if not isinstance(mapping, Mapping):
        raise SpecError(f"data must be a mapping naming one source, {example}.")
    kinds = [kind for kind in _KINDS if kind in mapping]
    if len(kinds) != 1:
        keys = [str(key) for key in mapping]
        hint = did_you_mean(keys[0], _KINDS) if keys and not kinds else ""
        raise SpecError(
            f"data has keys {', '.join(map(repr, keys)) or '(none)'}; expected exactly one of "
            f"{', '.join(_KINDS)}, {example}." + hint
        )
    kind = kinds[0]
    allowed = (kind, *_OPTIONS[kind])
    for key in mapping:
        if key not in allowed:
            raise SpecError(
                f"data: {key!r} is not an option of a {kind} source (options: "
                f"{', '.join(_OPTIONS[kind]) or 'none'})." + did_you_mean(str(key), allowed)
            )
    value = mapping[kind]
    if kind == "sql":
        return _sql_from_mapping(value)
    if not isinstance(value, str | os.PathLike) or not os.fspath(value):
        raise SpecError(f"data: {kind} must be a path (a file, folder or glob), not {value!r}.")
    path = os.fspath(value)
    if kind == "parquet":
        return Parquet(path)
    return CSV(path, delimiter=mapping.get("delimiter", ","))


def _sql_from_mapping(value: Any) -> SQL:
    if not isinstance(value, Mapping):
        raise SpecError("data: sql must be a mapping with a url and a query.")
    for key in value:
        if key not in ("url", "query"):
            raise SpecError(
                f"data: sql has {key!r}; expected only url and query."
                + did_you_mean(str(key), ("url", "query"))
            )
    for key in ("url", "query"):
        if not isinstance(value.get(key), str) or not value[key].strip():
            raise SpecError(f"data: sql needs a {key} (a non-empty string).")
    return SQL(value["url"], value["query"])


# shared ----------------------------------------------------------------------------------------


def _unique(columns: Sequence[str]) -> list[str]:
    if isinstance(columns, str):
        raise TypeError(f"columns must be a list of names, not the string {columns!r}")
    return list(dict.fromkeys(columns))


def _with_time(wanted: list[str], time: str | None) -> list[str]:
    """The columns to scan: the wanted ones, plus the time column to check it."""
    return [*wanted, time] if time is not None and time not in wanted else wanted


def _need_time(time: str | None, start: date | None, end: date | None, where: str) -> None:
    if time is None and (start is not None or end is not None):
        raise DataError(
            f"Reading {where} between {start} and {end} needs a time column; give `time`."
        )


def _check_columns(needed: Sequence[str], available: Sequence[str], where: str) -> None:
    for name in needed:
        if name not in available:
            shown = ", ".join(available[:30]) + (", …" if len(available) > 30 else "")
            raise SchemaError(
                f"Column {name!r} is not a column of {where}."
                + did_you_mean(name, available)
                + f" Its columns: {shown or '(none)'}."
            )


def _finish(
    batch: pa.RecordBatch, wanted: list[str], time: str | None, where: str
) -> pa.RecordBatch:
    """Refuse non-ISO time strings, then keep only the wanted columns, in order."""
    if time is not None and is_string(batch.schema.field(time).type):
        check_iso_strings(batch.column(time), time, where)
    if batch.schema.names == wanted:
        return batch
    return batch.select(wanted)


def _keep(batch: pa.RecordBatch, window: Any) -> pa.RecordBatch:
    if window is None:
        return batch
    table = pa.Table.from_batches([batch]).filter(window).combine_chunks()
    return table.to_batches()[0] if table.num_rows else batch.slice(0, 0)


def _rows_to_batch(
    rows: Sequence[Any],
    names: list[str],
    positions: list[int],
    types: dict[str, pa.DataType],
    where: str,
) -> pa.RecordBatch:
    """Columns of DB-API rows, typed like the previous batches when the values allow it."""
    arrays = []
    for name, position in zip(names, positions, strict=True):
        values = [row[position] for row in rows]
        known = types.get(name)
        array = None
        if known is not None:
            try:
                array = pa.array(values, type=known)
            except (pa.ArrowException, ValueError, TypeError, OverflowError):
                array = None
        if array is None:
            try:
                array = pa.array(values)
            except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
                raise DataError(
                    f"Column {name!r} of {where} mixes values of different types ({exc}); "
                    "cast it to one type in the query."
                ) from exc
        if not pa.types.is_null(array.type):
            types.setdefault(name, array.type)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def _has_hive_folders(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return any(entry.is_dir() and _is_hive((entry.name,)) for entry in entries)


def _is_hive(parts: Sequence[str]) -> bool:
    return any("=" in part and not part.startswith("=") for part in parts)


def _is_sqlite_file(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


def _hidden(url: str) -> str:
    """The URL with its password replaced by ``***``, for messages and descriptions."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)
