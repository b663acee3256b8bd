"""paraguas: declare a model once; train, serve, watch it against reality, retrain, promote with
proof, and keep a record an auditor can trust.

Only light names are imported here; stores, serving and engines load when they are used.
"""

from __future__ import annotations

from paraguas.errors import ParaguasError

__version__ = "0.1.0"

__all__ = ["ParaguasError", "__version__", "open_project"]


def __getattr__(name: str) -> object:
    # open_project pulls in SQLAlchemy; import it on first use so `import paraguas` stays light.
    if name == "open_project":
        from paraguas.project import open_project

        return open_project
    raise AttributeError(f"module 'paraguas' has no attribute {name!r}")
