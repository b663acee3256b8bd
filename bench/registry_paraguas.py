"""The paraguas side of the registry benchmark (run with the main venv by bench/run.py).

A fresh project in a temporary folder (a git repository, as a real project is), with the default
stores: SQLite metadata and a local artifact folder.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workload import Candidate, environment, measure, parse_args, timed, write

start = time.perf_counter()
from paraguas.project import Project, open_project  # noqa: E402
from paraguas.registry import formats  # noqa: E402

IMPORT_S = time.perf_counter() - start


class ParaguasSide:
    """Register, promote and load through one long-lived :class:`Registry`."""

    def __init__(self, project: Project) -> None:
        self.registry = project.registry
        self.artifacts = project.artifacts

    def register(self, name: str, candidate: Candidate) -> int:
        version = self.registry.register(
            name,
            candidate.model,
            params=candidate.params,
            metrics=candidate.metrics,
            tags=candidate.tags,
            reason="benchmark",
        )
        return version.version

    def set_champion(self, name: str, version: int) -> None:
        self.registry.promote(name, version, reason="benchmark alias move")

    def loaders(self, name: str) -> dict[str, Callable[[], Any]]:
        return {"load": lambda: self.registry.load(name)}

    def deserialise_only(self, name: str, repeats: int) -> list[float]:
        """Times of the skops (or joblib) load alone of the champion's bytes: the floor under
        ``Registry.load``, and under MLflow's sklearn flavour, which also loads skops."""
        version = self.registry.alias(name, "champion")
        assert version is not None
        data = self.artifacts.get_bytes(version.artifact.sha256)
        trusted = tuple(version.lineage.get("trusted_types") or ())
        return timed(lambda: formats.load(data, version.artifact.format, trusted), repeats)


def new_project(folder: Path) -> Project:
    (folder / "paraguas.yaml").write_text("name: bench\n", encoding="utf-8")
    (folder / ".gitignore").write_text(".paraguas/\n", encoding="utf-8")
    git = ["git", "-C", str(folder), "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bench project"], check=True)
    return open_project(folder)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    results = {}
    with (
        tempfile.TemporaryDirectory(prefix="paraguas-bench-") as tmp,
        new_project(Path(tmp)) as project,
    ):
        side = ParaguasSide(project)
        for kind in args.kinds.split(","):
            results[kind] = measure(
                side, kind, repeats=args.repeats, register_repeats=args.register_repeats
            )
            results[kind]["times"]["deserialise"] = side.deserialise_only(
                f"bench_{kind}", args.repeats
            )
    payload = {
        "side": "paraguas",
        "versions": environment("paraguas", "skops", "SQLAlchemy"),
        "import_s": IMPORT_S,
        "kinds": results,
    }
    write(args.out, payload)


if __name__ == "__main__":
    main()
