"""Estimators named by import path, for specs written in YAML by people who never open Python."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paraguas.errors import SpecError
from paraguas.spec.names import did_you_mean


@dataclass(frozen=True)
class ImportedEstimator:
    """A factory for ``path(**params)``, e.g. ``sklearn.ensemble.HistGradientBoostingClassifier``.

    Called like the ``lambda`` a Python spec uses: each call returns a new unfitted estimator.
    """

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def load_class(self) -> Any:
        module_name, _, class_name = self.path.rpartition(".")
        if not module_name:
            raise SpecError(
                f"estimator {self.path!r} is not an import path; expected e.g. "
                "'sklearn.ensemble.HistGradientBoostingClassifier'."
            )
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise SpecError(
                f"estimator {self.path!r}: module {module_name!r} cannot be imported ({exc}). "
                "Is its package installed?"
            ) from None
        try:
            return getattr(module, class_name)
        except AttributeError:
            names = [n for n in dir(module) if not n.startswith("_")]
            raise SpecError(
                f"estimator {self.path!r}: {module_name} has no {class_name!r}."
                + did_you_mean(class_name, names)
            ) from None

    def __call__(self) -> Any:
        kind = self.load_class()
        try:
            return kind(**dict(self.params))
        except TypeError as exc:
            raise SpecError(
                f"estimator {self.path!r}: bad params {dict(self.params)!r}: {exc}."
            ) from None
