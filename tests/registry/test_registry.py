from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paraguas.errors import (
    AliasError,
    ArtifactIntegrityError,
    InvalidNameError,
    ModelNotFoundError,
    ParaguasError,
    RegistryError,
    VersionNotFoundError,
)
from paraguas.registry import CHALLENGER, CHAMPION, Registry
from tests.conftest import FakeClock


def snapshot(registry: Registry) -> tuple[Any, ...]:
    """Everything a failed operation must leave untouched."""
    models = registry.models()
    return (
        models,
        [registry.versions(m.name) for m in models],
        [registry.history(m.name) for m in models],
        list(registry.audit.events()),
    )


def test_versions_are_numbered_per_model(registry: Registry, fitted_model: Any) -> None:
    numbers = [registry.register("rain", fitted_model).version for _ in range(3)]
    other = registry.register("fraud", fitted_model).version
    assert numbers == [1, 2, 3] and other == 1
    assert [m.name for m in registry.models()] == ["fraud", "rain"]
    assert registry.model("rain").latest_version == 3


def test_a_version_holds_its_artifact_metadata_and_lineage(
    registry: Registry, fitted_model: Any, artifacts: Any
) -> None:
    version = registry.register(
        "rain",
        fitted_model,
        params={"C": 1.0},
        metrics={"f1": 0.71},
        tags={"team": "risk"},
        lineage={"spec_hash": "abc", "trigger": "drift", "data_fingerprint": {"rows": 300}},
        reason="first fit",
        actor="alice",
    )
    stored = registry.version("rain", 1)
    assert stored == version
    assert stored.created_by == "alice" and stored.reason == "first fit"
    assert stored.params == {"C": 1.0} and stored.metrics == {"f1": 0.71}
    assert stored.tags == {"team": "risk"}
    assert stored.artifact.format == "skops"
    assert artifacts.exists(stored.artifact.sha256)
    lineage = stored.lineage
    assert lineage["spec_hash"] == "abc" and lineage["trigger"] == "drift"
    assert lineage["data_fingerprint"] == {"rows": 300}
    assert lineage["parent_version"] is None
    assert lineage["python"].count(".") == 2
    assert {"scikit-learn", "numpy", "skops", "paraguas"} <= set(lineage["packages"])


def test_parent_version_defaults_to_the_champion(registry: Registry, fitted_model: Any) -> None:
    registry.register("rain", fitted_model)
    registry.promote("rain", 1, reason="first")
    assert registry.register("rain", fitted_model).lineage["parent_version"] == 1


def test_lineage_records_the_git_commit_and_dirty_flag(
    metadata: Any, artifacts: Any, tmp_path: Path, fitted_model: Any
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q")
    (repo / "model.py").write_text("x = 1\n")
    git("add", "model.py")
    git("commit", "-qm", "first")
    registry = Registry(metadata, artifacts, actor="t", code_dir=repo)
    clean = registry.register("rain", fitted_model).lineage["code"]
    (repo / "model.py").write_text("x = 2\n")
    dirty = registry.register("rain", fitted_model).lineage["code"]
    assert clean == {"commit": git("rev-parse", "HEAD"), "dirty": False}
    assert dirty["dirty"] is True


@pytest.mark.parametrize("fmt", ["skops", "joblib"])
def test_a_loaded_model_predicts_exactly_as_registered(
    registry: Registry, fitted_model: Any, training_data: Any, fmt: str
) -> None:
    registry.register("rain", fitted_model, format=fmt)
    registry.promote("rain", 1, reason="go")
    features, _ = training_data
    loaded = registry.load("rain")
    assert registry.version("rain", 1).artifact.format == fmt
    np.testing.assert_array_equal(
        loaded.predict_proba(features), fitted_model.predict_proba(features)
    )
    np.testing.assert_array_equal(
        registry.load("rain", 1).predict(features), loaded.predict(features)
    )


def test_tree_models_load_with_the_types_trusted_at_registration(
    registry: Registry, training_data: Any
) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    features, target = training_data
    model = HistGradientBoostingClassifier(max_iter=5, random_state=0).fit(features, target)
    version = registry.register("trees", model)
    assert version.lineage["trusted_types"]  # skops does not trust tree predictors by default
    np.testing.assert_array_equal(
        registry.load("trees", 1).predict_proba(features), model.predict_proba(features)
    )


def test_a_replaced_artifact_is_never_loaded(
    registry: Registry, fitted_model: Any, tmp_path: Path
) -> None:
    version = registry.register("rain", fitted_model)
    sha = version.artifact.sha256
    path = tmp_path / "artifacts" / "sha256" / sha[:2] / sha
    import skops.io as sio
    from sklearn.dummy import DummyClassifier

    path.write_bytes(sio.dumps(DummyClassifier().fit([[0]], [1])))
    with pytest.raises(ArtifactIntegrityError, match=sha):
        registry.load("rain", 1)


def test_promotion_moves_the_champion_and_is_audited(registry: Registry, fitted_model: Any) -> None:
    for _ in range(2):
        registry.register("rain", fitted_model)
    first = registry.promote("rain", 1, reason="baseline", actor="alice")
    second = registry.promote("rain", 2, reason="better f1", actor="bob")
    assert (first.previous_version, second.previous_version) == (None, 1)
    assert registry.alias("rain", CHAMPION).version == 2  # type: ignore[union-attr]
    events = [
        e for e in registry.audit.events(subject="model:rain") if e.action == "alias.promoted"
    ]
    assert [(e.actor, e.payload["version"], e.payload["reason"]) for e in events] == [
        ("alice", 1, "baseline"),
        ("bob", 2, "better f1"),
    ]
    assert registry.audit.verify().ok


def test_a_first_version_can_become_champion_as_it_is_registered(
    registry: Registry, fitted_model: Any
) -> None:
    first = registry.register("rain", fitted_model, champion_if_none="beats the baseline")
    second = registry.register("rain", fitted_model, champion_if_none="beats the baseline too")
    assert registry.model("rain").aliases == {CHAMPION: first.version}
    assert second.lineage["parent_version"] == first.version
    actions = [e.action for e in registry.audit.events(subject="model:rain")]
    assert actions == ["version.registered", "alias.promoted", "version.registered"]
    assert [c.reason for c in registry.history("rain")] == ["beats the baseline"]


def test_promoting_the_challenger_ends_its_challenge(registry: Registry, fitted_model: Any) -> None:
    for _ in range(3):
        registry.register("rain", fitted_model)
    registry.promote("rain", 1, reason="first")
    registry.set_challenger("rain", 2, reason="retrained")
    registry.set_challenger("rain", 3, reason="retrained again")  # replaces: one challenger at most
    assert registry.model("rain").aliases == {CHAMPION: 1, CHALLENGER: 3}
    registry.promote("rain", 3, reason="proved better")
    assert registry.model("rain").aliases == {CHAMPION: 3}
    with pytest.raises(AliasError, match="champion; it cannot also be challenger"):
        registry.set_challenger("rain", 3, reason="x")
    registry.set_challenger("rain", 2, reason="again")
    registry.clear_challenger("rain", reason="rejected")
    assert registry.alias("rain", CHALLENGER) is None


def test_rollback_walks_back_through_champions(registry: Registry, fitted_model: Any) -> None:
    for _ in range(3):
        registry.register("rain", fitted_model)
    for number in (1, 2, 3):
        registry.promote("rain", number, reason=f"v{number}")
    assert registry.rollback("rain", reason="v3 misbehaves").version == 2
    assert registry.rollback("rain", reason="v2 too").version == 1
    with pytest.raises(AliasError, match="no previous champion"):
        registry.rollback("rain", reason="nothing left")
    registry.promote("rain", 3, reason="fixed data")
    assert registry.rollback("rain", reason="no").version == 1


def test_champion_at_any_past_time(registry: Registry, fitted_model: Any, clock: FakeClock) -> None:
    for _ in range(2):
        registry.register("rain", fitted_model)
    before = clock.now
    registry.promote("rain", 1, reason="a")
    during_first = clock.now
    clock.now += timedelta(days=3)
    registry.promote("rain", 2, reason="b")
    during_second = clock.now
    clock.now += timedelta(days=3)
    registry.rollback("rain", reason="c")
    assert registry.champion_at("rain", before - timedelta(seconds=1)) is None
    assert registry.champion_at("rain", during_first) == 1
    assert registry.champion_at("rain", during_second) == 2
    assert registry.champion_at("rain", clock.now) == 1


@pytest.mark.parametrize(
    ("operation", "error", "message"),
    [
        (lambda r: r.promote("rain", 9, reason="x"), VersionNotFoundError, "versions are 1 to 2"),
        (lambda r: r.promote("rian", 1, reason="x"), ModelNotFoundError, "Did you mean 'rain'"),
        (lambda r: r.promote("rain", 1, reason="x"), AliasError, "already champion"),
        (lambda r: r.promote("rain", 2, reason="  "), AliasError, "needs a reason"),
        (lambda r: r.set_challenger("ghost", 1, reason="x"), ModelNotFoundError, "paraguas models"),
        (lambda r: r.clear_challenger("rain", reason="x"), AliasError, "no challenger"),
        (lambda r: r.rollback("rain", reason="x"), AliasError, "version 1 is its first"),
        (lambda r: r.alias("rain", "champ"), InvalidNameError, "Did you mean 'champion'"),
        (lambda r: r.load("fraud"), ModelNotFoundError, "not registered"),
        (lambda r: r.register("Bad Name", object()), InvalidNameError, "lowercase"),
    ],
)
def test_a_refused_operation_names_the_fix_and_changes_nothing(
    registry: Registry, fitted_model: Any, operation: Any, error: type, message: str
) -> None:
    registry.register("rain", fitted_model)
    registry.register("rain", fitted_model)
    registry.promote("rain", 1, reason="first")
    before = snapshot(registry)
    with pytest.raises(error, match=message):
        operation(registry)
    assert snapshot(registry) == before


def test_load_without_a_champion_says_how_to_promote(registry: Registry, fitted_model: Any) -> None:
    registry.register("rain", fitted_model)
    with pytest.raises(AliasError, match="paraguas promote rain VERSION"):
        registry.load("rain")


def test_registering_a_file_that_is_not_a_model_registers_nothing(
    registry: Registry, tmp_path: Path
) -> None:
    import joblib

    path = tmp_path / "numbers.joblib"
    joblib.dump({"not": "a model"}, path)
    with pytest.raises(RegistryError, match="not a model"):
        registry.register_file("rain", path)
    (tmp_path / "model.txt").write_text("hi")
    with pytest.raises(RegistryError, match="extension"):
        registry.register_file("rain", tmp_path / "model.txt")
    with pytest.raises(RegistryError, match="does not exist"):
        registry.register_file("rain", tmp_path / "missing.skops")
    assert registry.models() == []
    assert list(registry.audit.events()) == []


def test_registering_files_from_a_notebook(
    registry: Registry, fitted_model: Any, tmp_path: Path, training_data: Any
) -> None:
    import joblib
    import skops.io as sio

    sio.dump(fitted_model, tmp_path / "m.skops")
    joblib.dump(fitted_model, tmp_path / "m.pkl")
    a = registry.register_file("rain", tmp_path / "m.skops", metrics={"f1": 0.7})
    b = registry.register_file("rain", tmp_path / "m.pkl")
    assert (a.artifact.format, b.artifact.format) == ("skops", "joblib")
    assert a.lineage["source_file"] == "m.skops"
    features, _ = training_data
    np.testing.assert_array_equal(
        registry.load("rain", 2).predict(features), fitted_model.predict(features)
    )


def test_errors_belong_to_one_hierarchy() -> None:
    for error in (AliasError, ModelNotFoundError, VersionNotFoundError, InvalidNameError):
        assert issubclass(error, ParaguasError)
    assert issubclass(ModelNotFoundError, LookupError)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**31), 2**31)
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False, width=32),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=4),
    metrics=st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.floats(allow_nan=False, allow_infinity=False),
        max_size=4,
    ),
)
def test_a_version_written_and_read_back_is_equal(
    registry: Registry, fitted_model: Any, params: dict[str, Any], metrics: dict[str, float]
) -> None:
    written = registry.register("prop", fitted_model, params=params, metrics=metrics)
    assert registry.version("prop", written.version) == written


def test_attachments_are_stored_verified_and_audited(
    registry: Registry, fitted_model: Any, artifacts: Any
) -> None:
    version = registry.register(
        "rain", fitted_model, attachments={"profile": b'{"rows":3}', "schema": b"{}"}
    )
    assert set(version.attachments) == {"profile", "schema"}
    stored = registry.version("rain", 1)
    assert registry.attachment(stored, "profile") == b'{"rows":3}'
    event = next(e for e in registry.audit.events() if e.action == "version.registered")
    assert event.payload["attachments"] == dict(version.attachments)
    with pytest.raises(RegistryError, match=r"no attachment 'nope'.*profile, schema"):
        registry.attachment(stored, "nope")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("metrics", {"auc": float("nan")}, "finite number"),
        ("metrics", {"auc": float("inf")}, "finite number"),
        ("metrics", {"auc": "high"}, "expected a number"),
        ("params", {"grid": [1.0, float("nan")]}, "finite number"),
        ("tags", {"owner": object()}, "stored as JSON"),
    ],
)
def test_values_the_store_cannot_keep_are_refused_before_anything_is_written(
    registry: Registry, fitted_model: Any, artifacts: Any, field: str, value: Any, message: str
) -> None:
    with pytest.raises(RegistryError, match=message):
        registry.register("rain", fitted_model, **{field: value})
    assert registry.models() == []
