"""The actuals log: what really happened, by key, as it arrives (days or months later).

Each :meth:`ActualsLog.record` call is one Parquet file, written once and never changed::

    <root>/model=<name>/arrived=<YYYY-MM-DD>/<batch id>.parquet

A correction is a new arrival for the same key: :meth:`ActualsLog.latest` sees the newest one
that had arrived by a given moment, :meth:`ActualsLog.history` sees them all.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

from paraguas.errors import DataError, StoreError
from paraguas.prediction.columns import (
    UTC_MICROS,
    new_ids,
    require_aware,
    to_strings,
    to_utc_timestamps,
)
from paraguas.prediction.log import fsync_path
from paraguas.spec.names import validate_model_name

ACTUALS_SCHEMA = pa.schema(
    [
        pa.field("key", pa.string(), nullable=False),
        pa.field("time", UTC_MICROS, nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("arrived_at", UTC_MICROS, nullable=False),
        pa.field("batch", pa.string(), nullable=False),
        pa.field("row", pa.int64(), nullable=False),
    ]
)
"""One row per arrival. ``key`` and ``label`` are :func:`~paraguas.prediction.to_strings` forms,
as in the prediction log, so they join its ``key`` and compare with its ``label``; ``value`` is
the actual as a number when it is one (compare it with a regressor's ``value``). ``batch`` names
the :meth:`ActualsLog.record` call (ids increase with time) and ``row`` the row within it."""

_NEWEST_FIRST = [("arrived_at", "descending"), ("batch", "descending"), ("row", "descending")]


class ActualsLog:
    """The actuals log under ``root``, a local folder (``<project>/.paraguas/actuals``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def record(
        self,
        model: str,
        table: pa.Table,
        *,
        key: str,
        time: str,
        target: str,
        arrived_at: datetime,
    ) -> int:
        """Store the actuals in ``table`` (columns ``key``, ``time``, ``target``) as one arrival.

        Returns the number of rows stored. Rows for a key already stored are corrections: they
        supersede it in :meth:`latest` and both stay in :meth:`history`. When one call has
        several rows for the same key, the last row wins. Bad input (a missing column, a null
        key, time or target) raises :class:`DataError` and stores nothing.
        """
        model = validate_model_name(model)
        require_aware(arrived_at, "arrived_at")
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        for role, name in (("key", key), ("time", time), ("target", target)):
            if name not in table.column_names:
                raise DataError(
                    f"The actuals of {model!r} have no column {name!r} (the {role}); their "
                    f"columns are {', '.join(table.column_names) or 'none'}. Pass {role}= the "
                    "column that holds it."
                )
            nulls = table.column(name).null_count
            if nulls:
                raise DataError(
                    f"Column {name!r} (the {role}) of the actuals of {model!r} has {nulls} null "
                    "values; every actual needs one. Drop or fill those rows, then record again."
                )
        rows: int = table.num_rows
        if rows == 0:
            return 0
        actual = table.column(target)
        kind = actual.type
        numeric = (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_decimal(kind)
        )
        batch = new_ids(1)[0]
        stored = pa.Table.from_arrays(
            [
                to_strings(table.column(key), column=key),
                to_utc_timestamps(table.column(time), column=time),
                to_strings(actual, column=target),
                actual.cast(pa.float64(), safe=False) if numeric else pa.nulls(rows, pa.float64()),
                pa.repeat(pa.scalar(arrived_at, type=UTC_MICROS), rows),
                pa.repeat(pa.scalar(batch), rows),
                pa.array(range(rows), type=pa.int64()),
            ],
            schema=ACTUALS_SCHEMA,
        )
        day = arrived_at.astimezone(timezone.utc).date().isoformat()
        folder = self._model_folder(model) / f"arrived={day}"
        final, temporary = folder / f"{batch}.parquet", folder / f".{batch}.parquet.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(stored, str(temporary), compression="zstd")
            fsync_path(temporary)
            os.replace(temporary, final)  # a fresh id: nothing is ever overwritten
            fsync_path(folder)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise StoreError(
                f"Cannot store the actuals of {model!r} in {folder}: {exc}. Check that the "
                "folder is writable and has space, then record them again."
            ) from exc
        return rows

    def latest(self, model: str, *, as_of: datetime | None = None) -> pa.Table:
        """One row per key: the newest actual that had arrived at ``as_of`` (default: now).

        Arrivals are ordered by ``arrived_at``, then by record call, then by row, so a later
        correction, or the last of duplicate rows within one call, wins. Sorted by key.
        """
        table = self._read(model, as_of=as_of)
        if table.num_rows == 0:
            return table
        ordered = table.sort_by([("key", "ascending"), *_NEWEST_FIRST])
        keys = ordered.column("key").combine_chunks()
        first_of_key = pa.concat_arrays(
            [pa.array([True]), pc.not_equal(keys.slice(1), keys.slice(0, len(keys) - 1))]
        )
        return ordered.filter(first_of_key)

    def history(self, model: str, key: Any = None) -> pa.Table:
        """Every arrival of ``model``'s actuals (of one ``key`` if given): by key, then by arrival."""
        table = self._read(model, key=key)
        return table.sort_by([("key", "ascending"), *[(c, "ascending") for c, _ in _NEWEST_FIRST]])

    def _read(self, model: str, *, as_of: datetime | None = None, key: Any = None) -> pa.Table:
        table = _arrivals(self._model_folder(model))
        if as_of is not None:
            require_aware(as_of, "as_of")
            moment = pa.scalar(as_of, type=UTC_MICROS)
            table = table.filter(pc.less_equal(table.column("arrived_at"), moment))
        if key is not None:
            wanted = to_strings([key], column="key")[0]
            table = table.filter(pc.equal(table.column("key"), wanted))
        return table

    def _model_folder(self, model: str) -> Path:
        return self.root / f"model={validate_model_name(model)}"


#: Arrivals kept in memory per model folder, up to this many rows (beyond, read each time).
CACHED_ROWS = 2_000_000
_Stamps = dict[str, tuple[int, int]]
_cache: dict[Path, tuple[_Stamps, pa.Table]] = {}
_cache_lock = threading.Lock()


def _arrivals(folder: Path) -> pa.Table:
    """Every arrival stored under ``folder``. A file is written once and never changed (each
    has a fresh id), so the files read before are kept in memory and only new ones are read:
    a daily cycle that reads the actuals each day pays for each file once."""
    stamps = _listing(folder)
    with _cache_lock:
        known, table = _cache.get(folder, ({}, ACTUALS_SCHEMA.empty_table()))
    if any(stamps.get(path) != stamp for path, stamp in known.items()):
        known, table = {}, ACTUALS_SCHEMA.empty_table()  # a file changed or went: read anew
    new = sorted(path for path in stamps if path not in known)
    if new:
        read = [pq.read_table(path, schema=ACTUALS_SCHEMA) for path in new]
        table = pa.concat_tables([table, *read]).combine_chunks()
        known = {**known, **{path: stamps[path] for path in new}}
    with _cache_lock:
        if table.num_rows <= CACHED_ROWS:
            _cache[folder] = (known, table)
        else:
            _cache.pop(folder, None)
    return table


def _listing(folder: Path) -> _Stamps:
    """The finished arrival files under ``folder`` (size and modification time by path)."""
    found: _Stamps = {}
    try:
        parts = [p for p in os.scandir(folder) if p.is_dir() and p.name.startswith("arrived=")]
    except FileNotFoundError:
        return found
    for part in parts:
        for entry in os.scandir(part.path):
            if entry.name.endswith(".parquet") and not entry.name.startswith("."):
                stat = entry.stat()
                found[entry.path] = (stat.st_size, stat.st_mtime_ns)
    return found
