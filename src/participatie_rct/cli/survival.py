"""``estimate survival`` and ``estimate panel``: outflow over time."""

from __future__ import annotations

import typer

from participatie_rct.cli.estimate import estimate_app


def register(app: typer.Typer) -> None:
    """The commands hang on the ``estimate`` group, which ``estimate.register`` adds."""
    del app, estimate_app
