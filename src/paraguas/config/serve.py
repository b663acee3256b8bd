"""The ``serve:`` section of the project file: the real-time service's API keys, by hash."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from paraguas.spec.names import did_you_mean

__all__ = ["HASH_HINT", "SERVE_ROLES", "ServeKey", "ServeSettings"]

#: What an API key of the service may do: score, record actuals, or both.
SERVE_ROLES: tuple[str, ...] = ("predict", "actuals", "admin")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
HASH_HINT = (
    "printf %s 'KEY' | sha256sum, or python -c "
    """'import hashlib; print(hashlib.sha256(b"KEY").hexdigest())'"""
)


class ServeKey(BaseModel):
    """One API key of ``paraguas serve``, known only by its sha256, and what it may do.

    The key itself is never stored: callers send it (``Authorization: Bearer KEY``), the
    service hashes it and looks the hash up.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(description="the sha256 of the key, in hex (64 characters)")
    roles: tuple[str, ...] = Field(
        description=f"what the key may do, one or more of: {', '.join(SERVE_ROLES)}"
    )
    name: str | None = Field(
        default=None, description="who or what holds the key, for people and error messages"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_key_in_clear(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            clear = sorted(str(k) for k in data if str(k) in ("key", "secret", "token"))
            if clear:
                raise PydanticCustomError(
                    "key_in_clear",
                    "{detail}",
                    {
                        "detail": f"holds a key in clear ('{clear[0]}'); the project file keeps "
                        f"only its hash. Give sha256: <hash of the key>, computed with: {HASH_HINT}"
                    },
                )
        return data

    @field_validator("sha256", mode="before")
    @classmethod
    def _hex_digest(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # pydantic names the expected type
        digest = value.strip().lower()
        if not _SHA256.match(digest):
            raise PydanticCustomError(
                "sha256_hex",
                "{detail}",
                {
                    "detail": "expected the sha256 of the key in hex (64 characters 0-9, a-f), "
                    f"never the key itself; compute it with: {HASH_HINT}"
                },
            )
        return digest

    @field_validator("roles", mode="before")
    @classmethod
    def _known_roles(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split("+")
        if not isinstance(value, (list, tuple)):
            return value  # pydantic names the expected type
        roles = [str(role).strip() for role in value if str(role).strip()]
        unknown = sorted(set(roles) - set(SERVE_ROLES))
        if not roles or unknown:
            raise PydanticCustomError(
                "serve_role",
                "{detail}",
                {
                    "detail": (f"roles {unknown}" if unknown else "no roles")
                    + f": expected one or more of {', '.join(SERVE_ROLES)}."
                    + (did_you_mean(unknown[0], SERVE_ROLES) if unknown else "")
                },
            )
        return tuple(dict.fromkeys(roles))


class ServeSettings(BaseModel):
    """The ``serve:`` section: what ``paraguas serve`` needs from the project file.

    ``keys`` may also come from ``PARAGUAS_SERVE_KEYS`` as ``SHA256:ROLE+ROLE,SHA256:ROLE``;
    when that variable is set (and not empty) its keys replace the file's.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    keys: tuple[ServeKey, ...] = Field(
        default=(),
        description="API keys by sha256, each with roles (none: the service listens on loopback "
        "only)",
    )

    @field_validator("keys", mode="before")
    @classmethod
    def _keys_from_text(cls, value: Any) -> Any:
        if value is None:
            return ()
        if not isinstance(value, str):
            return value
        # PARAGUAS_SERVE_KEYS: SHA256:ROLE+ROLE entries separated by commas.
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        return [
            {"sha256": digest, "roles": roles}
            for digest, _, roles in (entry.partition(":") for entry in entries)
        ]
