"""Names users give (models, aliases), the rule they follow, and suggestions when they are mistyped.

Model names end up in file paths, URLs and SQL; the rule keeps them safe for all three, so no
path is ever built from raw input.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from paraguas.errors import InvalidNameError

MODEL_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,62}")
ALIASES: tuple[str, ...] = ("champion", "challenger")


def validate_model_name(name: str) -> str:
    """Return ``name`` if it is a valid model name, else raise :class:`InvalidNameError`.

    >>> validate_model_name("rain_tomorrow")
    'rain_tomorrow'
    """
    if not isinstance(name, str) or not MODEL_NAME_PATTERN.fullmatch(name):
        raise InvalidNameError(
            f"Model name {name!r} is not valid: expected a lowercase letter followed by up to 62 "
            "lowercase letters, digits, '_' or '-' (e.g. 'rain_tomorrow')."
        )
    return name


def validate_alias(alias: str) -> str:
    """Return ``alias`` if it is one of :data:`ALIASES`, else raise :class:`InvalidNameError`."""
    if alias not in ALIASES:
        raise InvalidNameError(
            f"Alias {alias!r} is not known: expected one of {', '.join(ALIASES)}."
            + did_you_mean(alias, ALIASES)
        )
    return alias


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A ``" Did you mean 'x'?"`` suffix for an error message, or ``""`` when nothing is close.

    >>> did_you_mean("rain_tomorow", ["rain_tomorrow", "fraud"])
    " Did you mean 'rain_tomorrow'?"
    """
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""
