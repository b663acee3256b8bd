"""The prediction log: every prediction made, one Parquet file per model and day.

The layout is hive-style, so ``pyarrow.dataset.dataset(root, partitioning="hive")`` (or DuckDB)
reads the whole log with partition pruning::

    <root>/model=<name>/date=<YYYY-MM-DD>/predictions.parquet   the day's predictions
    <root>/model=<name>/date=<YYYY-MM-DD>/_rejects.parquet      the day's rejected input rows
    <root>/model=<name>/date=<YYYY-MM-DD>/online-<id>.parquet   predictions appended one part at a
                                                                time (the real-time service)

A day is written whole by a :class:`DayWriter`: batches stream into temporary files (named
``.*.tmp``, which every reader skips) that are renamed over the day's files only when the writer
closes cleanly. Re-running a day therefore replaces it, with no duplicates and never half a
day; an error keeps the previous day as it was; a crash leaves a temporary file that the next
writer of that day removes. The rejects file starts with ``_`` so that dataset readers, which
skip such files, see predictions only.

Parts (:meth:`PredictionLog.append`) are written whole under a fresh name and renamed into place,
so they never replace each other nor the day's batch file, and a batch run of the day replaces
only ``predictions.parquet``: the day is the batch file plus every part. A process killed while
appending leaves a ``.online-*.partial`` file that no reader sees; :meth:`PredictionLog.sweep`
removes those old enough to be nobody's write in progress (the service does at start).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.dataset as ds  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

from paraguas.errors import DataError, SchemaError, StoreError
from paraguas.prediction.columns import (
    ARROW_ERRORS,
    PREDICTION_SCHEMA,
    REJECT_SCHEMA,
    conform_predictions,
    new_ids,
)
from paraguas.spec.names import validate_model_name

PREDICTIONS_FILE = "predictions.parquet"
REJECTS_FILE = "_rejects.parquet"
PART_PREFIX = "online-"  # + a time-ordered id + ".parquet": one part per append
PARTIAL_SUFFIX = ".partial"  # an append in progress, or left by a crash
STALE_PARTIAL = 3600.0  # seconds: an append takes milliseconds, so an older partial is a leftover
_COMMIT = b"paraguas.commit"  # in both files' metadata: tells whether they were written together
_DAY_SCHEMA = pa.schema([pa.field("date", pa.date32())])
# How each file is encoded. Predictions: no dictionaries, since zstd packs a column that repeats
# one value (model, role, the day's time) as well as a dictionary would, and hashing every value
# to build one cost a quarter of writing them (ids, keys and scores are all distinct anyway);
# min/max statistics only for the columns reads filter on (an id, a key, a role or version), where
# they let a read skip row groups, and not for labels, scores and classes. Rejects: their reasons
# repeat.
_WRITE_OPTIONS: dict[str, dict[str, Any]] = {
    PREDICTIONS_FILE: {
        "use_dictionary": False,
        "write_statistics": [
            "prediction_id",
            "key",
            "time",
            "model",
            "version",
            "role",
            "scored_at",
        ],
    },
    REJECTS_FILE: {"use_dictionary": ["reason"]},
}


@dataclass(frozen=True)
class DayResult:
    """What a closed :class:`DayWriter` committed: rows written and rejected, and where."""

    model: str
    day: date
    rows: int
    rejects: int
    path: Path


class DayWriter:
    """Streams one model's predictions for one day into place; use it as a context manager.

    Nothing is visible until :meth:`close` (a clean exit from the ``with`` block) renames the
    day's files into place, replacing those of an earlier run. :meth:`abort` (an exception in
    the block) removes the temporary files and leaves the earlier run untouched. One writer per
    model and day at a time: opening one removes what a crashed writer of that day left.
    """

    def __init__(self, model: str, day: date, folder: Path) -> None:
        self.model = model
        self.day = day
        self.folder = folder
        self._commit = uuid.uuid4().hex
        self._paths = {
            name: (folder / name, folder / f".{name}.{self._commit}.tmp")
            for name in (PREDICTIONS_FILE, REJECTS_FILE)
        }
        self._writers: dict[str, Any] = {}
        self._rows = 0
        self._rejects = 0
        self._result: DayResult | None = None

    def __enter__(self) -> DayWriter:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def open(self) -> None:
        """Create the day's folder, remove leftovers of a crashed writer, open the temp files."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for leftover in self.folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)
            for name, schema in (
                (PREDICTIONS_FILE, PREDICTION_SCHEMA),
                (REJECTS_FILE, REJECT_SCHEMA),
            ):
                stamped = schema.with_metadata({_COMMIT: self._commit.encode()})
                self._writers[name] = pq.ParquetWriter(
                    str(self._paths[name][1]), stamped, compression="zstd", **_WRITE_OPTIONS[name]
                )
        except OSError as exc:
            self.abort()
            raise StoreError(
                f"Cannot write the predictions of {self.model!r} for {self.day} in {self.folder}: "
                f"{exc}. Check that the folder is writable and has space."
            ) from exc

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        """Append predictions (:data:`PREDICTION_SCHEMA`, e.g. from :func:`prediction_batch`).

        A batch that does not conform raises :class:`SchemaError` and writes nothing.
        """
        table = conform_predictions(batch, self.model)
        self._writer(PREDICTIONS_FILE).write_table(table)
        self._rows += table.num_rows

    def reject(self, rows: Iterable[tuple[str | None, str, str]]) -> None:
        """Record input rows that could not be scored, as ``(key or None, row as JSON, reason)``."""
        keys, texts, reasons = [], [], []
        for key, text, reason in rows:
            keys.append(key)
            texts.append(text)
            reasons.append(reason)
        if not keys:
            return
        try:
            table = pa.table([keys, texts, reasons], schema=REJECT_SCHEMA)
        except ARROW_ERRORS as exc:
            raise SchemaError(
                f"Rejected rows must be (key or None, row as JSON text, reason) tuples of text: {exc}."
            ) from exc
        self._writer(REJECTS_FILE).write_table(table)
        self._rejects += table.num_rows

    def close(self) -> DayResult:
        """Commit the day: rejects first, then predictions, whose rename makes the day visible."""
        if self._result is not None:
            return self._result
        self._writer(PREDICTIONS_FILE)  # raises if aborted or never opened
        try:
            for name in (REJECTS_FILE, PREDICTIONS_FILE):
                self._writers.pop(name).close()
                fsync_path(self._paths[name][1])
            for name in (REJECTS_FILE, PREDICTIONS_FILE):
                final, temporary = self._paths[name]
                os.replace(temporary, final)
            fsync_path(self.folder)
        except OSError as exc:
            self.abort()
            raise StoreError(
                f"Cannot commit the predictions of {self.model!r} for {self.day} in "
                f"{self.folder}: {exc}. The previous run of that day, if any, is unchanged unless "
                "the error came after its rename; run the day again."
            ) from exc
        self._result = DayResult(
            self.model, self.day, self._rows, self._rejects, self._paths[PREDICTIONS_FILE][0]
        )
        return self._result

    def abort(self) -> None:
        """Drop everything written so far; the day's committed files stay as they were."""
        for writer in self._writers.values():
            with suppress(Exception):  # the file is discarded either way
                writer.close()
        self._writers.clear()
        for _, temporary in self._paths.values():
            temporary.unlink(missing_ok=True)

    @property
    def result(self) -> DayResult:
        """The :class:`DayResult`, once the writer has closed."""
        if self._result is None:
            raise RuntimeError("The day is not committed yet: close the writer first.")
        return self._result

    def _writer(self, name: str) -> Any:
        if name not in self._writers:
            raise RuntimeError(
                f"This writer of {self.model!r} for {self.day} is not open (closed, aborted or "
                "never entered): use it as `with log.writer(model, day) as writer:`."
            )
        return self._writers[name]


class PredictionLog:
    """The prediction log under ``root``, a local folder (``<project>/.paraguas/predictions``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def writer(self, model: str, day: date) -> DayWriter:
        """A :class:`DayWriter` that replaces ``model``'s predictions for ``day`` when it closes."""
        return DayWriter(validate_model_name(model), day, self._day_folder(model, day))

    def append(self, model: str, day: date, batch: pa.RecordBatch | pa.Table) -> Path:
        """Add predictions to ``model``'s ``day`` as a part file of their own; return its path.

        The part is visible whole or not at all (a temporary file renamed into place), and has a
        fresh name, so concurrent appends and batch runs of the day never clobber one another.
        A batch that does not conform raises :class:`SchemaError` and writes nothing.
        """
        table = conform_predictions(batch, validate_model_name(model))
        folder = self._day_folder(model, day)
        name = f"{PART_PREFIX}{new_ids(1)[0]}.parquet"
        # Not ``.*.tmp``: a DayWriter opening the same day removes those as crash leftovers.
        final, temporary = folder / name, folder / f".{name}{PARTIAL_SUFFIX}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(
                table, str(temporary), compression="zstd", **_WRITE_OPTIONS[PREDICTIONS_FILE]
            )
            fsync_path(temporary)
            os.replace(temporary, final)
            fsync_path(folder)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise StoreError(
                f"Cannot append predictions of {model!r} for {day} in {folder}: {exc}. Check "
                "that the folder is writable and has space."
            ) from exc
        return final

    def sweep(self, *, older_than: float = STALE_PARTIAL) -> list[Path]:
        """Remove the parts left half-written by a crashed appender (files no reader sees) that
        were last touched more than ``older_than`` seconds ago; return their paths."""
        pattern = f"model=*/date=*/.{PART_PREFIX}*{PARTIAL_SUFFIX}"
        cutoff = time.time() - older_than
        removed = []
        for path in self.root.glob(pattern):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
            except FileNotFoundError:  # finished or removed meanwhile
                continue
        return sorted(removed)

    def path(self, model: str, day: date) -> Path:
        """The file holding ``model``'s predictions for ``day`` (which may not exist)."""
        return self._day_folder(model, day) / PREDICTIONS_FILE

    def days(self, model: str, *, start: date | None = None, end: date | None = None) -> list[date]:
        """The days that have committed predictions (a batch run or parts) of ``model``, oldest
        first (from ``start`` to ``end``, both included, when given)."""
        return [day for day, _ in self._committed(model, start, end)]

    def dataset(
        self, model: str, *, start: date | None = None, end: date | None = None
    ) -> ds.Dataset:
        """The days of ``model`` from ``start`` to ``end`` (both included) as a pyarrow dataset.

        Its columns are :data:`PREDICTION_SCHEMA` plus ``date``, the day of the partition. Days
        outside the range are never opened.
        """
        chosen = [str(path) for _, files in self._committed(model, start, end) for path in files]
        return ds.dataset(
            chosen,
            schema=PREDICTION_SCHEMA.append(_DAY_SCHEMA.field("date")),
            format="parquet",
            partitioning=ds.partitioning(_DAY_SCHEMA, flavor="hive"),
            partition_base_dir=str(self._model_folder(model)),
        )

    def read(
        self,
        model: str,
        *,
        start: date | None = None,
        end: date | None = None,
        columns: Sequence[str] | None = None,
        filter: ds.Expression | None = None,
    ) -> pa.Table:
        """The predictions of ``model`` from ``start`` to ``end`` (both included, default all).

        ``columns`` defaults to :data:`PREDICTION_SCHEMA`'s; ``"date"`` (the day) may be asked for
        too. ``filter`` (e.g. ``pc.field("role") == "champion"``) is pushed down to the files.
        """
        names = list(PREDICTION_SCHEMA.names if columns is None else columns)
        return self.dataset(model, start=start, end=end).to_table(columns=names, filter=filter)

    def batches(
        self,
        model: str,
        *,
        start: date | None = None,
        end: date | None = None,
        columns: Sequence[str] | None = None,
        filter: ds.Expression | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Like :meth:`read`, one record batch at a time, in constant memory."""
        names = list(PREDICTION_SCHEMA.names if columns is None else columns)
        found: Iterator[pa.RecordBatch] = self.dataset(model, start=start, end=end).to_batches(
            columns=names, filter=filter
        )
        return found

    def rejects(self, model: str, day: date) -> pa.Table:
        """The input rows rejected when ``model``'s predictions for ``day`` were committed."""
        folder = self._day_folder(model, day)
        predictions, rejects = folder / PREDICTIONS_FILE, folder / REJECTS_FILE
        if not predictions.is_file():
            return REJECT_SCHEMA.empty_table()
        if not rejects.is_file() or _commit_of(rejects) != _commit_of(predictions):
            raise DataError(
                f"The rejects of {model!r} for {day} do not belong to its committed predictions "
                "(a run of that day was interrupted while committing). Run the day again."
            )
        return pq.read_table(rejects, schema=REJECT_SCHEMA)

    def _committed(
        self, model: str, start: date | None, end: date | None
    ) -> list[tuple[date, list[Path]]]:
        """The days in range with committed files, and those files, oldest day first."""
        try:
            entries = list(os.scandir(self._model_folder(model)))
        except (FileNotFoundError, NotADirectoryError):
            return []
        found = []
        for entry in entries:
            name, _, text = entry.name.partition("=")
            if name != "date":
                continue
            try:
                day = date.fromisoformat(text)
            except ValueError:  # not a folder of ours: ignore it
                continue
            if (start is None or day >= start) and (end is None or day <= end):
                files = _day_files(Path(entry.path))
                if files:
                    found.append((day, files))
        return sorted(found)

    def _model_folder(self, model: str) -> Path:
        return self.root / f"model={validate_model_name(model)}"

    def _day_folder(self, model: str, day: date) -> Path:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise TypeError(f"day must be a datetime.date, not {type(day).__name__}: {day!r}.")
        return self._model_folder(model) / f"date={day.isoformat()}"


def _day_files(folder: Path) -> list[Path]:
    """The committed prediction files of a day's folder: the batch file, then parts by age."""
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    parts = sorted(
        folder / name
        for name in names
        if name.startswith(PART_PREFIX) and name.endswith(".parquet")
    )
    return ([folder / PREDICTIONS_FILE] if PREDICTIONS_FILE in names else []) + parts


def _commit_of(path: Path) -> bytes | None:
    metadata = pq.read_schema(path).metadata or {}
    commit: bytes | None = metadata.get(_COMMIT)
    return commit


def fsync_path(path: Path) -> None:
    """Flush ``path`` (a file, or a folder's entries) to disk; a no-op where unsupported."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. a folder on Windows
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
