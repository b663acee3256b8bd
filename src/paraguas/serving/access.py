"""Who may call what: API keys, known only by their sha256, each with roles.

``predict`` may score, ``actuals`` may record outcomes, ``admin`` may do both. Reading the
models and the health endpoints needs no role. The keys' hashes and roles come from the
settings (``serve.keys`` in ``paraguas.yaml``, or ``PARAGUAS_SERVE_KEYS``); the keys themselves
are never stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from paraguas.config.serve import SERVE_ROLES, ServeKey
from paraguas.errors import ParaguasError

__all__ = ["ROLES", "AccessDenied", "ApiKeys", "NotAuthenticated", "hash_key"]

ROLES = SERVE_ROLES


class NotAuthenticated(ParaguasError):
    """The request carries no API key, or one that is not configured (401)."""


class AccessDenied(ParaguasError):
    """The API key is known but its roles do not allow this call (403)."""


def hash_key(key: str) -> str:
    """The sha256 of ``key`` in hex: what the configuration holds instead of the key.

    >>> hash_key("s3cret")[:12]
    '1ec1c26b50d5'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKeys:
    """Roles by key hash. Empty: no key is needed (the server then listens on loopback only)."""

    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.roles)

    @classmethod
    def of(cls, keys: Iterable[ServeKey]) -> ApiKeys:
        """The keys of the settings (``settings.serve.keys``), validated there."""
        roles: dict[str, frozenset[str]] = {}
        for key in keys:
            roles[key.sha256] = roles.get(key.sha256, frozenset()) | frozenset(key.roles)
        return cls(roles)

    def check(self, key: str | None, role: str) -> None:
        """Allow a call needing ``role`` with ``key``, or raise :class:`NotAuthenticated` /
        :class:`AccessDenied`."""
        if not self.roles:
            return
        if not key:
            raise NotAuthenticated(
                "This call needs an API key: send it as 'Authorization: Bearer KEY'."
            )
        found = self.roles.get(hash_key(key))
        if found is None:
            raise NotAuthenticated(
                "This API key is not known here; ask for one with the right role."
            )
        if role not in found and "admin" not in found:
            raise AccessDenied(
                f"This API key has the roles {', '.join(sorted(found))}; this call needs {role!r}."
            )
