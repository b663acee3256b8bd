"""The model registry: versions numbered per model, aliases moved as transactions with their
audit event, the champion at any past time, rollback, and verified loading."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from paraguas.audit import AuditLog
from paraguas.audit.log import Clock, utcnow
from paraguas.errors import (
    AliasError,
    ModelNotFoundError,
    RegistryError,
    VersionNotFoundError,
)
from paraguas.registry import formats
from paraguas.registry.lineage import capture_lineage, model_modules
from paraguas.spec.names import did_you_mean, validate_alias, validate_model_name
from paraguas.store import (
    AliasChange,
    ArtifactStore,
    MetadataStore,
    ModelRecord,
    ModelVersion,
    Transaction,
)

CHAMPION = "champion"
CHALLENGER = "challenger"
#: Work a caller does in the transaction of an alias move, so that both commit or neither.
Together = Callable[[Transaction], None]
# Attachments the training flow stores with each version, read by prediction and monitoring.
INPUT_SCHEMA = "input_schema"
REFERENCE_PROFILE = "reference_profile"
REFERENCE_SAMPLE = "reference_sample"  # Parquet: a seeded sample of the training rows
REFERENCE_SCORES = "reference_scores"  # Parquet: the model's scores on the holdout
FEATURE_IMPORTANCE = "feature_importance"  # JSON: permutation importance on the holdout
CALIBRATION = "calibration"  # JSON: score calibration for label-free estimates (binary)
# Lineage key: the skops types trusted when this version was registered.
TRUSTED_TYPES = "trusted_types"


def subject(name: str) -> str:
    """The audit subject of everything that happens to model ``name``."""
    return f"model:{name}"


class Registry:
    """Models, their versions and aliases in one metadata store, their bytes in one artifact store.

    ``actor`` is who acts when a call does not say; every change is written to the audit log in
    the same transaction as the change itself.
    """

    def __init__(
        self,
        metadata: MetadataStore,
        artifacts: ArtifactStore,
        *,
        actor: str,
        clock: Clock = utcnow,
        code_dir: Path | None = None,
    ) -> None:
        self._metadata = metadata
        self._artifacts = artifacts
        self._actor = actor
        self._clock = clock
        self._code_dir = code_dir
        self.audit = AuditLog(metadata, clock=clock)

    # registering ------------------------------------------------------------------------------

    def register(
        self,
        name: str,
        model: Any,
        *,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        lineage: Mapping[str, Any] | None = None,
        reason: str = "",
        actor: str | None = None,
        format: str | None = None,
        attachments: Mapping[str, bytes] | None = None,
        champion_if_none: str | None = None,
    ) -> ModelVersion:
        """Store ``model`` as the next version of ``name`` (created on first use).

        ``lineage`` adds to or overrides the captured lineage (spec hash, data fingerprint,
        trigger, parent version). ``attachments`` are named byte strings stored beside the model
        (the input schema, the reference profile), read back with :meth:`attachment`. The version
        is registered, not yet champion, unless ``champion_if_none`` gives the reason to make it
        champion when the model has none: then both happen in one transaction, so a crash never
        leaves a first version registered without the champion it was meant to be.
        """
        validate_model_name(name)
        serialized = formats.dump(model, format)
        captured = {"modules": model_modules(model)}
        return self._register(
            name,
            serialized,
            params,
            metrics,
            tags,
            lineage,
            reason,
            actor,
            captured,
            attachments,
            champion_if_none,
        )

    def register_file(
        self,
        name: str,
        path: Path,
        *,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        lineage: Mapping[str, Any] | None = None,
        reason: str = "",
        actor: str | None = None,
    ) -> ModelVersion:
        """Register a model saved elsewhere (e.g. in a notebook) with skops or joblib.

        The file is loaded once to check that it holds a model; nothing is registered if not.
        """
        validate_model_name(name)
        serialized = formats.read_file(Path(path))
        try:
            model = formats.load(serialized.data, serialized.format, serialized.trusted_types)
        except Exception as exc:
            raise RegistryError(f"{str(path)!r} cannot be loaded as a model: {exc}.") from exc
        if not callable(getattr(model, "predict", None)):
            raise RegistryError(
                f"{str(path)!r} holds a {type(model).__name__}, not a model: it has no predict "
                "method. Save the fitted estimator or pipeline itself."
            )
        captured = {"modules": model_modules(model), "source_file": Path(path).name}
        return self._register(
            name, serialized, params, metrics, tags, lineage, reason, actor, captured
        )

    def _register(
        self,
        name: str,
        serialized: formats.Serialized,
        params: Mapping[str, Any] | None,
        metrics: Mapping[str, Any] | None,
        tags: Mapping[str, Any] | None,
        lineage: Mapping[str, Any] | None,
        reason: str,
        actor: str | None,
        captured: Mapping[str, Any],
        attachments: Mapping[str, bytes] | None = None,
        champion_if_none: str | None = None,
    ) -> ModelVersion:
        actor = actor or self._actor
        _check_values(params, "params")
        _check_values(metrics, "metrics", numeric=True)
        _check_values(tags, "tags")
        # Artifacts are written first and outside the transaction: they are content-addressed, so
        # a failed registration leaves at most an unreferenced file, never a version without bytes.
        artifact = self._artifacts.put_bytes(serialized.data, format=serialized.format)
        attached = {
            key: self._artifacts.put_bytes(data, format="json").sha256
            for key, data in sorted((attachments or {}).items())
        }
        base = capture_lineage(code_dir=self._code_dir, modules=captured["modules"])
        base.update({k: v for k, v in captured.items() if k != "modules"})
        with self._metadata.transaction() as tx:
            tx.registry.ensure_model(name, self._clock(), actor)
            champion = tx.registry.alias(name, CHAMPION)
            record = {**base, "parent_version": champion}
            record.update(lineage or {})
            record[TRUSTED_TYPES] = list(serialized.trusted_types)
            version = ModelVersion(
                model=name,
                version=tx.registry.next_version(name),
                created_at=self._clock(),
                created_by=actor,
                artifact=artifact,
                params=dict(params or {}),
                metrics=dict(metrics or {}),
                tags=dict(tags or {}),
                lineage=record,
                reason=reason,
                attachments=attached,
            )
            tx.registry.add_version(version)
            self.audit.append(
                tx,
                actor=actor,
                action="version.registered",
                subject=subject(name),
                payload={
                    "version": version.version,
                    "sha256": artifact.sha256,
                    "format": artifact.format,
                    "size": artifact.size,
                    "params": version.params,
                    "metrics": version.metrics,
                    "tags": version.tags,
                    "lineage": record,
                    "attachments": attached,
                    "reason": reason,
                },
            )
            if champion_if_none is not None and champion is None:
                change = self._move(
                    tx, name, CHAMPION, version.version, None, "promote", champion_if_none, actor
                )
                self._record(tx, change, "alias.promoted")
        return version

    # reading ----------------------------------------------------------------------------------

    def models(self) -> list[ModelRecord]:
        with self._metadata.transaction(write=False) as tx:
            return tx.registry.models()

    def model(self, name: str) -> ModelRecord:
        with self._metadata.transaction(write=False) as tx:
            return self._model(tx, name)

    def versions(self, name: str) -> list[ModelVersion]:
        with self._metadata.transaction(write=False) as tx:
            self._model(tx, name)
            return tx.registry.versions(name)

    def version(self, name: str, number: int) -> ModelVersion:
        with self._metadata.transaction(write=False) as tx:
            return self._version(tx, name, number)

    def alias(self, name: str, alias: str) -> ModelVersion | None:
        """The version holding ``alias`` now, or ``None``."""
        validate_alias(alias)
        with self._metadata.transaction(write=False) as tx:
            found = tx.registry.version_by_alias(name, alias)
            if found is None:
                self._model(tx, name)
            return found

    def alias_at(self, name: str, alias: str, when: datetime) -> int | None:
        """The version number that held ``alias`` at ``when``, or ``None`` if none did."""
        validate_alias(alias)
        with self._metadata.transaction(write=False) as tx:
            self._model(tx, name)
            return tx.registry.alias_at(name, alias, when)

    def champion_at(self, name: str, when: datetime) -> int | None:
        """Which version was champion of ``name`` at ``when`` (any past time)."""
        return self.alias_at(name, CHAMPION, when)

    def history(self, name: str, alias: str | None = None) -> list[AliasChange]:
        """Every move of the model's aliases, oldest first."""
        with self._metadata.transaction(write=False) as tx:
            self._model(tx, name)
            return tx.registry.alias_changes(name, alias)

    # moving aliases ---------------------------------------------------------------------------

    def promote(
        self,
        name: str,
        version: int,
        *,
        reason: str,
        actor: str | None = None,
        together: Together | None = None,
    ) -> AliasChange:
        """Make ``version`` the champion. If it was the challenger, it stops being one.

        ``together(tx)`` runs in the same transaction: what the caller records about the move
        (a lifecycle decision, a journal entry) commits with it or not at all.
        """
        with self._metadata.transaction() as tx:
            model = self._lock(tx, name)
            self._version(tx, name, version, model)
            previous = model.aliases.get(CHAMPION)
            if previous == version:
                raise AliasError(
                    f"Version {version} of {name!r} is already champion; nothing was changed."
                )
            change = self._move(tx, name, CHAMPION, version, previous, "promote", reason, actor)
            if model.aliases.get(CHALLENGER) == version:
                self._move(tx, name, CHALLENGER, None, version, "promoted", reason, actor)
            self._record(tx, change, "alias.promoted")
            if together is not None:
                together(tx)
            return change

    def set_challenger(
        self,
        name: str,
        version: int,
        *,
        reason: str,
        actor: str | None = None,
        together: Together | None = None,
    ) -> AliasChange:
        """Make ``version`` the challenger (at most one per model: it replaces any other).
        ``together(tx)`` runs in the same transaction (see :meth:`promote`)."""
        with self._metadata.transaction() as tx:
            model = self._lock(tx, name)
            self._version(tx, name, version, model)
            if model.aliases.get(CHAMPION) == version:
                raise AliasError(
                    f"Version {version} of {name!r} is the champion; it cannot also be challenger."
                )
            previous = model.aliases.get(CHALLENGER)
            if previous == version:
                raise AliasError(f"Version {version} of {name!r} is already the challenger.")
            change = self._move(tx, name, CHALLENGER, version, previous, "set", reason, actor)
            self._record(tx, change, "alias.set")
            if together is not None:
                together(tx)
            return change

    def clear_challenger(
        self,
        name: str,
        *,
        reason: str,
        actor: str | None = None,
        together: Together | None = None,
    ) -> AliasChange:
        """Remove the challenger alias (e.g. when the challenger is rejected).
        ``together(tx)`` runs in the same transaction (see :meth:`promote`)."""
        with self._metadata.transaction() as tx:
            model = self._lock(tx, name)
            previous = model.aliases.get(CHALLENGER)
            if previous is None:
                raise AliasError(f"Model {name!r} has no challenger; nothing was changed.")
            change = self._move(tx, name, CHALLENGER, None, previous, "clear", reason, actor)
            self._record(tx, change, "alias.cleared")
            if together is not None:
                together(tx)
            return change

    def rollback(
        self,
        name: str,
        *,
        reason: str,
        actor: str | None = None,
        together: Together | None = None,
    ) -> AliasChange:
        """Give the champion back to the version that held it before the current one.

        Promotions stack up and rollbacks pop them, so two rollbacks in a row go two
        champions back. ``together(tx)`` runs in the same transaction (see :meth:`promote`).
        """
        with self._metadata.transaction() as tx:
            model = self._lock(tx, name)
            current = model.aliases.get(CHAMPION)
            stack: list[int] = []
            for change in tx.registry.alias_changes(name, CHAMPION):
                if change.action == "rollback":
                    stack.pop()
                elif change.version is not None:
                    stack.append(change.version)
            if current is None or len(stack) < 2:
                raise AliasError(
                    f"Model {name!r} has no previous champion to roll back to"
                    + (f" (version {current} is its first)." if current else " (it has none).")
                    + f" See: paraguas versions {name}"
                )
            target = stack[-2]
            change = self._move(tx, name, CHAMPION, target, current, "rollback", reason, actor)
            self._record(tx, change, "alias.rolled_back")
            if together is not None:
                together(tx)
            return change

    # loading ----------------------------------------------------------------------------------

    def load(self, name: str, ref: int | str = CHAMPION) -> Any:
        """The model of version ``ref`` (a number or an alias), after verifying its sha256."""
        if isinstance(ref, int):
            version = self.version(name, ref)
        else:
            found = self.alias(name, ref)
            if found is None:
                raise AliasError(
                    f"Model {name!r} has no {ref}. Promote a version first: "
                    f"paraguas promote {name} VERSION --reason TEXT"
                )
            version = found
        return self.load_version(version)

    def load_version(self, version: ModelVersion) -> Any:
        """Rebuild the model of ``version``; its bytes are verified before anything is loaded."""
        data = self._artifacts.get_bytes(version.artifact.sha256)
        trusted = version.lineage.get(TRUSTED_TYPES) or ()
        return formats.load(data, version.artifact.format, tuple(trusted))

    def attachment(self, version: ModelVersion, key: str) -> bytes:
        """The bytes attached to ``version`` under ``key``, verified against their sha256."""
        sha256 = version.attachments.get(key)
        if sha256 is None:
            have = ", ".join(sorted(version.attachments)) or "none"
            raise RegistryError(
                f"Version {version.version} of {version.model!r} has no attachment {key!r} "
                f"(it has: {have}). Versions registered outside `paraguas train` have none."
            )
        return self._artifacts.get_bytes(sha256)

    # ------------------------------------------------------------------------------------------

    def _model(self, tx: Transaction, name: str) -> ModelRecord:
        validate_model_name(name)
        model = tx.registry.model(name)
        if model is None:
            raise self._not_found(tx, name)
        return model

    def _lock(self, tx: Transaction, name: str) -> ModelRecord:
        validate_model_name(name)
        model = tx.registry.model(name, lock=True)
        if model is None:
            raise self._not_found(tx, name)
        return model

    def _not_found(self, tx: Transaction, name: str) -> ModelNotFoundError:
        known = [model.name for model in tx.registry.models()]
        return ModelNotFoundError(
            f"Model {name!r} is not registered.{did_you_mean(name, known)} See: paraguas models"
        )

    def _version(
        self, tx: Transaction, name: str, number: int, model: ModelRecord | None = None
    ) -> ModelVersion:
        model = model or self._model(tx, name)
        found = tx.registry.version(name, number)
        if found is None:
            have = (
                f"its versions are 1 to {model.latest_version}"
                if model.latest_version
                else "it has no versions"
            )
            raise VersionNotFoundError(
                f"Model {name!r} has no version {number}; {have}. See: paraguas versions {name}"
            )
        return found

    def _move(
        self,
        tx: Transaction,
        name: str,
        alias: str,
        version: int | None,
        previous: int | None,
        action: str,
        reason: str,
        actor: str | None,
    ) -> AliasChange:
        if not reason.strip():
            raise AliasError(
                f"Moving the {alias} of {name!r} needs a reason (it is kept in the audit log): "
                "pass --reason TEXT."
            )
        change = AliasChange(
            model=name,
            alias=alias,
            version=version,
            previous_version=previous,
            action=action,
            at=self._clock(),
            actor=actor or self._actor,
            reason=reason,
        )
        tx.registry.move_alias(change)
        return change

    def _record(self, tx: Transaction, change: AliasChange, action: str) -> None:
        self.audit.append(
            tx,
            actor=change.actor,
            action=action,
            subject=subject(change.model),
            payload={
                "alias": change.alias,
                "version": change.version,
                "previous_version": change.previous_version,
                "reason": change.reason,
            },
        )


def _check_values(values: Mapping[str, Any] | None, what: str, *, numeric: bool = False) -> None:
    """Refuse values the store cannot keep faithfully (NaN, infinities, non-JSON objects)."""
    for key, value in (values or {}).items():
        if (
            numeric
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, int | float))
        ):
            raise RegistryError(f"{what}[{key!r}] is {value!r}: expected a number (or None).")
        if not _json_safe(value):
            raise RegistryError(
                f"{what}[{key!r}] is {value!r}: expected a finite number, text, or a list or "
                "mapping of those (it is stored as JSON)."
            )


def _json_safe(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_json_safe(item) for item in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _json_safe(v) for k, v in value.items())
    return False
