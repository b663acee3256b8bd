"""Finding a project's model specs: ``models/*.py``, ``models/*.yaml`` and ``paraguas.yaml``.

A Python file declares a module-level ``spec = pg.ModelSpec(...)``; a YAML file (or an entry of
``models:`` in ``paraguas.yaml``) holds the same fields, with the estimator given as an import path
plus params. Data paths are relative to the project folder.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from paraguas.errors import ConfigError, ParaguasError, SpecError
from paraguas.spec import (
    ImportedEstimator,
    ModelSpec,
    Monitoring,
    Promotion,
    Retraining,
    Split,
    did_you_mean,
)

MODELS_DIR = "models"
SPEC_FIELDS = tuple(f.name for f in dataclasses.fields(ModelSpec))


def load_specs(project_dir: Path, declared: Sequence[Any] = ()) -> dict[str, ModelSpec]:
    """Every model spec of the project, by name; ``declared`` is the ``models:`` list of the
    project file (inline mappings, or paths of spec files)."""
    specs: dict[str, ModelSpec] = {}
    origins: dict[str, str] = {}

    def add(spec: ModelSpec, origin: str) -> None:
        if spec.name in specs:
            raise SpecError(
                f"Model {spec.name!r} is declared twice: in {origins[spec.name]} and in {origin}. "
                "Rename or remove one."
            )
        resolve = getattr(spec.data, "resolve", None)
        if callable(resolve):
            spec = dataclasses.replace(spec, data=resolve(project_dir))
        specs[spec.name] = spec
        origins[spec.name] = origin

    folder = project_dir / MODELS_DIR
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.name.startswith(("_", ".")):
                continue
            if path.suffix == ".py":
                add(load_python_spec(path), str(path))
            elif path.suffix in (".yaml", ".yml"):
                add(load_yaml_spec(path), str(path))
    for index, entry in enumerate(declared):
        if isinstance(entry, str):
            path = (project_dir / entry).resolve()
            loader = load_python_spec if path.suffix == ".py" else load_yaml_spec
            add(loader(path), str(path))
        elif isinstance(entry, Mapping):
            add(
                spec_from_mapping(entry, f"paraguas.yaml models[{index}]"),
                f"paraguas.yaml models[{index}]",
            )
        else:
            raise ConfigError(
                f"paraguas.yaml models[{index}] is {entry!r}: expected a spec mapping or the path of a "
                "spec file."
            )
    return specs


def load_python_spec(path: Path) -> ModelSpec:
    """The ``spec`` declared by a Python file."""
    if not path.is_file():
        raise SpecError(f"Spec file {path} does not exist.")
    module_name = f"paraguas_models_{path.stem}"
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    if loader_spec is None or loader_spec.loader is None:  # pragma: no cover - a .py always loads
        raise SpecError(f"{path} cannot be imported as a Python module.")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except ParaguasError as exc:
        raise SpecError(f"{path}: {exc}") from exc
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        raise SpecError(
            f"{path} failed at line {frame.lineno}: {type(exc).__name__}: {exc}."
        ) from exc
    spec = getattr(module, "spec", None)
    if not isinstance(spec, ModelSpec):
        found = [n for n, v in vars(module).items() if isinstance(v, ModelSpec)]
        hint = f" It defines {found[0]!r}; name it spec." if found else ""
        raise SpecError(f"{path} has no module-level `spec = pg.ModelSpec(...)`.{hint}")
    return spec


def load_yaml_spec(path: Path) -> ModelSpec:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{path} cannot be read as YAML{where}.") from None
    except OSError as exc:
        raise SpecError(f"Spec file {path} cannot be read ({exc.strerror}).") from None
    if not isinstance(raw, Mapping):
        raise SpecError(f"{path}: expected a mapping of spec fields (name, task, target, …).")
    return spec_from_mapping(raw, str(path))


def spec_from_mapping(raw: Mapping[str, Any], origin: str) -> ModelSpec:
    """A :class:`ModelSpec` from YAML-style fields; errors name the field and ``origin``."""
    from paraguas.data import source_from_mapping

    unknown = [key for key in raw if key not in SPEC_FIELDS]
    if unknown:
        raise SpecError(
            f"{origin}: {unknown[0]!r} is not a spec field; fields are {', '.join(SPEC_FIELDS)}."
            + did_you_mean(str(unknown[0]), SPEC_FIELDS)
        )
    missing = [
        key for key in ("name", "task", "target", "features", "data", "estimator") if key not in raw
    ]
    if missing:
        raise SpecError(f"{origin}: the field {missing[0]!r} is required.")
    fields = dict(raw)
    try:
        if not isinstance(fields["data"], Mapping):
            raise SpecError(
                f"data {fields['data']!r}: expected a mapping such as {{parquet: data/weather.parquet}}."
            )
        fields["data"] = source_from_mapping(fields["data"])
        fields["estimator"] = _estimator(fields["estimator"])
        if "split" in fields:
            fields["split"] = Split(**_mapping(fields["split"], "split"))
        for key, policy in (
            ("monitoring", Monitoring),
            ("retraining", Retraining),
            ("promotion", Promotion),
        ):
            if key in fields:
                fields[key] = policy(**_mapping(fields[key], key))
        return ModelSpec(**fields)
    except ParaguasError as exc:
        raise SpecError(f"{origin}: {exc}") from None
    except TypeError as exc:
        raise SpecError(f"{origin}: {exc}.") from None


def _estimator(value: Any) -> ImportedEstimator:
    if isinstance(value, str):
        return ImportedEstimator(value)
    fields = _mapping(value, "estimator")
    extra = set(fields) - {"class", "params"}
    if "class" not in fields or extra:
        raise SpecError(
            "estimator: expected {class: import.path.Name, params: {...}}, e.g. "
            "{class: sklearn.ensemble.HistGradientBoostingClassifier, params: {max_iter: 200}}."
        )
    estimator = ImportedEstimator(
        str(fields["class"]), dict(_mapping(fields.get("params") or {}, "estimator.params"))
    )
    estimator()  # fail now, naming the spec, rather than at the first training
    return estimator


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SpecError(f"{what} {value!r}: expected a mapping.")
    return value
