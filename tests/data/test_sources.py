from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from paraguas.data import CSV, SQL, Parquet, source_from_mapping
from paraguas.errors import DataError, SchemaError, SpecError
from paraguas.spec import DataSource
from tests.data.conftest import DAYS, TIME_TYPES, day, days_of, weather

FILE_KINDS = ("parquet", "csv")
# CSV keeps instants, not zones: a Madrid timestamp comes back in UTC, so that pair is left out.
FILE_READS = [
    (k, t) for k in FILE_KINDS for t in TIME_TYPES if (k, t) != ("csv", "timestamp_madrid")
]


def rows_of(table: pa.Table) -> list[int]:
    """Which rows of :func:`weather` a read returned (``temp_max`` encodes the row number)."""
    return [round((value - 10.0) * 2) for value in table["temp_max"].to_pylist()]


def expected_rows(start: date | None, end: date | None) -> list[int]:
    all_days = days_of(DAYS * 3)
    return [
        i
        for i, d in enumerate(all_days)
        if (start is None or d >= start) and (end is None or d <= end)
    ]


def write(table: pa.Table, path: Path, kind: str) -> Parquet | CSV:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        pq.write_table(table, path)
        return Parquet(path)
    pacsv.write_csv(table, path)
    return CSV(path)


def sqlite_source(table: pa.Table, path: Path, query: str) -> SQL:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "CREATE TABLE weather (observed TEXT, temp_max REAL, wind INTEGER, rain INTEGER)"
        )
        rows = zip(*(table[name].to_pylist() for name in table.column_names), strict=True)
        connection.executemany("INSERT INTO weather VALUES (?, ?, ?, ?)", rows)
    connection.close()
    return SQL(f"sqlite:///{path}", query)


# as-of reads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "time_type"), FILE_READS)
def test_as_of_a_day_no_later_row_is_read(tmp_path: Path, kind: str, time_type: str) -> None:
    source = write(weather(time_type), tmp_path / f"weather.{kind}", kind)
    as_of = day(4)
    table = source.read(["temp_max", "wind"], time="observed", end=as_of)
    assert table.column_names == ["temp_max", "wind"]
    assert rows_of(table) == expected_rows(None, as_of)


@pytest.mark.parametrize(("kind", "time_type"), FILE_READS)
def test_start_equal_to_end_reads_exactly_that_day(
    tmp_path: Path, kind: str, time_type: str
) -> None:
    source = write(weather(time_type), tmp_path / f"weather.{kind}", kind)
    table = source.read(["temp_max"], time="observed", start=day(5), end=day(5))
    assert rows_of(table) == expected_rows(day(5), day(5)) == [12, 13, 14]
    assert rows_of(source.read(["temp_max"], time="observed", start=day(9))) == expected_rows(
        day(9), None
    )


def test_a_zoned_timestamp_belongs_to_its_local_day(tmp_path: Path) -> None:
    # 2026-01-05 00:00 in Madrid is 2026-01-04 23:00 UTC; it is a row of the 5th, not the 4th.
    source = write(weather("timestamp_madrid"), tmp_path / "weather.parquet", "parquet")
    fifth = source.read(["temp_max", "observed"], time="observed", start=day(5), end=day(5))
    assert [t.day for t in fifth["observed"].to_pylist()] == [5, 5, 5]
    assert fifth["observed"].type == pa.timestamp("us", tz="Europe/Madrid")


def test_rows_without_a_time_are_left_out_of_a_window(tmp_path: Path) -> None:
    table = pa.table({"observed": [date(2026, 1, 1), None], "temp_max": [10.0, 10.5]})
    source = write(table, tmp_path / "w.parquet", "parquet")
    assert source.read(["temp_max"], time="observed", end=day(9)).num_rows == 1
    assert source.read(["temp_max"], time="observed").num_rows == 2  # no window: every row


def test_batches_wholly_inside_the_window_and_batches_astride_it(tmp_path: Path) -> None:
    # Row groups of 6 rows (2 days), batches of 2: the window day(2)..day(5) keeps some batches
    # whole, cuts others to their rows inside (rows 3 and 14), drops the rest.
    path = tmp_path / "w.parquet"
    pq.write_table(weather(), path, row_group_size=6)
    source = Parquet(path)
    batches = list(
        source.batches(["temp_max"], time="observed", start=day(2), end=day(5), batch_size=2)
    )
    kept = [rows_of(pa.Table.from_batches([batch])) for batch in batches]
    assert kept == [[3], [4, 5], [6, 7], [8, 9], [10, 11], [12, 13], [14]]
    assert all(batch.schema.names == ["temp_max"] for batch in batches)


def test_a_column_named_like_the_window_mask_is_read_as_it_is(tmp_path: Path) -> None:
    table = weather().append_column("__paraguas_in_window", pa.array(["x"] * DAYS * 3))
    source = write(table, tmp_path / "w.parquet", "parquet")
    read = source.read(["__paraguas_in_window", "temp_max"], time="observed", end=day(2))
    assert read["__paraguas_in_window"].to_pylist() == ["x"] * 6
    assert rows_of(read) == expected_rows(None, day(2))


def test_columns_come_in_the_order_asked_and_time_need_not_be_one(tmp_path: Path) -> None:
    source = write(weather(), tmp_path / "w.parquet", "parquet")
    batches = list(source.batches(["wind", "temp_max"], time="observed", end=day(2), batch_size=4))
    assert all(b.schema.names == ["wind", "temp_max"] for b in batches)
    assert [b.num_rows for b in batches] == [4, 2]


def test_an_empty_window_is_an_empty_table_with_the_columns(tmp_path: Path) -> None:
    source = write(weather(), tmp_path / "w.parquet", "parquet")
    table = source.read(["temp_max", "wind"], time="observed", end=date(2025, 12, 31))
    assert table.num_rows == 0
    assert table.schema == pa.schema([("temp_max", pa.float64()), ("wind", pa.int64())])


def test_a_hive_partitioned_folder_is_pruned_to_the_window(tmp_path: Path) -> None:
    folder = tmp_path / "weather"
    table = weather()
    for number in range(1, DAYS + 1):
        part = folder / f"day={day(number).isoformat()}"
        part.mkdir(parents=True)
        pq.write_table(
            table.slice((number - 1) * 3, 3).drop_columns(["observed"]), part / "0.parquet"
        )
    # A broken partition after the window: reading as of an earlier day never opens it.
    (folder / "day=2026-02-01").mkdir()
    (folder / "day=2026-02-01" / "0.parquet").write_bytes(b"not parquet")
    source = Parquet(folder)
    as_of = source.read(["temp_max", "day"], time="day", end=day(3))
    assert rows_of(as_of) == expected_rows(None, day(3))
    assert set(as_of["day"].to_pylist()) == {day(n).isoformat() for n in (1, 2, 3)}
    with pytest.raises(DataError, match="cannot be read as Parquet"):
        source.read(["temp_max"], time="day")


def test_a_glob_reads_the_files_it_matches(tmp_path: Path) -> None:
    table = weather()
    pq.write_table(table.slice(0, 12), tmp_path / "part-1.parquet")
    pq.write_table(table.slice(12), tmp_path / "part-2.parquet")
    pq.write_table(table.slice(0, 3), tmp_path / "other.parquet")
    source = Parquet(tmp_path / "part-*.parquet")
    assert rows_of(source.read(["temp_max"])) == list(range(table.num_rows))
    assert rows_of(source.read(["temp_max"], time="observed", end=day(2))) == list(range(6))


def test_a_glob_over_hive_folders_reads_the_partition_column(tmp_path: Path) -> None:
    for number in (1, 2):
        part = tmp_path / "weather" / f"day={day(number).isoformat()}"
        part.mkdir(parents=True)
        pq.write_table(pa.table({"temp_max": [10.0 + number]}), part / "0.parquet")
    source = Parquet(tmp_path / "weather" / "*" / "*.parquet")
    table = source.read(["day", "temp_max"], time="day", start=day(2))
    assert table.to_pydict() == {"day": ["2026-01-02"], "temp_max": [12.0]}


def test_a_plain_folder_of_csv_files_with_a_delimiter(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "a.csv").write_text("observed;temp_max;city\n2026-01-01;10.0;Lima\n")
    (folder / "b.csv").write_text("observed;temp_max;city\n2026-01-02;11.0;\n")
    source = CSV(folder, delimiter=";")
    table = source.read(["city", "temp_max"], time="observed", start=day(1))
    assert table.to_pydict() == {"city": ["Lima", None], "temp_max": [10.0, 11.0]}


def test_memory_stays_flat_while_streaming_a_large_file(tmp_path: Path) -> None:
    def peak(rows: int) -> int:
        days = np.arange(np.datetime64("2026-01-01"), np.datetime64("2026-01-31"))
        table = pa.table(
            {"observed": pa.array(np.repeat(days, rows // 30)), "x": np.arange(rows // 30 * 30)}
        )
        path = tmp_path / f"{rows}.parquet"
        pq.write_table(table, path, row_group_size=16_384)
        del table
        before = pa.total_allocated_bytes()  # Arrow memory other tests may still hold
        highest, seen = 0, 0
        for batch in Parquet(path).batches(["x"], time="observed", end=date(2026, 1, 25)):
            highest = max(highest, pa.total_allocated_bytes() - before)
            seen += batch.num_rows
        assert seen == rows // 30 * 25
        return highest

    small, large = peak(500_000), peak(3_000_000)
    # Six times the data, about the same memory: a few row groups in flight, however many the
    # file holds (how many the reader's threads fetch ahead varies from run to run by a few
    # row groups of 128 kB, hence the 1 MiB of slack; the x column alone is 24 MB).
    assert large < 2 * small + 2**20
    assert large < 3_000_000 * 8 / 8


# SQL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("time_type", ["iso_date", "iso_datetime"])
@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM weather WHERE substr(observed, 1, 10) BETWEEN :start AND :end",
        "SELECT * FROM weather",  # forgets to filter: paraguas filters anyway
        "SELECT * FROM weather WHERE observed <= :end || 'zzzz'",  # sloppy: a day too late
    ],
)
def test_sql_on_sqlite_reads_as_of_a_day(tmp_path: Path, time_type: str, query: str) -> None:
    source = sqlite_source(weather(time_type), tmp_path / "w.db", query)
    assert rows_of(source.read(["temp_max"], time="observed", end=day(3))) == expected_rows(
        None, day(3)
    )
    one_day = source.read(["temp_max", "wind"], time="observed", start=day(7), end=day(7))
    assert rows_of(one_day) == [18, 19, 20] and one_day.column_names == ["temp_max", "wind"]
    everything = source.read(["temp_max"])
    assert everything.num_rows == DAYS * 3


def test_sql_streams_in_batches_of_the_size_asked(tmp_path: Path) -> None:
    source = sqlite_source(weather("iso_date"), tmp_path / "w.db", "SELECT * FROM weather")
    sizes = [b.num_rows for b in source.batches(["temp_max"], batch_size=7)]
    assert sizes == [7, 7, 7, 7, 2]


def test_sql_errors_name_the_source_and_the_fix(tmp_path: Path) -> None:
    source = sqlite_source(weather("iso_date"), tmp_path / "w.db", "SELECT * FROM wether")
    with pytest.raises(DataError, match=r"The query on sqlite:///.*w\.db failed: .*no such table"):
        source.read(["temp_max"])
    good = dataclasses.replace(source, query="SELECT * FROM weather")
    with pytest.raises(SchemaError, match="Did you mean 'temp_max'"):
        good.read(["temp_mx"])
    odd = dataclasses.replace(source, query="SELECT * FROM weather WHERE wind = :wind")
    with pytest.raises(DataError, match="uses :wind; only :start and :end"):
        odd.read(["temp_max"])
    with pytest.raises(DataError, match="needs a time column"):
        good.read(["temp_max"], end=day(2))


def test_a_missing_sqlite_file_is_reported_not_created(tmp_path: Path) -> None:
    source = SQL(f"sqlite:///{tmp_path / 'nothing.db'}", "SELECT 1 AS one")
    with pytest.raises(DataError, match=r"nothing.db does not exist"):
        source.read(["one"])
    assert not (tmp_path / "nothing.db").exists()


def test_a_relative_sqlite_path_resolves_against_the_project(tmp_path: Path) -> None:
    sqlite_source(weather("iso_date"), tmp_path / "w.db", "")
    source = SQL("sqlite:///w.db", "SELECT * FROM weather").resolve(tmp_path)
    assert source.url == f"sqlite:///{tmp_path / 'w.db'}"
    assert source.read(["wind"]).num_rows == DAYS * 3


def test_a_password_never_shows(tmp_path: Path) -> None:
    source = SQL("postgresql+psycopg://ana:s3cret@db.example/shop", "SELECT 1")
    assert "s3cret" not in repr(source)
    assert "s3cret" not in json.dumps(source.describe())
    assert source.describe() == {
        "kind": "sql",
        "url": "postgresql+psycopg://ana:***@db.example/shop",
        "query": "SELECT 1",
    }


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("column_type", "time_type"),
    [("date", "date32"), ("timestamp", "timestamp"), ("timestamptz", "timestamp_madrid")],
)
def test_sql_on_postgresql_reads_as_of_a_day(pg_url: str, column_type: str, time_type: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    # The session zone is Madrid's, so a timestamptz comes back in it and its date is local.
    url = make_url(pg_url)
    options = f"{url.query['options']} -cTimeZone=Europe/Madrid"
    url_text = url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    table = weather(time_type)
    engine = create_engine(url_text)
    with engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE TABLE weather (observed {column_type}, temp_max double precision, "
                "wind bigint, rain boolean)"
            )
        )
        connection.execute(
            text("INSERT INTO weather VALUES (:observed, :temp_max, :wind, :rain)"),
            table.to_pylist(),
        )
    engine.dispose()
    filtered = SQL(url_text, "SELECT * FROM weather WHERE observed::date BETWEEN :start AND :end")
    unfiltered = SQL(url_text, "SELECT wind, temp_max, observed FROM weather ORDER BY temp_max")
    for source in (filtered, unfiltered):
        as_of = source.read(["temp_max"], time="observed", end=day(4))
        assert sorted(rows_of(as_of)) == expected_rows(None, day(4))
        one = source.read(["temp_max", "observed"], time="observed", start=day(6), end=day(6))
        assert sorted(rows_of(one)) == [15, 16, 17]


@pytest.mark.postgres
def test_a_failing_postgresql_query_hides_the_password(pg_url: str) -> None:
    from sqlalchemy.engine import make_url

    with_password = make_url(pg_url).set(password="s3cret").render_as_string(hide_password=False)
    source = SQL(with_password, "SELECT * FROM missing_table")
    with pytest.raises(DataError) as caught:
        source.read(["a"])
    assert "s3cret" not in str(caught.value) and "***" in str(caught.value)


# errors -----------------------------------------------------------------------------------------


def test_a_missing_file_is_named_with_a_suggestion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(weather(), tmp_path / "data" / "weather.parquet", "parquet")
    with pytest.raises(
        DataError,
        match=r"^data/wether.parquet does not exist\. Did you mean 'data/weather.parquet'\?",
    ):
        Parquet("data/wether.parquet").read(["temp_max"])
    with pytest.raises(DataError, match="matches no file"):
        Parquet("data/*.csv").read(["temp_max"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no Parquet files"):
        Parquet("empty").read(["temp_max"])


def test_a_mistyped_column_is_named_with_a_suggestion(tmp_path: Path) -> None:
    source = write(weather(), tmp_path / "weather.parquet", "parquet")
    with pytest.raises(
        SchemaError,
        match=r"Column 'temp_mx' is not a column of .*weather\.parquet\. Did you mean 'temp_max'\?",
    ):
        source.read(["temp_mx"])
    with pytest.raises(SchemaError, match=r"Column 'obsreved'.*Did you mean 'observed'"):
        source.read(["temp_max"], time="obsreved", end=day(1))


def test_an_unreadable_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 but not really")
    with pytest.raises(DataError, match=r"bad.parquet cannot be read as Parquet"):
        Parquet(tmp_path / "bad.parquet").read(["x"])


def test_a_time_column_must_hold_dates(tmp_path: Path) -> None:
    source = write(weather(), tmp_path / "weather.parquet", "parquet")
    with pytest.raises(SchemaError, match=r"time column 'wind' .* is int64"):
        source.read(["temp_max"], time="wind", end=day(2))
    slashes = pa.table({"observed": ["2026-01-01", "01/03/2026"], "temp_max": [1.0, 2.0]})
    odd = write(slashes, tmp_path / "slashes.parquet", "parquet")
    # The odd row would sort before the bound and slip in silently; it is refused instead.
    with pytest.raises(SchemaError, match="holds '01/03/2026', which is not an ISO date"):
        odd.read(["temp_max"], time="observed", end=day(2))


# values ------------------------------------------------------------------------------------------


def test_sources_are_frozen_values_that_describe_themselves(tmp_path: Path) -> None:
    parquet, csv = Parquet("data/w.parquet"), CSV(Path("data/w.csv"), delimiter=";")
    assert isinstance(parquet, DataSource) and isinstance(csv, DataSource)
    assert parquet == Parquet(Path("data/w.parquet")) and parquet != CSV("data/w.parquet")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parquet.path = "elsewhere"  # type: ignore[misc]
    assert parquet.describe() == {"kind": "parquet", "path": "data/w.parquet"}
    assert csv.describe() == {"kind": "csv", "path": "data/w.csv", "delimiter": ";"}
    resolved = csv.resolve(tmp_path)
    assert resolved == CSV(tmp_path / "data" / "w.csv", delimiter=";") and resolved is not csv
    assert resolved.resolve(Path("/elsewhere")) == resolved
    with pytest.raises(SpecError, match="single character"):
        CSV("x.csv", delimiter=";;")


def test_a_constructor_does_no_io(tmp_path: Path) -> None:
    Parquet(tmp_path / "not-yet.parquet")
    SQL("not a url", "SELECT 1")
    assert list(tmp_path.iterdir()) == []


def test_sources_from_a_yaml_mapping() -> None:
    assert source_from_mapping({"parquet": "data/w.parquet"}) == Parquet("data/w.parquet")
    assert source_from_mapping({"csv": "w.csv", "delimiter": ";"}) == CSV("w.csv", delimiter=";")
    sql = source_from_mapping({"sql": {"url": "sqlite:///s.db", "query": "SELECT 1"}})
    assert sql == SQL("sqlite:///s.db", "SELECT 1")
    with pytest.raises(
        SpecError, match=r"expected exactly one of parquet, csv, sql.*Did you mean 'parquet'"
    ):
        source_from_mapping({"parquett": "w.parquet"})
    with pytest.raises(SpecError, match="expected exactly one"):
        source_from_mapping({"parquet": "a", "csv": "b"})
    with pytest.raises(SpecError, match=r"'delimeter' is not an option.*Did you mean 'delimiter'"):
        source_from_mapping({"csv": "w.csv", "delimeter": ";"})
    with pytest.raises(SpecError, match="'delimiter' is not an option of a parquet source"):
        source_from_mapping({"parquet": "w.parquet", "delimiter": ";"})
    with pytest.raises(SpecError, match="sql needs a query"):
        source_from_mapping({"sql": {"url": "sqlite:///s.db"}})
    with pytest.raises(SpecError, match="must be a path"):
        source_from_mapping({"parquet": 3})
    with pytest.raises(SpecError, match="must be a mapping"):
        source_from_mapping("data/w.parquet")  # type: ignore[arg-type]


def test_reading_needs_no_pandas(tmp_path: Path) -> None:
    pq.write_table(weather(), tmp_path / "w.parquet")
    script = (
        "import sys\n"
        "class NoPandas:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'pandas':\n"
        "            raise ImportError('pandas is not installed')\n"
        "sys.meta_path.insert(0, NoPandas())\n"
        "from datetime import date\n"
        "from paraguas.data import Parquet, InputSchema, fingerprint\n"
        f"source = Parquet({str(tmp_path / 'w.parquet')!r})\n"
        "table = source.read(['temp_max', 'wind'], time='observed', end=date(2026, 1, 2))\n"
        "InputSchema.infer(table, ['temp_max', 'wind']).validate(table.to_batches()[0])\n"
        "print(table.num_rows, fingerprint(table.to_batches(), time=None).rows)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["6", "6"]
