"""The ``paraguas`` command (Typer + Rich): a thin layer that parses, calls the library, prints."""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    from paraguas.cli.app import main as run

    return run(argv)
