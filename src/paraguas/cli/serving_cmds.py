"""``paraguas serve``: the real-time prediction service on uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from paraguas.cli.app import state
from paraguas.cli.output import console
from paraguas.errors import ParaguasError

# uvicorn imports the app by name (the cli and serving layers do not import each other), and
# the factory reads the project and these options from the environment.
APP_FACTORY = "paraguas.serving.app:from_environment"
REFRESH_VARIABLE = "PARAGUAS_SERVE_REFRESH"
FLUSH_VARIABLE = "PARAGUAS_SERVE_FLUSH_SECONDS"
KEYS_VARIABLE = "PARAGUAS_SERVE_KEYS"  # SHA256:ROLE+ROLE,... (the hashes of the API keys)
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    refresh: float = typer.Option(
        5.0,
        "--refresh",
        min=0,
        help="Seconds between checks of the champion and challenger aliases (0: never).",
    ),
    flush_seconds: float = typer.Option(
        1.0, "--flush-seconds", min=0.01, help="Seconds between writes of the prediction log."
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Server processes (each loads every model; one log)."
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn's log level."),
) -> None:
    """Serve every model of the project over HTTP: the champion answers, the challenger shadows.

    POST /v1/models/NAME/predict with a record (JSON object) or a list of records; every
    prediction goes to the prediction log. SIGTERM or Ctrl-C stops it after writing them all.
    """
    try:
        import uvicorn
    except ImportError:
        raise ParaguasError(
            "The service needs FastAPI and uvicorn: pip install 'paraguas[serve]'."
        ) from None
    from paraguas.config import find_project_dir, load_settings

    found = state(ctx)
    folder = find_project_dir(found.project_dir or Path.cwd())
    # The keys the service will enforce: paraguas.yaml's serve.keys, or the variable's.
    keyed = bool(load_settings(folder, found.environ).serve.keys)
    if not keyed and host not in LOOPBACK:
        raise typer.BadParameter(
            f"{host} is reachable from other machines, and no API key is configured. Add "
            "serve.keys to paraguas.yaml (sha256 and roles: predict, actuals, admin) or set "
            f"{KEYS_VARIABLE}=SHA256:ROLE[+ROLE],..., or listen on 127.0.0.1.",
            param_hint="--host",
        )
    os.environ.update(
        {
            "PARAGUAS_PROJECT": str(folder),
            REFRESH_VARIABLE: repr(refresh),
            FLUSH_VARIABLE: repr(flush_seconds),
        }
    )
    access = "API keys required" if keyed else "no API keys: loopback only"
    console().print(
        f"Serving the models of {folder} on http://{host}:{port} ({access}; docs: /docs)."
    )
    uvicorn.run(
        APP_FACTORY, factory=True, host=host, port=port, workers=workers, log_level=log_level
    )
