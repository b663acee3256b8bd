from __future__ import annotations

import json
import time
from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paraguas.data import InputSchema, Validation
from paraguas.data.schema import FeatureSchema
from paraguas.errors import SchemaError

FEATURES = ["temp_max", "wind", "rain", "city", "note", "day", "stamp", "money"]


def training() -> pa.Table:
    return pa.table(
        {
            "temp_max": pa.array([12.5, None, 30.0, 21.0]),
            "wind": pa.array([3, 5, 0, 7], pa.int32()),
            "rain": pa.array([True, False, False, True]),
            "city": pa.array(["Lima", "Quito", "Lima", "Bogotá"]).dictionary_encode(),
            "note": pa.array(["a", "b", "c", None]),
            "day": pa.array([date(2026, 1, d) for d in (1, 2, 3, 4)]),
            "stamp": pa.array(
                [datetime(2026, 1, 1, h) for h in (1, 2, 3, 4)], pa.timestamp("ms", tz="UTC")
            ),
            "money": pa.array([1, 2, 3, 4], pa.decimal128(10, 2)),
            "target": pa.array([0, 1, 0, 1]),
        }
    )


def schema() -> InputSchema:
    return InputSchema.infer(training(), FEATURES, max_categories=3)


def test_inference_records_kind_type_nulls_range_and_categories() -> None:
    described = schema().as_dict()
    assert described["features"] == FEATURES
    columns = described["columns"]
    assert columns["temp_max"] == {
        "kind": "numeric",
        "type": "double",
        "nullable": True,
        "min": 12.5,
        "max": 30.0,
    }
    assert columns["wind"] == {
        "kind": "integer",
        "type": "int32",
        "nullable": False,
        "min": 0,
        "max": 7,
    }
    assert columns["rain"] == {"kind": "boolean", "type": "bool", "nullable": False}
    assert columns["city"] == {
        "kind": "categorical",
        "type": "dictionary<values=string, indices=int32, ordered=0>",
        "nullable": False,
        "categories": ["Bogotá", "Lima", "Quito"],
    }
    assert columns["note"] == {
        "kind": "categorical",
        "type": "string",
        "nullable": True,
        "categories": ["a", "b", "c"],
    }
    assert columns["day"]["kind"] == columns["stamp"]["kind"] == "datetime"
    assert columns["money"]["kind"] == "numeric" and columns["money"]["max"] == 4.0
    assert "target" not in columns
    # More distinct strings than max_categories: free text, no list of values.
    assert InputSchema.infer(training(), ["note"], max_categories=2).as_dict()["columns"][
        "note"
    ] == {
        "kind": "text",
        "type": "string",
        "nullable": True,
    }


def test_a_schema_survives_json() -> None:
    original = schema()
    stored = json.dumps(original.as_dict(), sort_keys=True)  # how the registry stores it
    again = InputSchema.from_dict(json.loads(stored))
    assert again == original
    assert again.names == FEATURES  # order kept even though the keys were sorted
    assert again.arrow_schema == original.arrow_schema
    assert again.arrow_schema.field("stamp").type == pa.timestamp("ms", tz="UTC")


def test_a_nan_in_training_makes_a_feature_nullable() -> None:
    table = pa.table({"x": pa.array([1.0, float("nan")], from_pandas=False)})
    assert InputSchema.infer(table, ["x"]).features[0].nullable


def test_a_feature_missing_from_training_data_is_named() -> None:
    with pytest.raises(SchemaError, match=r"has no column 'temp_mx'.*Did you mean 'temp_max'\?"):
        InputSchema.infer(training(), ["temp_mx"])


def test_unsupported_feature_types_are_refused() -> None:
    with pytest.raises(SchemaError, match="every value is missing"):
        InputSchema.infer(pa.table({"x": pa.nulls(3)}), ["x"])
    with pytest.raises(SchemaError, match="list<item: int64>"):
        InputSchema.infer(pa.table({"x": [[1], [2]]}), ["x"])


def test_training_rows_validate_unchanged() -> None:
    table = training()
    checked = schema().validate(table.to_batches()[0])
    assert checked.rejects == []
    assert checked.valid.schema == schema().arrow_schema
    assert pa.Table.from_batches([checked.valid]).equals(table.select(FEATURES))


def test_input_is_cast_to_the_trained_types_in_the_schema_order() -> None:
    incoming = pa.record_batch(
        {
            "extra": ["ignored", "ignored"],
            "money": [1.5, 2],
            "stamp": ["2026-02-01T10:00:00", "2026-02-02"],
            "day": pa.array([datetime(2026, 2, 1, 13), datetime(2026, 2, 2)]),
            "note": [1, 2],
            "city": ["Lima", "Caracas"],  # an unseen category: scored, monitoring counts it
            "rain": ["yes", "FALSE"],
            "wind": pa.array([4, 900], pa.int64()),  # beyond the trained range: scored
            "temp_max": [" 12.5 ", "-1e2"],
        }
    )
    checked = schema().validate(incoming)
    assert checked.rejects == []
    assert checked.valid.schema == schema().arrow_schema
    assert checked.valid.to_pydict()["temp_max"] == [12.5, -100.0]
    assert checked.valid.column("wind").to_pylist() == [4, 900]
    assert checked.valid.column("rain").to_pylist() == [True, False]
    assert checked.valid.column("city").to_pylist() == ["Lima", "Caracas"]
    assert checked.valid.column("note").to_pylist() == ["1", "2"]
    assert checked.valid.column("day").to_pylist() == [date(2026, 2, 1), date(2026, 2, 2)]
    assert checked.valid.column("stamp")[1].as_py().isoformat() == "2026-02-02T00:00:00+00:00"


def test_rows_that_cannot_be_scored_are_refused_with_a_reason() -> None:
    rows = 7
    incoming = pa.record_batch(
        {
            "temp_max": ["20", "abc", None, "", "-Infinity", "1.5", "NaN"],
            "wind": pa.array([1.0, 2.0, None, 2.5, float("inf"), 1e12, float("nan")]),
            "rain": ["true", "no", "maybe", None, "1", "0", "y"],
            "city": ["Lima"] * rows,
            "note": [None] * rows,
            "day": [
                "2026-01-01",
                "2026-13-01",
                "2026-01-02",
                "2026-01-02",
                None,
                "x",
                "2026-01-03",
            ],
            "stamp": pa.array([datetime(2026, 1, 1)] * rows, pa.timestamp("s")),
            "money": pa.array([1, 2, 3, 4, 5, 6, 7]),
        }
    )
    checked = schema().validate(incoming)
    never = "missing value (it was never missing in training)"
    not_a_date = "is not a date (YYYY-MM-DD) or timestamp"
    assert checked.rejects == [
        (1, f"temp_max: 'abc' is not a number; day: '2026-13-01' {not_a_date}"),
        (2, f"wind: {never}; rain: 'maybe' is not a boolean (true or false)"),
        (3, f"wind: 2.5 is not an integer; rain: {never}"),
        (4, f"temp_max: '-Infinity' is not finite; wind: inf is not finite; day: {never}"),
        (5, f"wind: 1000000000000.0 does not fit in int32; day: 'x' {not_a_date}"),
        (6, f"wind: {never}"),
    ]
    # temp_max may be missing (it was in training); an empty string is a missing value.
    assert checked.valid.num_rows == 1
    assert checked.valid.column("temp_max").to_pylist() == [20.0]


def test_infinite_numbers_are_refused_even_where_missing_values_are_not() -> None:
    trained = InputSchema.infer(pa.table({"x": [1.0, None]}), ["x"])
    checked = trained.validate(pa.record_batch({"x": [float("-inf"), None, float("nan"), 2.0]}))
    assert checked.rejects == [(0, "x: -inf is not finite")]
    assert checked.valid.num_rows == 3


def test_a_missing_feature_column_is_not_a_row_problem() -> None:
    incoming = (
        training().drop_columns(["temp_max", "wind"]).append_column("temp_mx", pa.array([1.0] * 4))
    )
    with pytest.raises(
        SchemaError, match=r"has no column 'temp_max', 'wind'.* Rename 'temp_mx' to 'temp_max'\.$"
    ):
        schema().validate(incoming.to_batches()[0])


def test_a_column_of_an_impossible_type_is_refused_as_a_whole() -> None:
    trained = InputSchema.infer(pa.table({"x": [1.0, 2.0]}), ["x"])
    with pytest.raises(SchemaError, match="Column 'x' is timestamp"):
        trained.validate(pa.record_batch({"x": pa.array([datetime(2026, 1, 1)])}))


def test_an_all_missing_column_is_missing_values() -> None:
    trained = InputSchema.infer(pa.table({"x": [1.0, 2.0], "y": [1.0, None]}), ["x", "y"])
    checked = trained.validate(pa.record_batch({"x": [1.0, 2.0], "y": pa.nulls(2)}))
    assert checked.rejects == [] and checked.valid.column("y").type == pa.float64()
    refused = trained.validate(pa.record_batch({"x": pa.nulls(1), "y": [1.0]}))
    assert refused.rejects == [(0, "x: missing value (it was never missing in training)")]


def test_a_stored_schema_that_is_broken_says_so() -> None:
    with pytest.raises(SchemaError, match="no columns"):
        InputSchema.from_dict({})
    with pytest.raises(SchemaError, match="incomplete"):
        InputSchema.from_dict({"columns": {"x": {"kind": "numeric"}}})
    with pytest.raises(SchemaError, match="not an Arrow type"):
        FeatureSchema.from_dict("x", {"kind": "numeric", "type": "float128", "nullable": False})


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
        min_size=1,
        max_size=30,
    ),
    incoming=st.lists(
        st.one_of(st.none(), st.floats(), st.text(max_size=4)), min_size=1, max_size=30
    ),
)
def test_every_row_is_either_scored_or_refused(
    values: list[float | None], incoming: list[object]
) -> None:
    trained = InputSchema.infer(pa.table({"x": pa.array(values, pa.float64())}), ["x"])
    column = pa.array([None if v is None else str(v) for v in incoming])
    checked: Validation = trained.validate(pa.record_batch({"x": column}))
    refused = [row for row, _ in checked.rejects]
    assert refused == sorted(set(refused))
    assert checked.valid.num_rows + len(refused) == len(incoming)
    assert all(reason.startswith("x: ") for _, reason in checked.rejects)


def test_a_million_rows_of_twenty_features_validate_quickly() -> None:
    rng = np.random.default_rng(0)
    rows = 1_000_000
    columns = {f"f{i}": rng.normal(size=rows) for i in range(20)}
    trained = InputSchema.infer(pa.table({k: v[:1000] for k, v in columns.items()}), list(columns))
    columns["f3"][::1000] = np.inf
    batch = pa.RecordBatch.from_pydict(columns)
    started = time.perf_counter()
    checked = trained.validate(batch)
    elapsed = time.perf_counter() - started
    assert len(checked.rejects) == 1000 and checked.valid.num_rows == rows - 1000
    assert elapsed < 3.0


@settings(max_examples=60, deadline=None)
@given(
    trained_missing=st.booleans(),
    incoming=st.lists(
        st.one_of(
            st.none(),
            st.just(float("nan")),
            st.just(float("inf")),
            st.just(float("-inf")),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_floats_are_refused_exactly_when_infinite_or_missing_where_training_was_not(
    trained_missing: bool, incoming: list[float | None]
) -> None:
    trained = InputSchema.infer(pa.table({"x": [1.0, None if trained_missing else 2.0]}), ["x"])
    checked = trained.validate(pa.record_batch({"x": pa.array(incoming, pa.float64())}))

    def reason(value: float | None) -> str | None:  # by hand, row by row
        if value is not None and np.isinf(value):
            return f"x: {value!r} is not finite"
        if not trained_missing and (value is None or np.isnan(value)):
            return "x: missing value (it was never missing in training)"
        return None

    expected = [(row, reason(v)) for row, v in enumerate(incoming) if reason(v) is not None]
    assert checked.rejects == expected
    kept = [v for v in incoming if reason(v) is None]
    valid = checked.valid.column("x")
    assert valid.is_null().to_pylist() == [v is None for v in kept]  # nulls stay nulls, NaN NaN
    values = [np.nan if v is None else v for v in kept]
    np.testing.assert_array_equal(valid.to_numpy(zero_copy_only=False), np.array(values))


def test_clean_floats_pass_through_untouched() -> None:
    trained = InputSchema.infer(pa.table({"x": [1.0, 2.0], "y": [1.0, None]}), ["x", "y"])
    x, y = pa.array([0.5, -3.0]), pa.array([None, 7.0])
    checked = trained.validate(pa.record_batch({"x": x, "y": y}))
    assert checked.rejects == []
    assert checked.valid.column("x").equals(x) and checked.valid.column("y").equals(y)
    refused = trained.validate(pa.record_batch({"x": [None, 1.0], "y": [1.0, 1.0]}))
    assert refused.rejects == [(0, "x: missing value (it was never missing in training)")]
