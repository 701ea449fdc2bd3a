"""The command line's plain converters give what Typer's own (Pydantic) conversion gives.

:mod:`participatie_rct.cli.coercion` replaces Typer's converter of every plain option to
spare the import of Pydantic; this holds it to the same values, parameter by parameter over
the whole command tree, and to a clear refusal of a bad value.
"""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main

from participatie_rct.cli import app
from participatie_rct.cli.coercion import install_plain_coercion

_coercion = pytest.importorskip("typer._coercion", reason="this Typer converts through click")


def _params() -> list[Any]:
    command = typer.main.get_command(app)
    install_plain_coercion(command)
    found: list[Any] = []

    def walk(cmd: Any, prefix: str) -> None:
        for p in cmd.params:
            found.append(pytest.param(p, id=f"{prefix}{p.name}"))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{prefix}{name}:")

    walk(command, "")
    return found


def _samples(annotation: Any, info: Any) -> list[Any]:
    if getattr(info, "parser", None) is not None:
        return ["2019-03-01", "01-03-2019"]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [m.value for m in annotation][:3]
    return {
        str: ["Ede", "", " 12 "],
        int: ["12", "-3", "0", 7],
        float: ["0.05", "3", "1e-3", 2],
        bool: [True, False],
        Path: ["data/participants.csv", "."],
    }.get(annotation, [("a", "b")] if str(annotation) == "list[str]" else [])


@pytest.mark.parametrize("param", _params())
def test_plain_converter_agrees_with_typer(param: Any) -> None:
    descriptor = param.type_descriptor
    plain = param._runtime_param
    assert plain is not None, "no plain converter: this option would import Pydantic"
    typers = _coercion.build_runtime_param(descriptor)
    ctx = typer.Context(typer.main.get_command(app))
    for value in _samples(descriptor.annotation, descriptor.parameter_info):
        ours = _outcome(plain, value, param, ctx)
        theirs = _outcome(typers, value, param, ctx)
        assert ours == theirs and type(ours[1]) is type(theirs[1]), (value, ours, theirs)


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    """What a converter makes of ``value``: the value, or the refusal's message."""
    try:
        return "value", runtime.coerce(value, param=param, ctx=ctx)
    except typer.BadParameter:
        return "refused", None  # the wording is ours (tested below), the refusal the same


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["power", "--p-control", "0.06", "--n-per-arm", "abc"], "'abc' is not a number."),
        (["power", "--p-control", "x"], "'x' is not a number."),
        (
            ["power", "--p-control", "0.06", "--format", "xml"],
            "'xml' is not one of 'text', 'json'.",
        ),
        (["simulate-power", "--trials", "1.5"], "'1.5' is not a whole number."),
        (["estimate", "ri", "--draws", "0"], "'0' is below the least allowed value, 1."),
    ],
)
def test_a_bad_value_is_named_with_the_option(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from participatie_rct.cli import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert message in err and "Invalid value for '--" in err, err


def test_dates_keep_their_own_parser() -> None:
    """A date option goes through our parser, so Dutch dates work as in the files."""
    command = typer.main.get_command(app)
    install_plain_coercion(command)
    option = next(p for p in command.commands["outcomes"].params if p.name == "as_of")
    ctx = typer.Context(command)
    converted = option._runtime_param.coerce("01-03-2019", param=option, ctx=ctx)
    assert converted == dt.date(2019, 3, 1)
