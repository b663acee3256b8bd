"""``paraguas predict``, ``paraguas actuals``, ``paraguas predictions``: the daily scoring, what
really happened, and a look at the log."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from paraguas.cli.app import state
from paraguas.cli.output import console, days_from, print_json, tracked

if TYPE_CHECKING:
    from paraguas.prediction.batch import PredictionRun

DAY_FORMATS = ["%Y-%m-%d"]
MOMENT_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]


def register(app: typer.Typer) -> None:
    app.command("predict")(predict)
    app.command("actuals")(actuals)
    app.command("predictions")(predictions)


def predict(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A model declared in models/ or paraguas.yaml."),
    day: datetime = typer.Option(
        ..., "--date", "-d", formats=DAY_FORMATS, help="The day whose rows are scored (YYYY-MM-DD)."
    ),
    until: datetime | None = typer.Option(
        None,
        "--until",
        formats=DAY_FORMATS,
        help="Also score every day after --date up to this one (one partition per day).",
        show_default=False,
    ),
    input_path: Path | None = typer.Option(
        None,
        "--input",
        "-i",
        help="Score this Parquet/CSV file or folder instead of the spec's data (its rows of --date).",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON for scripts."),
) -> None:
    """Score a day's rows with the champion (and the challenger in shadow).

    Writes the day's partition of the prediction log; running a day again replaces it. Rows that
    cannot be scored are rejected with a reason each, never dropped silently.
    """
    from paraguas.prediction.batch import predict_day, source_for

    first, last = day.date(), (until or day).date()
    if last < first:
        raise typer.BadParameter(f"{last} is before --date {first}", param_hint="--until")
    project = state(ctx).project()
    spec = project.spec(name)
    source = source_for(input_path) if input_path is not None else None
    models: dict[str, object] = {}  # each version is loaded once for all the days
    results = [
        predict_day(
            spec, project.registry, project.predictions, day=each, source=source, models=models
        )
        for each in tracked(days_from(first, last), f"scoring {name}")
    ]
    if as_json:
        print_json(results if until else results[0])
        return
    for result in results:
        _show_run(name, result)


def _show_run(name: str, result: PredictionRun) -> None:
    shadow = f", challenger v{result.challenger} in shadow" if result.challenger else ""
    out = console()
    out.print(
        f"Scored {result.rows} rows of {result.day} with champion v{result.champion}{shadow} "
        f"in {result.seconds:.2f} s → {escape(result.path)}"
    )
    if result.rejected:
        reasons = ", ".join(f"{k} ({v})" for k, v in sorted(result.reasons.items()))
        out.print(
            f"[yellow]{result.rejected} rows rejected[/]: {escape(reasons)}. "
            f"See them with: paraguas predictions {name} --date {result.day} --rejects"
        )
    if result.challenger_failed:
        out.print(
            f"[yellow]The challenger failed on {result.challenger_failed} rows[/] (champion unaffected)."
        )


def actuals(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A model declared in models/ or paraguas.yaml."),
    file: Path = typer.Argument(..., help="Parquet or CSV with the key, time and actual value."),
    target_column: str | None = typer.Option(
        None,
        "--target-column",
        help="Column holding the actual value (default: the spec's target).",
    ),
    arrived_at: datetime | None = typer.Option(
        None,
        "--arrived-at",
        formats=MOMENT_FORMATS,
        help="When these actuals became known (UTC unless given). Default: now.",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON for scripts."),
) -> None:
    """Record what really happened, by key (corrections supersede, both are kept).

    A key recorded again is a correction: the newest value that had arrived by a given time is
    used, and every arrival is kept with its arrival time.
    """
    import pyarrow as pa

    from paraguas.prediction.batch import source_for

    project = state(ctx).project()
    spec = project.spec(name)
    target = target_column or spec.target
    if spec.key is None:
        raise typer.BadParameter(f"model {name!r} declares no key to join actuals by")
    columns = list(dict.fromkeys(c for c in (spec.key, spec.time, target) if c))
    table = source_for(file).read(columns)
    moment = arrived_at or datetime.now(timezone.utc)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    time_column = spec.time
    if time_column is None:
        time_column = "__arrived__"
        table = table.append_column(time_column, pa.repeat(pa.scalar(moment), table.num_rows))
    count = project.actuals.record(
        name, table, key=spec.key, time=time_column, target=target, arrived_at=moment
    )
    if as_json:
        print_json({"model": name, "rows": count, "arrived_at": moment})
        return
    console().print(f"Recorded {count} actuals of {name} (arrived {moment.isoformat()}).")


def predictions(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Model name."),
    day: datetime | None = typer.Option(
        None,
        "--date",
        "-d",
        formats=DAY_FORMATS,
        help="Only this day (default: the last scored).",
        show_default=False,
    ),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Rows to show."),
    rejects: bool = typer.Option(False, "--rejects", help="Show the day's rejected rows instead."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Show rows of the prediction log: who predicted what, with which version, when."""
    project = state(ctx).project()
    log = project.predictions
    days = log.days(name)
    if not days:
        console().print(
            f"No predictions of {name} yet. Score a day: paraguas predict {name} --date D"
        )
        return
    chosen = day.date() if day else days[-1]
    table = log.rejects(name, chosen) if rejects else log.read(name, start=chosen, end=chosen)
    rows = table.slice(0, limit).to_pylist()
    if as_json:
        print_json(
            {"model": name, "date": chosen.isoformat(), "total": table.num_rows, "rows": rows}
        )
        return
    if not rows:
        console().print(
            f"No {'rejected rows' if rejects else 'predictions'} of {name} on {chosen}."
        )
        return
    if rejects:
        view = Table("key", "reason", "row")
        for row in rows:
            view.add_row(_cell(row["key"]), _cell(row["reason"]), _cell(row["row"]))
    else:
        view = Table("key", "time", "role", "version", "prediction", "scores", "scored at", "id")
        for row in rows:
            predicted = row["label"] if row["label"] is not None else row["value"]
            scores = dict(zip(row["classes"] or [], row["scores"] or [], strict=False))
            view.add_row(
                _cell(row["key"]),
                _cell(row["time"]),
                row["role"],
                str(row["version"]),
                _cell(predicted),
                _cell(", ".join(f"{k}: {v:.3f}" for k, v in scores.items())),
                _cell(row["scored_at"]),
                row["prediction_id"][:12],
            )
    console().print(view)
    console().print(f"{len(rows)} of {table.num_rows} rows of {chosen}.")


def _cell(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return escape(str(value))
