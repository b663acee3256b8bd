"""The MLflow side of the registry benchmark (run with the benchmark venv by bench/run.py).

A fresh SQLite tracking and registry database and a local artifact folder in a temporary folder;
telemetry is off and nothing reaches the network.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workload import Candidate, environment, measure, parse_args, write

# Set before MLflow is imported: it reads them once.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

start = time.perf_counter()
import mlflow  # noqa: E402
import mlflow.pyfunc  # noqa: E402
import mlflow.sklearn  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

IMPORT_S = time.perf_counter() - start


class MlflowSide:
    """Log and register in a run, move aliases with one long-lived client, load by alias URI."""

    def __init__(self, folder: Path) -> None:
        database = f"sqlite:///{folder / 'mlflow.db'}"
        mlflow.set_tracking_uri(database)
        mlflow.set_registry_uri(database)
        self.experiment = mlflow.create_experiment(
            "bench", artifact_location=(folder / "artifacts").as_uri()
        )
        self.client = MlflowClient()

    def register(self, name: str, candidate: Candidate) -> int:
        with mlflow.start_run(experiment_id=self.experiment):
            mlflow.log_params(candidate.params)
            mlflow.log_metrics(candidate.metrics)
            info = mlflow.sklearn.log_model(
                candidate.model, name="model", skops_trusted_types=candidate.trusted_types or None
            )
            version = mlflow.register_model(info.model_uri, name, tags=candidate.tags)
        return int(version.version)

    def set_champion(self, name: str, version: int) -> None:
        self.client.set_registered_model_alias(name, "champion", str(version))

    def loaders(self, name: str) -> dict[str, Callable[[], Any]]:
        uri = f"models:/{name}@champion"
        return {
            "load_sklearn": lambda: mlflow.sklearn.load_model(uri),
            "load_pyfunc": lambda: mlflow.pyfunc.load_model(uri),
        }


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    results = {}
    with tempfile.TemporaryDirectory(prefix="mlflow-bench-") as tmp:
        side = MlflowSide(Path(tmp))
        for kind in args.kinds.split(","):
            results[kind] = measure(
                side, kind, repeats=args.repeats, register_repeats=args.register_repeats
            )
    payload = {
        "side": "mlflow",
        "versions": environment("mlflow", "SQLAlchemy"),
        "import_s": IMPORT_S,
        "kinds": results,
    }
    write(args.out, payload)


if __name__ == "__main__":
    main()
