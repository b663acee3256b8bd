"""Where a model version came from: the spec, the code, the environment, the data, the trigger."""

from __future__ import annotations

import functools
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

# Always recorded: the packages that decide how a model is stored and what it computes.
CORE_PACKAGES = ("paraguas", "numpy", "scikit-learn", "skops", "joblib")


def capture_lineage(
    *,
    code_dir: Path | None = None,
    spec_hash: str | None = None,
    data_fingerprint: Mapping[str, Any] | None = None,
    parent_version: int | None = None,
    trigger: str = "manual",
    modules: Iterable[str] = (),
) -> dict[str, Any]:
    """A lineage record for a new version.

    ``modules`` names the top-level modules the model is built from (e.g. ``lightgbm``); the
    versions of the packages that provide them are recorded beside :data:`CORE_PACKAGES`.
    """
    return {
        "spec_hash": spec_hash,
        "code": code_version(code_dir or Path.cwd()),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "packages": package_versions(modules),
        "data_fingerprint": dict(data_fingerprint) if data_fingerprint is not None else None,
        "parent_version": parent_version,
        "trigger": trigger,
    }


def code_version(folder: Path) -> dict[str, Any]:
    """The git commit of ``folder`` and whether its work tree had uncommitted changes."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def package_versions(modules: Iterable[str] = ()) -> dict[str, str]:
    """Installed versions of the core packages and of the packages providing ``modules``."""
    names = set(CORE_PACKAGES)
    for module in modules:
        names.update(_distributions().get(module.split(".")[0], ()))
    return dict(_versions(frozenset(names)))


@functools.lru_cache(maxsize=64)
def _versions(names: frozenset[str]) -> tuple[tuple[str, str], ...]:
    # Installed packages do not change under a running process; reading their metadata does.
    versions = []
    for name in sorted(names):
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(versions)


@functools.lru_cache(maxsize=1)
def _distributions() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


def model_modules(model: Any) -> list[str]:
    """Top-level modules a model's classes come from, looking inside pipelines and ensembles."""
    found: set[str] = set()
    stack = [model]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        found.add(type(item).__module__.split(".")[0])
        if isinstance(item, list | tuple):
            stack.extend(item)
        get_params = getattr(item, "get_params", None)
        if callable(get_params):
            try:
                stack.extend(v for v in get_params(deep=False).values() if hasattr(v, "__class__"))
            except TypeError:
                continue
    return sorted(module for module in found if module in _distributions())
