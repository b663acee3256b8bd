"""The top-level package: what it exports, and that importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import paraguas


def test_exported_members() -> None:
    assert paraguas.__all__ == [
        "CSV",
        "SQL",
        "ModelSpec",
        "Monitoring",
        "ParaguasError",
        "Parquet",
        "Promotion",
        "Retraining",
        "Split",
        "__version__",
        "open_project",
    ]
    for name in paraguas.__all__:
        assert getattr(paraguas, name) is not None


def test_every_subpackage_declares_what_it_exports() -> None:
    import importlib

    for name in (
        "audit",
        "cli",
        "config",
        "data",
        "lifecycle",
        "monitoring",
        "prediction",
        "registry",
        "serving",
        "spec",
        "store",
        "training",
    ):
        module = importlib.import_module(f"paraguas.{name}")
        assert module.__doc__ and module.__doc__.strip()
        assert isinstance(module.__all__, list)
        for member in module.__all__:
            assert hasattr(module, member) or name == "cli", f"paraguas.{name}.{member}"


def test_import_paraguas_loads_nothing_heavy() -> None:
    heavy = ["sqlalchemy", "sklearn", "skops", "numpy", "pandas", "pyarrow", "fastapi", "dask"]
    code = (
        f"import sys, paraguas, json; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = paraguas.nope  # type: ignore[attr-defined]
