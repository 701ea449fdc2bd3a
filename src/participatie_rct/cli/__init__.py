"""The ``participatie-rct`` command line: a thin layer that parses, calls the library, renders.

Each group of commands lives in its own module with a ``register(app)`` function. Heavy
libraries (pandas, scipy, statsmodels, linearmodels, plotnine) are imported inside the
commands, never at module level, so ``--help`` answers at once. :func:`main` turns every
:class:`~participatie_rct.errors.ParticipatieRCTError` and every usage error into one line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from participatie_rct import __version__
from participatie_rct.cli import (
    data,
    design,
    desk,
    estimate,
    inference,
    keys,
    outcomes,
    register,
    report,
    serve,
    simulate,
    survival,
    users,
)
from participatie_rct.cli.common import run_command

app = typer.Typer(
    name="participatie-rct",
    help="Randomized experiments in Dutch social assistance: assign by lottery, keep a "
    "tamper-evident register, estimate effects on outflow, plan, monitor and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["--help", "-h"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"participatie-rct {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Randomized experiments in Dutch social assistance (bijstand)."""


_GROUPS = (
    register,
    keys,
    desk,
    data,
    simulate,
    outcomes,
    estimate,
    survival,
    inference,
    design,
    report,
)
for _module in _GROUPS:
    _module.register(app)
for _module in (serve, users):
    _module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``participatie-rct`` script."""
    sys.exit(run_command(typer.main.get_command(app), argv))
