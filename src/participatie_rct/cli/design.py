"""``power`` and the ``monitor`` group: planning a trial and its interim looks."""

from __future__ import annotations

import typer

monitor_app = typer.Typer(help="Group-sequential interim looks: boundaries and status.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``power`` and ``monitor`` to the root app."""
    app.add_typer(monitor_app, name="monitor")
