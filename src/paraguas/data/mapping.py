"""Sources declared in YAML: ``{parquet: path}``, ``{csv: path, delimiter: ";"}``, ``{sql: {url, query}}``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from paraguas.data.sources import CSV, Parquet
from paraguas.data.sql import SQL
from paraguas.errors import SpecError
from paraguas.spec.names import did_you_mean

__all__ = ["source_from_mapping"]


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
