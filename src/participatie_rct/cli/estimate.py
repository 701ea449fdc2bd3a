"""The ``estimate`` command group (``estimate itt``) and ``balance``."""

from __future__ import annotations

import typer

estimate_app = typer.Typer(
    help="Estimate effects of every arm against control (itt, survival, panel).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``estimate`` and ``balance`` to the root app."""
    app.add_typer(estimate_app, name="estimate")
