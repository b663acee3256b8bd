"""The OpenAPI document with each model's input schema: one predict path per served model.

The generic ``/v1/models/{name}/predict`` takes any JSON; the document adds, for every model
with a champion, its own path whose request body lists the features the champion was trained
on (JSON type, categories, nullability), so clients and fuzzers know what to send.
"""

from __future__ import annotations

from typing import Any

from paraguas.serving.service import Service

__all__ = ["model_paths", "record_schema"]

_JSON_TYPES = {
    "numeric": "number",
    "integer": "integer",
    "boolean": "boolean",
    "categorical": "string",
    "text": "string",
    "datetime": "string",
}


def record_schema(schema: Any, key: str | None, time: str | None) -> dict[str, Any]:
    """The JSON schema of one record for an :class:`~paraguas.data.InputSchema`."""
    properties: dict[str, Any] = {}
    for feature in schema.features:
        described: dict[str, Any] = {"type": _JSON_TYPES.get(feature.kind, "string")}
        if feature.kind == "datetime":
            described["format"] = "date-time"
        if feature.categories is not None:
            described["examples"] = list(feature.categories)[:10]
        if feature.nullable:
            described = {"anyOf": [described, {"type": "null"}]}
        properties[feature.name] = described
    for extra, what in ((key, "the key that joins actuals"), (time, "ISO 8601 date or time")):
        if extra and extra not in properties:
            properties[extra] = {"type": ["string", "number"], "description": what}
    return {
        "type": "object",
        "properties": properties,
        "required": list(schema.names),
        "additionalProperties": False,
    }


def model_paths(service: Service) -> dict[str, Any]:
    """``/v1/models/<name>/predict`` for each model whose champion has an input schema."""
    paths: dict[str, Any] = {}
    for name in service.names():
        served = service.served(name)
        if served.champion is None or served.champion.schema is None:
            continue
        spec = served.champion.spec
        record = record_schema(served.champion.schema, spec.key, spec.time)
        paths[f"/v1/models/{name}/predict"] = {
            "post": {
                "tags": ["predictions"],
                "summary": f"Score records with {name}'s champion "
                f"(version {served.champion.version.version})",
                "operationId": f"predict_{name}",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [record, {"type": "array", "items": record, "minItems": 1}]
                            }
                        }
                    },
                },
                "responses": {
                    "200": {"description": "The champion's answer, with the version that gave it"},
                    "422": {"description": "Records refused; detail names each record and field"},
                },
            }
        }
    return paths
