"""What a data scientist declares: model specifications, the names they use, the policies."""

from __future__ import annotations

from paraguas.spec.names import ALIASES, did_you_mean, validate_alias, validate_model_name

__all__ = ["ALIASES", "did_you_mean", "validate_alias", "validate_model_name"]
