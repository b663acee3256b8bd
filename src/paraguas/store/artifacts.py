"""The artifact store: content-addressed bytes on any fsspec filesystem.

An artifact lives at ``<root>/sha256/<first two hex>/<sha256>``; the path is derived from the hash
alone, never from a user-given name, so nothing can escape the root. Writes go to a temporary
file first and are renamed into place, so a crash never leaves a half-written artifact visible.
Every read is verified: bytes that do not hash to the expected sha256 are refused.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from paraguas.errors import ArtifactIntegrityError, ArtifactNotFoundError, StoreError
from paraguas.store.records import ArtifactRef

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ArtifactStore:
    """Content-addressed artifacts under ``url`` (a folder or any fsspec URL, e.g. ``s3://b/p``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fs: AbstractFileSystem | None = None
        self._root = ""

    def _filesystem(self) -> tuple[AbstractFileSystem, str]:
        if self._fs is None:
            from fsspec.core import url_to_fs

            try:
                self._fs, root = url_to_fs(self.url)
            except (ValueError, ImportError) as exc:
                raise StoreError(
                    f"Artifact store URL {self.url!r} cannot be opened: {exc}. Expected a folder or "
                    "an fsspec URL such as 's3://bucket/path' (with its fsspec package installed)."
                ) from exc
            self._root = root.rstrip("/")
        return self._fs, self._root

    def _path(self, sha256: str) -> str:
        if not _SHA256.fullmatch(sha256):
            raise StoreError(
                f"{sha256!r} is not a sha256 hex digest (64 lowercase hex characters)."
            )
        _, root = self._filesystem()
        return f"{root}/sha256/{sha256[:2]}/{sha256}"

    def uri(self, sha256: str) -> str:
        fs, _ = self._filesystem()
        return str(fs.unstrip_protocol(self._path(sha256)))

    def put_bytes(self, data: bytes, *, format: str) -> ArtifactRef:
        """Store ``data`` under its sha256 (once: identical content is stored once)."""
        digest = sha256_bytes(data)
        path = self._path(digest)
        fs, root = self._filesystem()
        if not self._intact(path, digest):
            tmp = f"{root}/tmp/{uuid.uuid4().hex}.part"
            try:
                fs.makedirs(f"{root}/tmp", exist_ok=True)
                fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
                with fs.open(tmp, "wb") as handle:
                    handle.write(data)
                fs.mv(tmp, path)
            except OSError as exc:
                _discard(fs, tmp)
                raise StoreError(
                    f"Cannot write artifact {digest} to {self.url}: {exc}. "
                    "Check that the artifact store is writable and has space."
                ) from exc
        return ArtifactRef(sha256=digest, uri=self.uri(digest), format=format, size=len(data))

    def put_file(self, path: Path, *, format: str) -> ArtifactRef:
        """Store the bytes of a local file."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise StoreError(f"Cannot read {path}: {exc.strerror}.") from exc
        return self.put_bytes(data, format=format)

    def get_bytes(self, sha256: str) -> bytes:
        """The artifact's bytes, after checking that they hash to ``sha256``."""
        path = self._path(sha256)
        fs, _ = self._filesystem()
        try:
            with fs.open(path, "rb") as handle:
                data: bytes = handle.read()
        except FileNotFoundError:
            raise ArtifactNotFoundError(
                f"Artifact {sha256} is missing from the artifact store {self.url} "
                f"(expected at {self.uri(sha256)}). Restore it from a backup or register the model again."
            ) from None
        actual = sha256_bytes(data)
        if actual != sha256:
            raise ArtifactIntegrityError(
                f"Artifact {self.uri(sha256)} does not match its registered hash: expected sha256 "
                f"{sha256}, found {actual}. It was altered or replaced, and was not loaded. "
                "Restore it from a backup or register the model again.",
                expected=sha256,
                actual=actual,
            )
        return data

    def exists(self, sha256: str) -> bool:
        fs, _ = self._filesystem()
        return bool(fs.exists(self._path(sha256)))

    def _intact(self, path: str, digest: str) -> bool:
        """Whether ``path`` already holds exactly the bytes of ``digest`` (a re-put repairs it)."""
        fs, _ = self._filesystem()
        if not fs.exists(path):
            return False
        hasher = hashlib.sha256()
        with fs.open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                hasher.update(chunk)
        return hasher.hexdigest() == digest


def _discard(fs: AbstractFileSystem, path: str) -> None:
    try:
        if fs.exists(path):
            fs.rm(path)
    except OSError:
        pass
