"""The HTTP layer: FastAPI routes that parse a request, call one method of
:class:`~paraguas.serving.service.Service`, and format the answer.

Errors map to status codes in one table (:data:`STATUS`); a 422 names every offending record
and field in ``detail``, as FastAPI's own validation errors do.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from paraguas.errors import (
    AliasError,
    DataError,
    ModelNotFoundError,
    ParaguasError,
    SpecError,
)
from paraguas.serving.access import AccessDenied, ApiKeys, NotAuthenticated
from paraguas.serving.metrics import Metrics
from paraguas.serving.openapi import model_paths
from paraguas.serving.scoring import RecordsError
from paraguas.serving.service import Limits, ModelError, Service, TooLargeError

if TYPE_CHECKING:
    from paraguas.project import Project

__all__ = ["STATUS", "create_app", "from_environment"]

#: The ``paraguas serve`` options, passed to :func:`from_environment` by the environment.
REFRESH_VARIABLE = "PARAGUAS_SERVE_REFRESH"
FLUSH_VARIABLE = "PARAGUAS_SERVE_FLUSH_SECONDS"

logger = logging.getLogger("paraguas.serving")

#: Each error class and its status code; the first that matches wins.
STATUS: tuple[tuple[type[ParaguasError], int], ...] = (
    (NotAuthenticated, 401),
    (AccessDenied, 403),
    (TooLargeError, 413),
    (ModelNotFoundError, 404),
    (SpecError, 404),  # a model name that cannot be one
    (DataError, 422),  # RecordsError and SchemaError among them
    (AliasError, 503),  # the model has no champion yet
    (ModelError, 500),
    (ParaguasError, 400),
)


def create_app(
    project: Project,
    *,
    refresh: float = 5.0,
    limits: Limits | None = None,
    flush_rows: int = 5_000,
    flush_seconds: float = 1.0,
    keys: ApiKeys | None = None,
) -> FastAPI:
    """The service of ``project``'s models as an ASGI app; models load when it starts (lifespan)
    and every buffered prediction is written when it stops. With ``keys``, scoring and recording
    actuals need an API key with the right role."""
    access = keys or ApiKeys()
    service = Service(
        project,
        refresh=refresh,
        limits=limits,
        flush_rows=flush_rows,
        flush_seconds=flush_seconds,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.stop)

    app = FastAPI(
        title="paraguas",
        summary="Real-time predictions: the champion answers, the challenger shadows.",
        lifespan=lifespan,
    )
    app.state.service = service
    max_body = service.limits.max_body_bytes
    metrics = Metrics()

    async def measured(route: str, name: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        status = 500
        try:
            result = await work()
            status = 200
            return result
        except ParaguasError as exc:
            status = status_of(exc)
            raise
        finally:
            model = name if name in service.names() else "<unknown>"  # bounded label values
            metrics.request(route, model, status, time.perf_counter() - started)

    def openapi() -> dict[str, Any]:
        # Built on each request: the champions, hence the input schemas, change while serving.
        from fastapi.openapi.utils import get_openapi

        document = get_openapi(
            title=app.title, version=app.version, summary=app.summary, routes=app.routes
        )
        document.setdefault("paths", {}).update(model_paths(service))
        return document

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(ParaguasError)
    async def _paraguas_error(_: Request, exc: ParaguasError) -> Response:
        return _error(exc)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> Response:
        """Alive: the process answers."""
        return _json({"status": "ok"})

    @app.get("/readyz", tags=["health"])
    async def readyz() -> Response:
        """Ready: every model with a champion has it loaded and verified (sha256)."""
        ready, models = service.readiness()
        return _json({"ready": ready, "models": models}, 200 if ready else 503)

    @app.get("/v1/models", tags=["models"])
    async def models() -> Response:
        """The models served, with the versions answering now."""
        return _json({"models": [service.describe(name) for name in service.names()]})

    @app.get("/v1/models/{name}", tags=["models"])
    async def model(name: str) -> Response:
        """One model: its input schema, the versions serving, every registered version."""
        return _json(await _call(service.details, name))

    @app.post("/v1/models/{name}/predict", tags=["predictions"])
    async def predict(name: str, request: Request) -> Response:
        """Score one record (an object of feature: value) or a list of them with the champion.

        The answer names the version that answered, with a prediction id per record; the
        challenger, if any, scores the same records in shadow.
        """

        async def work() -> Any:
            access.check(_presented(request), "predict")
            payload = _parse(await _body(request, max_body))
            return await _call(service.predict, name, payload)

        result = await measured("predict", name, work)
        answers = result.get("predictions") or [result]
        metrics.scores(name, (max(a["scores"].values()) for a in answers if a["scores"]))
        return _json(result)

    @app.post("/v1/models/{name}/actuals", tags=["actuals"])
    async def actuals(name: str, request: Request) -> Response:
        """Record what really happened: objects with the model's key and target (and time)."""

        async def work() -> Any:
            access.check(_presented(request), "actuals")
            payload = _parse(await _body(request, max_body))
            return await _call(service.record_actuals, name, payload)

        return _json(await measured("actuals", name, work))

    @app.get("/metrics", tags=["health"])
    async def prometheus() -> Response:
        """Prometheus metrics: requests, latency, scores, versions, shadow and log."""
        return Response(
            metrics.render(service), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    return app


def from_environment() -> FastAPI:
    """The app of the project in ``PARAGUAS_PROJECT`` (default: the current folder or the nearest
    above), with ``PARAGUAS_*`` overrides: the factory ``paraguas serve`` gives uvicorn.

    uvicorn imports it by name (``paraguas.serving.app:from_environment``), which is what lets
    it run several worker processes; this is the edge where the settings are read.
    """
    import os
    from pathlib import Path

    from paraguas.config import find_project_dir, load_settings
    from paraguas.errors import ConfigError
    from paraguas.project import Project

    environ = dict(os.environ)
    folder = find_project_dir(Path(environ.get("PARAGUAS_PROJECT") or Path.cwd()))
    seconds = {REFRESH_VARIABLE: 5.0, FLUSH_VARIABLE: 1.0}
    for variable in seconds:
        if variable in environ:
            try:
                seconds[variable] = float(environ[variable])
            except ValueError:
                raise ConfigError(
                    f"{variable} has value {environ[variable]!r}: expected a number of seconds."
                ) from None
    settings = load_settings(folder, environ)  # serve.keys, or PARAGUAS_SERVE_KEYS over them
    project = Project.open(settings)
    return create_app(
        project,
        refresh=seconds[REFRESH_VARIABLE],
        flush_seconds=seconds[FLUSH_VARIABLE],
        keys=ApiKeys.of(settings.serve.keys),
    )


async def _call(function: Callable[..., Any], *args: Any) -> Any:
    """Run ``function`` off the event loop; an unexpected error becomes a 500 with an error id
    written to the log with its traceback."""
    try:
        return await run_in_threadpool(function, *args)
    except ParaguasError:
        raise
    except Exception as exc:
        error_id = uuid.uuid4().hex
        logger.exception("Internal error %s", error_id)
        raise ModelError(
            f"Internal error ({type(exc).__name__}); error id {error_id} is in the server's log.",
            error_id,
        ) from exc


def _presented(request: Request) -> str | None:
    """The API key of a request: ``Authorization: Bearer KEY``, or ``X-API-Key: KEY``."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-api-key") or None


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLargeError(f"The body has {declared} bytes; at most {limit} are accepted.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLargeError(
                f"The body has more than {limit} bytes; at most {limit} are accepted."
            )
    return bytes(body)


def _parse(body: bytes) -> Any:
    """JSON, with NaN and Infinity read as numbers (so that they are refused by name)."""
    try:
        import orjson

        return orjson.loads(body)
    except ImportError:
        pass
    except ValueError:  # orjson is strict; the standard library reads NaN and Infinity
        pass
    try:
        return json.loads(body)
    except ValueError as exc:
        raise RecordsError(
            f"The body is not JSON ({exc}). Send an object of feature: value, or a list of them.",
            [],
        ) from None


def _json(content: Any, status: int = 200) -> Response:
    try:
        import orjson

        data = orjson.dumps(content)
    except ImportError:
        data = json.dumps(content).encode()
    return Response(data, status_code=status, media_type="application/json")


def status_of(exc: ParaguasError) -> int:
    """The HTTP status of ``exc``, from :data:`STATUS`."""
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def _error(exc: ParaguasError) -> Response:
    status = status_of(exc)
    body: dict[str, Any] = {"error": str(exc), "type": type(exc).__name__}
    if isinstance(exc, RecordsError):
        body["detail"] = [
            {
                "loc": ["body", *(x for x in (p.record, p.field) if x is not None)],
                "msg": p.message,
                "type": "value_error",
            }
            for p in exc.problems
        ]
    if isinstance(exc, ModelError):
        body["error_id"] = exc.error_id
    response = _json(body, status)
    if status == 401:
        response.headers["www-authenticate"] = "Bearer"
    return response
