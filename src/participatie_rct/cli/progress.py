"""Progress on stderr for the steps that take more than a few seconds, and silence otherwise.

Simulating power over a thousand trials, assigning a file of 100,000 rows, randomization
inference with thousands of draws: a person at a terminal should see that something happens.
A pipeline should not: progress goes to stderr only, only when stderr is a terminal, never
with ``--quiet``, and never on stdout, so ``--format json`` stays one JSON object. Rich (which
Typer brings) is imported only when a bar is actually shown, so the commands stay quick to
start.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

#: ``advance(done, total)``: how the library reports progress (``design.simulation.Progress``)
Advance = Callable[[int, int], None]

QuietOption = typer.Option(
    False, "--quiet", "-q", help="No progress display on stderr (it never appears on stdout)."
)


def progress_console(*, quiet: bool, force: bool | None = None, console: Any = None) -> Any:
    """The Rich console to show progress on, or None when progress is to stay silent.

    Silent with ``quiet``, or when the console (by default: stderr) is not a terminal, unless
    ``force`` is True (an explicit ``--progress``); ``force=False`` is always silent.
    ``console`` lets a test pass a console writing to a fake terminal.
    """
    if quiet or force is False:
        return None
    if console is None:
        if not (force or _stderr_is_terminal()):
            return None
        from rich.console import Console

        console = Console(stderr=True, force_terminal=bool(force) or None)
    if not (force or console.is_terminal):
        return None
    return console


def _stderr_is_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


@contextmanager
def progress_bar(
    description: str, *, quiet: bool, force: bool | None = None, console: Any = None
) -> Iterator[Advance | None]:
    """A progress bar for a step that reports ``advance(done, total)``; None when silent.

    Pass what this yields straight to a library function's ``progress=`` argument: None
    means that the library does not report at all.
    """
    shown = progress_console(quiet=quiet, force=force, console=console)
    if shown is None:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        f"[progress.description]{description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=shown,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


@contextmanager
def progress_status(
    description: str, *, quiet: bool, force: bool | None = None, console: Any = None
) -> Iterator[None]:
    """A spinner with ``description`` for a step that cannot say how far it is."""
    shown = progress_console(quiet=quiet, force=force, console=console)
    if shown is None:
        yield
        return
    with shown.status(f"{description} ...", spinner="dots"):
        yield
