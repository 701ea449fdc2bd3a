"""Progress on stderr at a terminal, silence everywhere else, stdout never touched.

The helper is tested with a fake terminal (a Rich console writing to a buffer that says it
is a terminal); the commands are run as a pipeline runs them (stderr not a terminal), and
with ``--quiet``: their output must be exactly what it is without progress.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from participatie_rct.cli import main
from participatie_rct.cli.progress import progress_bar, progress_console, progress_status


def _console(*, terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=80), buffer


def test_bar_draws_on_a_terminal() -> None:
    console, buffer = _console(terminal=True)
    with progress_bar("simulating trials", quiet=False, console=console) as advance:
        assert advance is not None
        for done in range(1, 6):
            advance(done, 5)
    shown = buffer.getvalue()
    assert "simulating trials" in shown and "5/5" in shown


def test_bar_is_silent_when_not_a_terminal_or_quiet() -> None:
    for terminal, quiet in ((False, False), (True, True)):
        console, buffer = _console(terminal=terminal)
        with progress_bar("simulating", quiet=quiet, console=console) as advance:
            assert advance is None  # the library is told not to report at all
        with progress_status("assigning", quiet=quiet, console=console):
            pass
        assert buffer.getvalue() == ""


def test_status_spins_on_a_terminal() -> None:
    console, buffer = _console(terminal=True)
    with progress_status("assigning deelnemers.csv", quiet=False, console=console):
        pass
    assert "assigning deelnemers.csv" in buffer.getvalue()


def test_explicit_choice_wins_over_the_terminal() -> None:
    console, _ = _console(terminal=False)
    assert progress_console(quiet=False, force=True, console=console) is console
    console, _ = _console(terminal=True)
    assert progress_console(quiet=False, force=False, console=console) is None
    assert progress_console(quiet=True, force=True, console=console) is None


def test_default_console_is_stderr_and_only_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())  # a pipe, not a terminal
    assert progress_console(quiet=False) is None


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_simulate_power_output_is_unchanged_without_a_terminal(
    quiet: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate-power", "--scenario", "generic", "--n", "120", "--trials", "4"]
    argv += ["--seed", "3", "--workers", "1", "--format", "json"]
    code, out, err = _run([*argv, *quiet], capsys)
    assert code == 0, err
    assert err == ""
    assert json.loads(out)  # one JSON object, nothing else on stdout
    code, again, _ = _run([*argv, "--no-progress"], capsys)
    assert again == out


def test_simulate_is_silent_without_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate", "--scenario", "generic", "--n", "60", "--follow-up", "24", "--seed", "1"]
    code, out, err = _run([*argv, "--out", str(tmp_path / "a"), "--format", "json"], capsys)
    assert code == 0 and err == "", err
    code, quiet, err = _run(
        [*argv, "--out", str(tmp_path / "b"), "--format", "json", "--quiet"], capsys
    )
    assert code == 0 and err == ""
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "out"}  # noqa: E731
    assert strip(out) == strip(quiet)
