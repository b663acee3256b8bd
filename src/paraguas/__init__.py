"""paraguas: declare a model once; train, serve, watch it against reality, retrain, promote with
proof, and keep a record an auditor can trust.

Only light names are imported here; data sources, stores, serving and engines load when used.
"""

from __future__ import annotations

from typing import Any

from paraguas.errors import ParaguasError
from paraguas.spec import ModelSpec, Monitoring, Promotion, Retraining, Split

__version__ = "0.1.0"

__all__ = [
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

# Names whose modules pull in heavy libraries (pyarrow, SQLAlchemy): imported on first use.
_LAZY = {
    "open_project": "paraguas.project",
    "Parquet": "paraguas.data",
    "CSV": "paraguas.data",
    "SQL": "paraguas.data",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'paraguas' has no attribute {name!r}")
