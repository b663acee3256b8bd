"""A project opened for work: its settings, its stores, its registry and audit log.

This is where the pieces are put together, once, at the edge (the CLI, the server, a notebook).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from paraguas.audit import AuditLog
from paraguas.config import Settings, load_settings, load_specs
from paraguas.errors import SpecError
from paraguas.registry import Registry
from paraguas.spec import ModelSpec, did_you_mean
from paraguas.store import ArtifactStore, MetadataStore

if TYPE_CHECKING:
    from paraguas.monitoring.flow import Monitor
    from paraguas.prediction import ActualsLog, PredictionLog


@dataclass
class Project:
    """The stores of one project and the services built on them."""

    settings: Settings
    metadata: MetadataStore
    artifacts: ArtifactStore
    registry: Registry
    _specs: dict[str, ModelSpec] | None = field(default=None, repr=False)

    @property
    def audit(self) -> AuditLog:
        return self.registry.audit

    @property
    def predictions(self) -> PredictionLog:
        """Every prediction made, partitioned by model and day (Parquet under ``data_dir``)."""
        from paraguas.prediction import PredictionLog

        return PredictionLog(self.settings.data_dir / "predictions")

    @property
    def actuals(self) -> ActualsLog:
        """What really happened, by key, as it arrived."""
        from paraguas.prediction import ActualsLog

        return ActualsLog(self.settings.data_dir / "actuals")

    @property
    def monitor(self) -> Monitor:
        """What the monitoring flow reads and writes: the stores and logs of this project."""
        from paraguas.monitoring.flow import Monitor

        return Monitor(self.registry, self.metadata, self.audit, self.predictions, self.actuals)

    def specs(self) -> dict[str, ModelSpec]:
        """The project's model specs (``models/`` and ``paraguas.yaml``), loaded once."""
        if self._specs is None:
            self._specs = load_specs(self.settings.project_dir, self.settings.models)
        return self._specs

    def spec(self, name: str) -> ModelSpec:
        specs = self.specs()
        if name not in specs:
            declared = ", ".join(sorted(specs)) or "none yet"
            raise SpecError(
                f"Model {name!r} is not declared in {self.settings.project_dir / 'models'} or "
                f"paraguas.yaml (declared: {declared}).{did_you_mean(name, specs)}"
            )
        return specs[name]

    @classmethod
    def open(cls, settings: Settings) -> Project:
        """Connect to the project's stores (creating and migrating the embedded default)."""
        metadata = MetadataStore.open(settings.store_url)
        artifacts = ArtifactStore(settings.artifact_url)
        registry = Registry(
            metadata, artifacts, actor=settings.actor, code_dir=settings.project_dir
        )
        return cls(settings=settings, metadata=metadata, artifacts=artifacts, registry=registry)

    def close(self) -> None:
        self.metadata.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_project(path: str | Path = ".", environ: dict[str, str] | None = None) -> Project:
    """Open the project whose ``paraguas.yaml`` is in ``path`` (no environment overrides unless
    ``environ`` is given)."""
    from paraguas.config import find_project_dir

    return Project.open(load_settings(find_project_dir(Path(path)), environ))
