"""The ``paraguas`` Typer application: global options, the project it works on, error handling."""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from paraguas.cli.output import error_console
from paraguas.errors import ParaguasError

if TYPE_CHECKING:
    from paraguas.project import Project

app = typer.Typer(
    name="paraguas",
    help=(
        "Industrialise machine-learning models: train them from a spec, score them every day, "
        "compare them with reality, promote a champion, roll back, and keep a tamper-evident "
        "audit log of every step.\n\n"
        "Start with: paraguas init, declare a model in models/, then paraguas train NAME."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@dataclass
class State:
    """What every command may need: where the project is, and the project once opened."""

    project_dir: Path | None
    debug: bool
    environ: dict[str, str] = field(default_factory=dict)
    _project: Project | None = None

    def project(self) -> Project:
        """Open the project once, on first use (a command that needs none never touches a store)."""
        if self._project is None:
            from paraguas.config import find_project_dir, load_settings
            from paraguas.project import Project

            folder = find_project_dir(self.project_dir or Path.cwd())
            self._project = Project.open(load_settings(folder, self.environ))
        return self._project

    def close(self) -> None:
        if self._project is not None:
            self._project.close()


@app.callback()
def _options(
    ctx: typer.Context,
    project: Path | None = typer.Option(
        None,
        "--project",
        "-p",
        envvar="PARAGUAS_PROJECT",
        help="Project folder (holding paraguas.yaml). Default: the current folder or the nearest above.",
        show_default=False,
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
) -> None:
    state = State(project_dir=project, debug=debug, environ=dict(os.environ))
    ctx.obj = state
    ctx.call_on_close(state.close)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def _register_commands() -> None:
    from paraguas.cli import (
        audit_cmds,
        demo_cmds,
        lifecycle_cmds,
        monitoring_cmds,
        prediction_cmds,
        registry_cmds,
        serving_cmds,
        status_cmds,
        training_cmds,
        why_cmds,
    )

    registry_cmds.register(app)
    training_cmds.register(app)
    prediction_cmds.register(app)
    monitoring_cmds.register(app)
    lifecycle_cmds.register(app)
    why_cmds.register(app)
    status_cmds.register(app)
    app.add_typer(audit_cmds.audit_app, name="audit")
    serving_cmds.register(app)
    demo_cmds.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit code. Errors print one line, no traceback."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        result = app(args=args, prog_name="paraguas", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:
        # A usage error (unknown option, missing --reason, bad value): typer vendors click and
        # raises its own exceptions, which are not click's (nor is click installed with typer).
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            error_console().print(f"error: {escape(exc.format_message())}", highlight=False)
        return exc.exit_code
    except typer.Abort:
        error_console().print("Aborted.")
        return 1
    except ParaguasError as exc:
        if "--debug" in args:
            traceback.print_exc()
        error_console().print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return 1
    return result if isinstance(result, int) else 0


def entry_point() -> None:
    sys.exit(main())
