"""The input schema of a model version: what each feature looked like in training.

It is inferred from the training rows, stored as JSON in the registry, and used at scoring time
to turn incoming rows into exactly what the model was fitted on (same columns, same order, same
Arrow types) and to reject, with a reason, the rows that cannot be scored: a value that is not
a number, an infinite number, a value missing where training never had one. Unseen categories
and numbers outside the training range are scored: monitoring counts them, they are not errors.
Validation is vectorised with ``pyarrow.compute``; Python touches only the rejected rows.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from paraguas.data.window import is_string
from paraguas.errors import SchemaError
from paraguas.spec.names import did_you_mean

__all__ = ["KINDS", "FeatureSchema", "InputSchema", "Validation"]

KINDS = ("numeric", "integer", "boolean", "categorical", "text", "datetime")
FORMAT = 1
# Numbers as strings (CSV, JSON): decimals, exponents, and inf/nan so that they are reported
# as "not finite" and "missing" rather than as text.
_NUMBER = r"^[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|(?i:inf|infinity|nan))$"
_INTEGER = r"^[+-]?\d{1,18}$"  # more digits may not fit int64; such values are refused
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class FeatureSchema:
    """One feature as training saw it."""

    name: str
    kind: str
    type: str
    nullable: bool
    min: float | int | None = None
    max: float | int | None = None
    categories: tuple[str, ...] | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return _arrow_type(self.type)

    def as_dict(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "kind": self.kind,
            "type": self.type,
            "nullable": self.nullable,
        }
        if self.kind in ("numeric", "integer"):
            described.update(min=self.min, max=self.max)
        if self.categories is not None:
            described["categories"] = list(self.categories)
        return described

    @classmethod
    def from_dict(cls, name: str, described: Mapping[str, Any]) -> FeatureSchema:
        try:
            kind = described["kind"]
            if kind not in KINDS:
                raise SchemaError(f"Feature {name!r} has kind {kind!r}; expected one of {KINDS}.")
            categories = described.get("categories")
            feature = cls(
                name=name,
                kind=kind,
                type=str(described["type"]),
                nullable=bool(described["nullable"]),
                min=described.get("min"),
                max=described.get("max"),
                categories=None if categories is None else tuple(map(str, categories)),
            )
        except (KeyError, TypeError) as exc:
            raise SchemaError(
                f"The stored input schema of feature {name!r} is incomplete ({exc}); register "
                "the model version again."
            ) from exc
        feature.arrow_type  # noqa: B018  (refuse an unreadable type now, not at scoring time)
        return feature


@dataclass(frozen=True)
class Validation:
    """Rows ready to score, and the rows refused with their reasons.

    ``valid`` holds the schema's features, in order, cast to the trained types. ``rejects`` pairs
    the index of each refused row in the input batch with why, e.g. ``temp_max: 'abc' is not a
    number``.
    """

    valid: pa.RecordBatch
    rejects: list[tuple[int, str]]


@dataclass(frozen=True)
class InputSchema:
    """The features a model version was trained on, in order, with their kinds and types."""

    features: tuple[FeatureSchema, ...]

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]

    @classmethod
    def infer(
        cls, table: pa.Table, features: Sequence[str], *, max_categories: int = 50
    ) -> InputSchema:
        """Describe ``features`` of the training ``table``.

        A string feature with at most ``max_categories`` distinct values is categorical (its
        values are recorded); with more, it is text.
        """
        _require(features, table.schema.names, "training")
        return cls(tuple(_infer(name, table[name], max_categories) for name in features))

    def as_dict(self) -> dict[str, Any]:
        """JSON-able; ``features`` keeps the order, which ``columns`` (a mapping) may lose."""
        return {
            "format": FORMAT,
            "features": self.names,
            "columns": {feature.name: feature.as_dict() for feature in self.features},
        }

    @classmethod
    def from_dict(cls, described: Mapping[str, Any]) -> InputSchema:
        columns = described.get("columns")
        if not isinstance(columns, Mapping):
            raise SchemaError(
                "The stored input schema has no columns; register the model version again."
            )
        order = described.get("features") or list(columns)
        unknown = [name for name in order if name not in columns]
        if unknown:
            raise SchemaError(
                f"The stored input schema lists features {unknown} without describing them; "
                "register the model version again."
            )
        return cls(tuple(FeatureSchema.from_dict(name, columns[name]) for name in order))

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([(feature.name, feature.arrow_type) for feature in self.features])

    def validate(self, batch: pa.RecordBatch) -> Validation:
        """Cast ``batch`` to the trained types and split it into scorable and refused rows.

        Raises :class:`SchemaError` when a feature column is absent: that is not a problem of
        some rows but of the whole input. Extra columns are ignored.
        """
        _require(self.names, batch.schema.names, "input")
        arrays: list[pa.Array] = []
        problems: list[tuple[FeatureSchema, pa.Array, list[_Problem]]] = []
        refused: pa.Array | None = None
        for feature in self.features:
            column = batch.column(feature.name)
            converted, found = _convert(feature, column)
            arrays.append(converted)
            found = [(mask, say) for mask, say in found if mask.true_count]
            if found:
                problems.append((feature, column, found))
                for mask, _ in found:
                    refused = mask if refused is None else pc.or_(refused, mask)
        valid = pa.RecordBatch.from_arrays(arrays, schema=self.arrow_schema)
        if refused is None:
            return Validation(valid, [])
        return Validation(valid.filter(pc.invert(refused)), _reasons(problems))


# inference -------------------------------------------------------------------------------------


def _infer(name: str, column: pa.ChunkedArray, max_categories: int) -> FeatureSchema:
    kind = column.type
    values = kind.value_type if pa.types.is_dictionary(kind) else kind
    missing = column.null_count > 0
    if pa.types.is_floating(values):
        missing = missing or bool(pc.any(pc.is_nan(column)).as_py())
    if pa.types.is_boolean(values):
        return FeatureSchema(name, "boolean", str(kind), missing)
    if pa.types.is_integer(values) or pa.types.is_floating(values) or pa.types.is_decimal(values):
        smallest, largest = pc.min_max(column).values()
        integer = pa.types.is_integer(values)
        return FeatureSchema(
            name,
            "integer" if integer else "numeric",
            str(kind),
            missing,
            _bound(smallest.as_py(), integer),
            _bound(largest.as_py(), integer),
        )
    if is_string(values):
        plain = column if kind == pa.string() else column.cast(pa.string())
        if pc.count_distinct(plain).as_py() > max_categories:
            return FeatureSchema(name, "text", str(kind), missing)
        found = pc.unique(plain)
        categories = tuple(sorted(value for value in found.to_pylist() if value is not None))
        return FeatureSchema(name, "categorical", str(kind), missing, categories=categories)
    if pa.types.is_date(values) or pa.types.is_timestamp(values):
        return FeatureSchema(name, "datetime", str(kind), missing)
    raise SchemaError(
        f"Feature {name!r} is {kind}"
        + (" (every value is missing)" if pa.types.is_null(kind) else "")
        + "; a feature must hold numbers, booleans, strings, dates or timestamps. "
        "Fix the data, or remove it from features."
    )


def _bound(value: Any, integer: bool) -> float | int | None:
    if value is None:
        return None
    if integer:
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


# validation ------------------------------------------------------------------------------------

# A problem is a mask of refused rows and how to say why, given the offending value.
_Problem = tuple[pa.Array, Callable[[Any], str]]


def _convert(feature: FeatureSchema, column: pa.Array) -> tuple[pa.Array, list[_Problem]]:
    """The column cast to the trained type (refused rows nulled) and its problems, in order."""
    target = feature.arrow_type
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    name = feature.name
    problems: list[_Problem] = []
    if column.type == target and feature.kind == "numeric" and _all_finite(column):
        # The usual case, floats of the trained type and none infinite or NaN: nothing to
        # convert, and only nulls can be refused. One pass over the values instead of six.
        if not feature.nullable:
            problems.append((pc.is_null(column), _missing(name)))
        return column, problems
    if pa.types.is_null(column.type):
        converted = pa.nulls(len(column), target)
    elif feature.kind in ("numeric", "integer"):
        converted, problems = _to_number(name, column, target)
    elif feature.kind == "boolean":
        converted, problems = _to_boolean(name, column, target)
    elif feature.kind == "datetime":
        converted, problems = _to_datetime(name, column, target)
    else:
        converted, problems = _to_string(name, column, target)
    missing = pc.is_null(converted)
    if pa.types.is_floating(converted.type):
        missing = pc.or_(missing, pc.fill_null(pc.is_nan(converted), False))
    for mask, _ in problems:
        missing = pc.and_(missing, pc.invert(mask))
    if not feature.nullable:
        problems.append((missing, _missing(name)))
    return converted, problems


def _missing(name: str) -> Callable[[Any], str]:
    return lambda _: f"{name}: missing value (it was never missing in training)"


def _all_finite(column: pa.Array) -> bool:
    """Whether ``column`` holds floats, every one finite or null."""
    if not pa.types.is_floating(column.type):
        return False
    finite: pa.BooleanArray = pc.is_finite(column)  # null where the value is null
    return bool(finite.true_count == len(column) - column.null_count)


def _to_number(name: str, column: pa.Array, target: pa.DataType) -> tuple[pa.Array, list[_Problem]]:
    problems: list[_Problem] = []
    integer = pa.types.is_integer(target)
    if is_string(column.type):
        trimmed = pc.utf8_trim_whitespace(column)
        written = pc.greater(pc.utf8_length(trimmed), 0)  # an empty string is a missing value
        number = pc.match_substring_regex(trimmed, _INTEGER if integer else _NUMBER)
        wrong = _flag(pc.and_(written, pc.invert(number)))
        what = "an integer" if integer else "a number"
        problems.append((wrong, lambda value: f"{name}: {_show(value)} is not {what}"))
        parsed = pc.if_else(_flag(number), trimmed, pa.scalar(None, trimmed.type))
        column = parsed.cast(pa.int64() if integer else pa.float64())
    elif pa.types.is_boolean(column.type):
        column = column.cast(pa.int8())
    elif not (
        pa.types.is_integer(column.type)
        or pa.types.is_floating(column.type)
        or pa.types.is_decimal(column.type)
    ):
        raise _incompatible(name, column.type, target)
    refused = [mask for mask, _ in problems]
    if pa.types.is_floating(column.type):
        infinite = _flag(pc.is_inf(column))
        problems.append((infinite, lambda value: f"{name}: {_show(value)} is not finite"))
        refused.append(infinite)
        if integer:
            whole = pc.equal(pc.floor(column), column)
            fraction = _flag(pc.and_(pc.is_finite(column), pc.invert(whole)))
            problems.append((fraction, lambda value: f"{name}: {_show(value)} is not an integer"))
            refused.append(fraction)
    if integer and column.type != target:
        info_min, info_max = _integer_range(target)
        outside = _flag(pc.or_(pc.less(column, info_min), pc.greater(column, info_max)))
        outside = pc.and_(outside, pc.invert(_any(refused, len(column))))
        problems.append((outside, lambda value: f"{name}: {_show(value)} does not fit in {target}"))
        refused.append(outside)
    if pa.types.is_decimal(target) and column.type != target:
        limit = 10 ** (target.precision - target.scale)
        outside = _flag(pc.greater_equal(pc.abs(column), limit))
        outside = pc.and_(outside, pc.invert(_any(refused, len(column))))
        problems.append((outside, lambda value: f"{name}: {_show(value)} does not fit in {target}"))
        refused.append(outside)
        if not pa.types.is_decimal(column.type):
            # Arrow casts an integer to a decimal only when every int64 would fit: go by float.
            column = column.cast(pa.float64())
    if refused:
        column = pc.if_else(_any(refused, len(column)), pa.scalar(None, column.type), column)
    if (integer or pa.types.is_decimal(target)) and pa.types.is_floating(column.type):
        column = pc.if_else(_flag(pc.is_nan(column)), pa.scalar(None, column.type), column)
    return column.cast(target, safe=False), problems


def _to_boolean(
    name: str, column: pa.Array, target: pa.DataType
) -> tuple[pa.Array, list[_Problem]]:
    if pa.types.is_boolean(column.type):
        return column, []
    if is_string(column.type):
        words = pc.utf8_lower(pc.utf8_trim_whitespace(column))
        truth = pc.is_in(words, value_set=pa.array(_TRUE))
        known = pc.or_(truth, pc.is_in(words, value_set=pa.array(_FALSE)))
    elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        truth = pc.equal(column, 1)
        known = pc.or_(truth, pc.equal(column, 0))
    else:
        raise _incompatible(name, column.type, target)
    wrong = _flag(pc.and_(pc.is_valid(column), pc.invert(_flag(known))))
    converted = pc.if_else(_flag(known), truth, pa.scalar(None, pa.bool_()))
    say = (wrong, lambda value: f"{name}: {_show(value)} is not a boolean (true or false)")
    return converted, [say]


def _to_datetime(
    name: str, column: pa.Array, target: pa.DataType
) -> tuple[pa.Array, list[_Problem]]:
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        return column.cast(target, safe=False), []
    if not is_string(column.type):
        raise _incompatible(name, column.type, target)
    text = pc.utf8_trim_whitespace(column.cast(pa.string()))
    parsed = pc.coalesce(
        *(pc.strptime(text, format=f, unit="us", error_is_null=True) for f in _DATE_FORMATS)
    )
    wrong = _flag(pc.and_(pc.is_valid(column), pc.is_null(parsed)))
    say = (wrong, lambda value: f"{name}: {_show(value)} is not a date (YYYY-MM-DD) or timestamp")
    return parsed.cast(target, safe=False), [say]


def _to_string(name: str, column: pa.Array, target: pa.DataType) -> tuple[pa.Array, list[_Problem]]:
    try:
        if not is_string(column.type):
            column = column.cast(pa.string())
        return column.cast(target), []
    except (pa.ArrowException, NotImplementedError) as exc:
        raise _incompatible(name, column.type, target) from exc


def _reasons(
    problems: list[tuple[FeatureSchema, pa.Array, list[_Problem]]],
) -> list[tuple[int, str]]:
    """Say why each refused row was refused: one reason per failing feature, in feature order."""
    said: dict[int, list[str]] = {}
    for _, column, found in problems:
        for mask, say in found:
            rows = pc.indices_nonzero(mask)
            values = column.take(rows).to_pylist()
            for row, value in zip(rows.to_pylist(), values, strict=True):
                said.setdefault(row, []).append(say(value))
    return [(row, "; ".join(said[row])) for row in sorted(said)]


def _require(names: Sequence[str], available: Sequence[str], where: str) -> None:
    """Raise :class:`SchemaError` naming every feature absent from ``available``."""
    missing = [name for name in names if name not in available]
    if not missing:
        return
    listed = ", ".join(repr(name) for name in missing)
    if where == "training":
        # The spec names the feature: the spec has the typo.
        hints = "".join(did_you_mean(name, available) for name in missing)
        raise SchemaError(f"The training data has no column {listed} (a feature).{hints}")
    # The input was sent without the feature: the sender has the typo.
    extra = [name for name in available if name not in names]
    renames = [
        f"{close[0]!r} to {name!r}"
        for name in missing
        if (close := difflib.get_close_matches(name, extra, n=1, cutoff=0.6))
    ]
    hint = f" Rename {', '.join(renames)}." if renames else ""
    raise SchemaError(
        f"The input has no column {listed}, a feature the model needs; send every feature." + hint
    )


def _incompatible(name: str, kind: pa.DataType, target: pa.DataType) -> SchemaError:
    return SchemaError(
        f"Column {name!r} is {kind}, which cannot be read as the {target} the model was "
        f"trained on. Send {target} values (or strings holding them)."
    )


def _flag(mask: Any) -> pa.Array:
    """A boolean mask with missing entries read as False."""
    return pc.fill_null(mask, False)


def _any(masks: list[pa.Array], length: int) -> pa.Array:
    combined = masks[0] if masks else pa.array([False] * length)
    for mask in masks[1:]:
        combined = pc.or_(combined, mask)
    return combined


def _integer_range(kind: pa.DataType) -> tuple[int, int]:
    bits = kind.bit_width
    if pa.types.is_unsigned_integer(kind):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _show(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)  # inf, nan, 1.5
    if isinstance(value, str | bytes):
        return repr(value)
    return str(value)


@lru_cache(maxsize=256)
def _arrow_type(text: str) -> pa.DataType:
    """The Arrow type written as ``str(type)`` (the types features can have)."""
    for pattern, build in _PARAMETRIC:
        match = pattern.fullmatch(text)
        if match:
            return build(match)
    try:
        return pa.type_for_alias(text)
    except (ValueError, KeyError) as exc:
        raise SchemaError(
            f"The stored feature type {text!r} is not an Arrow type paraguas can read."
        ) from exc


_PARAMETRIC: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], pa.DataType]], ...] = (
    (re.compile(r"timestamp\[(s|ms|us|ns), tz=(.+)\]"), lambda m: pa.timestamp(m[1], tz=m[2])),
    (re.compile(r"decimal128\((\d+), (\d+)\)"), lambda m: pa.decimal128(int(m[1]), int(m[2]))),
    (re.compile(r"decimal256\((\d+), (\d+)\)"), lambda m: pa.decimal256(int(m[1]), int(m[2]))),
    (
        re.compile(r"dictionary<values=(.+), indices=(\w+), ordered=([01])>"),
        lambda m: pa.dictionary(_arrow_type(m[2]), _arrow_type(m[1]), m[3] == "1"),
    ),
)
