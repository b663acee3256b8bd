"""How a model becomes bytes and back: skops where it can, joblib (pickle) where it must.

skops loads only the types it knows to be safe, plus the types recorded as trusted when the
version was registered. joblib can run arbitrary code while loading, so a joblib artifact is only
ever loaded after its sha256 matches the registry: what runs is exactly what was registered, by
a person recorded in the audit log.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paraguas.errors import RegistryError

SKOPS = "skops"
JOBLIB = "joblib"
FORMATS = (SKOPS, JOBLIB)
_SUFFIXES = {".skops": SKOPS, ".joblib": JOBLIB, ".pkl": JOBLIB, ".pickle": JOBLIB}


@dataclass(frozen=True)
class Serialized:
    """A model's bytes, their format, and the non-default types a skops load must trust."""

    data: bytes
    format: str
    trusted_types: tuple[str, ...] = ()


def dump(model: Any, format: str | None = None) -> Serialized:
    """Serialise ``model``: skops by default, falling back to joblib for objects skops cannot hold."""
    if format not in (None, *FORMATS):
        raise RegistryError(f"Model format {format!r} is not known: expected one of {FORMATS}.")
    if format in (None, SKOPS):
        import skops.io as sio

        try:
            data = sio.dumps(model)
        except Exception as exc:  # skops raises many kinds for types it cannot persist
            if format == SKOPS:
                raise RegistryError(
                    f"skops cannot serialise {type(model).__name__}: {exc}. "
                    "Use format='joblib' for this estimator."
                ) from exc
        else:
            return Serialized(data, SKOPS, tuple(sio.get_untrusted_types(data=data)))
    buffer = io.BytesIO()
    import joblib

    joblib.dump(model, buffer)
    return Serialized(buffer.getvalue(), JOBLIB)


def read_file(path: Path) -> Serialized:
    """The bytes of a model file saved elsewhere (``.skops``, ``.joblib``, ``.pkl``)."""
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise RegistryError(
            f"Cannot tell the format of {path.name!r} from its extension: expected one of "
            f"{', '.join(sorted(_SUFFIXES))} (save it with skops.io.dump or joblib.dump)."
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RegistryError(f"Model file {str(path)!r} does not exist.") from None
    except OSError as exc:
        raise RegistryError(f"Model file {str(path)!r} cannot be read: {exc.strerror}.") from exc
    trusted: tuple[str, ...] = ()
    if fmt == SKOPS:
        import skops.io as sio

        try:
            trusted = tuple(sio.get_untrusted_types(data=data))
        except Exception as exc:
            raise RegistryError(f"{str(path)!r} is not a readable skops file: {exc}.") from exc
    return Serialized(data, fmt, trusted)


def load(data: bytes, format: str, trusted_types: tuple[str, ...] | list[str] = ()) -> Any:
    """Rebuild a model from bytes whose hash has already been verified."""
    if format == SKOPS:
        import skops.io as sio

        return sio.loads(data, trusted=list(trusted_types))
    if format == JOBLIB:
        import joblib

        return joblib.load(io.BytesIO(data))
    raise RegistryError(f"Artifact format {format!r} is not known: expected one of {FORMATS}.")
