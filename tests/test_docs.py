"""Docs cannot drift (docs/conventions.md, rule 12): every command has help and is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from participatie_rct.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _leaf_commands(command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every runnable command path below ``command``, e.g. ``("estimate", "itt")``."""
    children = getattr(command, "commands", None)
    if not children:
        return [prefix]
    paths: list[tuple[str, ...]] = []
    for name, child in sorted(children.items()):
        if getattr(child, "hidden", False):
            continue
        paths.extend(_leaf_commands(child, (*prefix, name)))
    return paths


COMMANDS = _leaf_commands(typer.main.get_command(app))


def test_there_are_commands() -> None:
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    text = README.read_text(encoding="utf-8")
    pattern = r"participatie-rct\s+" + r"\s+".join(re.escape(p) for p in path) + r"\b"
    assert re.search(pattern, text), f"README.md does not show 'participatie-rct {' '.join(path)}'"


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_a_help_text(path: tuple[str, ...]) -> None:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert (command.help or command.short_help or "").strip(), f"{' '.join(path)} has no help text"


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```", 2)[1]
    assert "make demo" in first_block and "make test" in first_block
