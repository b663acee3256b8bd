"""A project opened for work: its settings, its stores, its registry and audit log.

This is where the pieces are put together, once, at the edge (the CLI, the server, a notebook).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from paraguas.audit import AuditLog
from paraguas.config import Settings, load_settings
from paraguas.registry import Registry
from paraguas.store import ArtifactStore, MetadataStore


@dataclass
class Project:
    """The stores of one project and the services built on them."""

    settings: Settings
    metadata: MetadataStore
    artifacts: ArtifactStore
    registry: Registry

    @property
    def audit(self) -> AuditLog:
        return self.registry.audit

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
