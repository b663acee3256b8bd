"""Rows of a SQL query on any SQLAlchemy URL, read as of a date like every source."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from paraguas.data.sources import (
    BATCH_SIZE,
    Source,
    check_columns,
    finish_batch,
    need_time,
    unique_columns,
    with_time,
)
from paraguas.data.window import check_time_type, day_window
from paraguas.errors import DataError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.sql.elements import TextClause
    from typing_extensions import Self

__all__ = ["SQL"]

# Bound to :start / :end when a side of the window is open.
OPEN_START, OPEN_END = date(1, 1, 1), date(9999, 12, 31)


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
        wanted = unique_columns(columns)
        where = f"the query on {_hidden(self.url)}"
        need_time(time, start, end, where)
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
        scan = with_time(wanted, time)
        types: dict[str, pa.DataType] = {}
        try:
            with engine.connect() as connection:
                streaming = connection.execution_options(yield_per=batch_size)
                result = streaming.execute(statement, params)
                names = list(result.keys())
                check_columns(scan, names, where)
                positions = [names.index(name) for name in scan]
                for rows in result.partitions(batch_size):
                    batch = _rows_to_batch(rows, scan, positions, types, where)
                    if time is not None:
                        kind = batch.schema.field(time).type
                        check_time_type(time, kind, where)
                        batch = _keep(batch, day_window(time, kind, *window))
                    if batch.num_rows:
                        yield finish_batch(batch, wanted, time, where)
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
