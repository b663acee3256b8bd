"""The floor of the real-time service benchmark (``bench/serve.py``): a FastAPI app on uvicorn,
as ``paraguas serve`` runs one, whose endpoint reads the request body and answers ``{}``.

Usage: ``.venv/bin/python bench/serve_floor.py PORT``.
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

app = FastAPI()


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b"{}", media_type="application/json")


@app.post("/empty")
async def empty(request: Request) -> Response:
    await request.body()
    return Response(b"{}", media_type="application/json")


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
