"""Every error paraguas raises, in one hierarchy.

A message names the value, what was expected, and the next step. Third-party exceptions are
wrapped once, at the boundary where they happen (``raise StoreError(...) from exc``).

::

    ParaguasError
    ├── ConfigError                 the project file or a PARAGUAS_* variable is invalid
    │   └── ProjectNotFoundError    no paraguas.yaml here or above
    ├── SpecError                   a model specification is wrong
    │   └── InvalidNameError        (also ValueError) a model name cannot be used
    ├── DataError                   input data cannot be read or used
    │   └── SchemaError             data does not match the expected schema
    ├── StoreError                  the metadata or artifact store failed
    │   ├── StoreUnavailableError   the database cannot be reached
    │   ├── ArtifactNotFoundError   (also LookupError) no artifact with that hash
    │   └── ArtifactIntegrityError  stored bytes do not match their sha256
    ├── RegistryError               a registry operation is not possible
    │   ├── ModelNotFoundError      (also LookupError) no such model
    │   ├── VersionNotFoundError    (also LookupError) no such version of a model
    │   └── AliasError              an alias cannot be moved as asked (e.g. nothing to roll back)
    ├── AuditError                  the audit log cannot be written or read
    └── PolicyError                 a lifecycle policy forbids the action
"""

from __future__ import annotations

__all__ = [
    "AliasError",
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "AuditError",
    "ConfigError",
    "DataError",
    "InvalidNameError",
    "ModelNotFoundError",
    "ParaguasError",
    "PolicyError",
    "ProjectNotFoundError",
    "RegistryError",
    "SchemaError",
    "SpecError",
    "StoreError",
    "StoreUnavailableError",
    "VersionNotFoundError",
]


class ParaguasError(Exception):
    """Base of every error raised on purpose by paraguas."""


class ConfigError(ParaguasError):
    """The project file or an environment override is invalid."""


class ProjectNotFoundError(ConfigError):
    """No ``paraguas.yaml`` in the given folder or any folder above it."""


class SpecError(ParaguasError):
    """A model specification is wrong."""


class InvalidNameError(SpecError, ValueError):
    """A user-given name (model, alias) does not follow the naming rule."""


class DataError(ParaguasError):
    """Input data cannot be read or used."""


class SchemaError(DataError):
    """Data does not match the schema it is expected to have."""


class StoreError(ParaguasError):
    """The metadata store or the artifact store failed."""


class StoreUnavailableError(StoreError):
    """The metadata store's database cannot be reached or opened."""


class ArtifactNotFoundError(StoreError, LookupError):
    """No artifact is stored under the requested hash."""


class ArtifactIntegrityError(StoreError):
    """An artifact's bytes do not hash to the sha256 it was registered with."""

    def __init__(self, message: str, *, expected: str, actual: str) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class RegistryError(ParaguasError):
    """A model registry operation is not possible."""


class ModelNotFoundError(RegistryError, LookupError):
    """The model is not registered."""


class VersionNotFoundError(RegistryError, LookupError):
    """The model has no such version."""


class AliasError(RegistryError):
    """An alias cannot be moved as asked."""


class AuditError(ParaguasError):
    """The audit log cannot be written or read."""


class PolicyError(ParaguasError):
    """A lifecycle policy forbids the requested action."""
