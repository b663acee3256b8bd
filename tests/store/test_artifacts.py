from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paraguas.errors import ArtifactIntegrityError, ArtifactNotFoundError, StoreError
from paraguas.store import ArtifactStore


@pytest.fixture(params=["local", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    if request.param == "local":
        return ArtifactStore(str(tmp_path / "artifacts"))
    return ArtifactStore(f"memory://paraguas-test-{uuid.uuid4().hex}")


def test_bytes_come_back_under_their_sha256(store: ArtifactStore) -> None:
    ref = store.put_bytes(b"model bytes", format="skops")
    assert ref.sha256 == hashlib.sha256(b"model bytes").hexdigest()
    assert ref.size == len(b"model bytes") and ref.format == "skops"
    assert ref.uri.endswith(f"/sha256/{ref.sha256[:2]}/{ref.sha256}")
    assert store.get_bytes(ref.sha256) == b"model bytes"
    assert store.exists(ref.sha256)


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=4096))
def test_any_bytes_round_trip_in_memory(data: bytes) -> None:
    store = ArtifactStore("memory://paraguas-roundtrip")
    assert store.get_bytes(store.put_bytes(data, format="joblib").sha256) == data


def test_identical_content_is_stored_once(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path))
    first = store.put_bytes(b"same", format="skops")
    second = store.put_bytes(b"same", format="skops")
    assert first == second
    assert len(list((tmp_path / "sha256").rglob("*"))) == 2  # one folder, one file


def test_replaced_bytes_are_refused_naming_both_hashes(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path))
    ref = store.put_bytes(b"the real model", format="skops")
    path = tmp_path / "sha256" / ref.sha256[:2] / ref.sha256
    path.write_bytes(b"a swapped model")
    with pytest.raises(ArtifactIntegrityError) as caught:
        store.get_bytes(ref.sha256)
    error = caught.value
    assert error.expected == ref.sha256
    assert error.actual == hashlib.sha256(b"a swapped model").hexdigest()
    assert ref.sha256 in str(error) and error.actual in str(error)


def test_a_repeated_put_repairs_a_corrupted_artifact(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path))
    ref = store.put_bytes(b"good", format="skops")
    (tmp_path / "sha256" / ref.sha256[:2] / ref.sha256).write_bytes(b"bad")
    store.put_bytes(b"good", format="skops")
    assert store.get_bytes(ref.sha256) == b"good"


def test_missing_artifact_is_named(store: ArtifactStore) -> None:
    missing = "ab" * 32
    with pytest.raises(ArtifactNotFoundError, match=missing):
        store.get_bytes(missing)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "AB" * 32, "ab" * 31, "", "ab" * 32 + "/x"])
def test_paths_are_built_from_hashes_only(store: ArtifactStore, bad: str) -> None:
    with pytest.raises(StoreError, match="not a sha256"):
        store.get_bytes(bad)


def test_a_crash_mid_write_leaves_no_visible_artifact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ArtifactStore(str(tmp_path))
    store.put_bytes(b"warm-up", format="skops")  # open the filesystem
    fs = store._filesystem()[0]
    real_open = fs.open

    class Exploding:
        def __init__(self, handle):  # type: ignore[no-untyped-def]
            self.handle = handle

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            self.handle.close()

        def write(self, data: bytes) -> None:
            self.handle.write(data[:3])
            raise OSError(28, "No space left on device")

    def open_then_fail(path: str, mode: str = "rb", **kwargs):  # type: ignore[no-untyped-def]
        handle = real_open(path, mode, **kwargs)
        return Exploding(handle) if "w" in mode else handle

    monkeypatch.setattr(fs, "open", open_then_fail)
    digest = hashlib.sha256(b"a large model").hexdigest()
    with pytest.raises(StoreError, match="No space left"):
        store.put_bytes(b"a large model", format="skops")
    monkeypatch.undo()
    assert not store.exists(digest)
    assert list((tmp_path / "tmp").iterdir()) == []  # the partial file was cleaned up


def test_store_url_for_an_unknown_protocol_is_explained() -> None:
    with pytest.raises(StoreError, match="cannot be opened"):
        ArtifactStore("nosuchprotocol://bucket/x").put_bytes(b"x", format="skops")


def test_constructing_a_store_does_no_io(tmp_path: Path) -> None:
    ArtifactStore(str(tmp_path / "never"))
    assert not (tmp_path / "never").exists()
