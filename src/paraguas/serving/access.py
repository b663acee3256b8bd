"""Who may call what: API keys, known only by their sha256, each with roles.

``predict`` may score, ``actuals`` may record outcomes, ``admin`` may do both. Reading the
models and the health endpoints needs no role. Keys are given as ``SHA256:ROLE+ROLE`` entries
separated by commas (``PARAGUAS_SERVE_KEYS``); the keys themselves are never stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from paraguas.errors import ConfigError, ParaguasError

__all__ = ["ROLES", "AccessDenied", "ApiKeys", "NotAuthenticated", "hash_key"]

ROLES = ("predict", "actuals", "admin")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


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
    def parse(cls, text: str, *, source: str = "PARAGUAS_SERVE_KEYS") -> ApiKeys:
        """``SHA256:ROLE+ROLE,SHA256:ROLE`` as :class:`ApiKeys`; :class:`ConfigError` naming the
        entry at fault (by position: the hash is a secret's fingerprint, not shown)."""
        roles: dict[str, frozenset[str]] = {}
        for position, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), 1):
            digest, _, named = entry.partition(":")
            digest = digest.strip().lower()
            given = frozenset(r.strip() for r in named.split("+") if r.strip())
            if not _SHA256.match(digest):
                raise ConfigError(
                    f"{source}: entry {position} does not start with a sha256 in hex (64 digits): "
                    "give SHA256:ROLE, with the hash of the key, never the key itself."
                )
            unknown = sorted(given - set(ROLES))
            if not given or unknown:
                raise ConfigError(
                    f"{source}: entry {position} has roles {sorted(given) or 'none'}; expected "
                    f"one or more of {', '.join(ROLES)} joined by '+'."
                )
            roles[digest] = given
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
