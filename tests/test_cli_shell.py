"""The command-line shell: --version, --help on every command, light --help, one-line errors.

The tests walk the whole command tree, so commands added later are checked without a change here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import typer

from participatie_rct import __version__
from participatie_rct.cli import app

#: Libraries that ``--help`` must not import: the CLI imports them inside the commands.
HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "linearmodels", "plotnine", "sqlalchemy")


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group of the app, as argument paths (the root is ``()``)."""
    paths: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        # a group (Typer's vendored click Group) has sub-commands
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if not getattr(sub, "hidden", False):
                walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``participatie-rct ARGS`` in a fresh interpreter, as a user would."""
    code = "from participatie_rct.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_the_tree_has_the_contract_commands() -> None:
    paths = command_paths()
    assert ("validate",) in paths
    assert len(paths) > 1


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"participatie-rct {__version__}"
    assert result.stderr == ""


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "(root)")
def test_every_command_has_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    from participatie_rct.cli import main

    with pytest.raises(SystemExit) as info:
        main([*path, "--help"])
    out = capsys.readouterr()
    assert info.value.code == 0, out.err
    assert out.out.startswith("Usage: participatie-rct")
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    assert (command.help or "").strip(), f"'{' '.join(path)}' has no help text"


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    """In one fresh interpreter: ``--help`` of every command, checking sys.modules after each."""
    report = tmp_path / "modules.json"
    script = textwrap.dedent(
        f"""
        import contextlib, io, json, sys
        from participatie_rct.cli import main
        heavy = {HEAVY!r}
        found = {{}}
        for path in {command_paths()!r}:
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    main([*path, "--help"])
                except SystemExit:
                    pass
            loaded = [m for m in heavy if m in sys.modules]
            if loaded:
                found[" ".join(path) or "(root)"] = loaded
                break
        json.dump(found, open({str(report)!r}, "w"))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text()) == {}, "these commands' --help imported heavy libraries"


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (("no-such-command",), "participatie-rct: error: No such command 'no-such-command'."),
        (("validate", "participants"), "participatie-rct: error: Missing argument 'FILE'."),
        (("validate", "people", "x.csv"), "participatie-rct: error: Invalid value for 'TABLE'"),
        (("--no-such-option",), "participatie-rct: error: No such option: --no-such-option"),
    ],
)
def test_usage_error_is_one_line_and_exit_2(args: tuple[str, ...], start: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(start), result.stderr
    assert "Traceback" not in result.stderr


def test_library_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "participants.csv"
    path.write_text("id,site\nP1,Ede\nP2,\n", encoding="utf-8")
    result = run_cli("validate", "participants", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"participatie-rct: error: {path}, column 'site': 1 row is empty (line 3). Every row "
        "needs a "
        "site: fill it in or remove these rows.\n"
    )


def test_multi_line_message_becomes_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('id,site,note\nP1,Ede,"a\nb"\nP2,Ede,x,y\n', encoding="utf-8")
    result = run_cli("validate", "participants", str(path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
