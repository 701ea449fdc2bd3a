"""Plain coercion of the command line's option values, so a command does not wait for Pydantic.

Newer Typer converts every option value through a Pydantic ``TypeAdapter``, built lazily
per parameter: the first option processed (even the root's unused ``--help``) imports
Pydantic, about a fifth of a second before anything happens, and every further option
builds an adapter. Our options are all of a few plain kinds (text, whole number, number,
path, flag, choice from an enum, a date through our own parser, repeatable text), so
:func:`install_plain_coercion` gives each such parameter a converter that needs only the
standard library. Any other kind, and any Typer that does not convert this way, is left to
Typer as it is: the result is the same value, only sooner (``docs/scale.md``, "The intake
desk").

Messages follow the house style: the value, what it should be, and for a choice the
choices, e.g. ``'xml' is not one of 'text', 'json'.``
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, get_args, get_origin

import typer


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return int(str(value).strip())


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    return float(value) if isinstance(value, int | float) else float(str(value).strip())


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off"):
        return False
    raise ValueError


#: the converters by annotation (an enum and a list of text are handled apart), and what a
#: refused value should have been
_SCALARS: dict[Any, Callable[[Any], Any]] = {
    str: _text,
    int: _whole,
    float: _number,
    bool: _flag,
    Path: Path,
}
_WHAT = {int: "a whole number", float: "a number", bool: "yes or no", Path: "a path"}


def _choice(kind: type[enum.Enum], value: Any, case_sensitive: bool) -> enum.Enum:
    """The member of ``kind`` whose value (or name) ``value`` is."""
    if isinstance(value, kind):
        return value
    text = str(value)
    for member in kind:
        candidates = (str(member.value), member.name)
        if text in candidates or (
            not case_sensitive and text.lower() in (c.lower() for c in candidates)
        ):
            return member
    choices = ", ".join(repr(str(m.value)) for m in kind)
    raise typer.BadParameter(f"{text!r} is not one of {choices}.")


def _converter(annotation: Any, info: Any) -> Callable[[Any], Any] | None:
    """A plain converter for ``annotation`` with Typer's ``info``, or None to leave it to Typer."""
    parser = getattr(info, "parser", None)
    if parser is not None:
        return _parsed(parser)
    if getattr(info, "click_type", None) is not None:
        return None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        sensitive = bool(getattr(info, "case_sensitive", True))
        return lambda value: _choice(annotation, value, sensitive)
    if get_origin(annotation) is list and get_args(annotation) in ((str,),):
        return lambda value: [
            _text(v) for v in (value if isinstance(value, list | tuple) else [value])
        ]
    convert = _SCALARS.get(annotation)
    if convert is None:
        return None
    what = _WHAT.get(annotation)
    if what is None:
        return convert
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if (low is not None or high is not None) and getattr(info, "clamp", False):
        return None  # clamping is Typer's to do

    def checked(value: Any) -> Any:
        try:
            number = convert(value)
        except (TypeError, ValueError):
            raise typer.BadParameter(f"{value!r} is not {what}.") from None
        if low is not None and number < low:
            raise typer.BadParameter(f"{value!r} is below the least allowed value, {low}.")
        if high is not None and number > high:
            raise typer.BadParameter(f"{value!r} is above the largest allowed value, {high}.")
        return number

    return checked


def _parsed(parser: Callable[[str], Any]) -> Callable[[Any], Any]:
    """Our own parser (dates): its BadParameter as it is, a ValueError as a BadParameter."""

    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # a default already of the right kind
        try:
            return parser(value)
        except typer.BadParameter:
            raise
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return convert


def install_plain_coercion(command: Any) -> int:
    """Give every plain parameter of ``command`` (and its subcommands) a stdlib converter.

    Returns how many parameters got one (0 with a Typer that converts otherwise).
    """
    try:
        from typer._coercion import RuntimeParam
        from typer._param_types import coerce_cli_path
    except ImportError:  # an older Typer converts through click's own types: nothing to do
        return 0

    @dataclass(frozen=True)
    class Plain(RuntimeParam):
        """Typer's runtime parameter with a plain converter in place of a TypeAdapter."""

        convert: Callable[[Any], Any]

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                converted = self.convert(value)
            except typer.BadParameter as exc:
                exc.ctx, exc.param = ctx, param
                raise
            if self.annotation is Path:  # Typer's own checks (exists, file or folder)
                converted = coerce_cli_path(
                    converted, self.parameter_info, path_type=Path, param=param, ctx=ctx
                )
            return converted

    installed = 0
    for param in _parameters(command):
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
            continue
        if getattr(descriptor, "file_annotation", None) is not None:
            continue
        convert = _converter(descriptor.annotation, descriptor.parameter_info)
        if convert is not None:
            param._runtime_param = Plain(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                convert=convert,
            )
            installed += 1
    return installed


def _parameters(command: Any, help_names: list[str] | None = None) -> list[Any]:
    """Every parameter of ``command`` and of the commands below it, their ``--help`` too.

    The help option is made on first use and kept (click caches it per command); making it
    here lets it get a plain converter like the rest.
    """
    if help_names is None:
        settings = getattr(command, "context_settings", None) or {}
        help_names = list(settings.get("help_option_names", ["--help"]))
    found = list(getattr(command, "params", []))
    make_help = getattr(command, "get_help_option", None)
    if make_help is not None:
        option = make_help(SimpleNamespace(help_option_names=help_names))
        if option is not None:
            found.append(option)
    for sub in getattr(command, "commands", {}).values():
        found.extend(_parameters(sub, help_names))
    return found
