"""Options and rendering shared by every command group, defined once."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.coercion import install_plain_coercion
from participatie_rct.errors import ParticipatieRCTError, mask_identifiers

DEFAULT_DB = "sqlite:///trial.db"

DbOption = typer.Option(
    DEFAULT_DB,
    "--db",
    metavar="<url>",
    help="SQLAlchemy URL of the register: sqlite:///path/trial.db (default ./trial.db) or "
    "postgresql+psycopg://user@host/db.",
    envvar="PARTICIPATIE_RCT_DB",
)
KeyFileOption = typer.Option(
    None,
    "--key-file",
    help="File holding the secret key that pseudonymises BSNs (else $PARTICIPATIE_RCT_KEY).",
    exists=False,
    dir_okay=False,
)
SecretFileOption = typer.Option(
    None,
    "--secret-file",
    help="File holding the trial secret of a sealed trial, made by keygen (else "
    "$PARTICIPATIE_RCT_SECRET). Needed to draw; never stored.",
    exists=False,
    dir_okay=False,
)
FormatOption = typer.Option(
    OutputFormat.TEXT, "--format", help="text for people, json for scripts."
)

#: the formats of every day on the command line, as in the input files
DAY_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")
DAY_HINT = "write it as 2019-12-31 or 31-12-2019"


def parse_day(text: str | None) -> dt.date | None:
    """A day given on the command line, ISO (``2019-12-31``) or Dutch (``31-12-2019``).

    The one parser of every date option (``--as-of``, ``--enrolled-on``): the same two forms
    the input files accept (``docs/cli-contract.md``). Anything else raises a usage error (exit 2),
    reported as one line naming the option and the value.

    >>> parse_day("31-12-2019"), parse_day("2019-12-31")
    (datetime.date(2019, 12, 31), datetime.date(2019, 12, 31))
    """
    if text is None or isinstance(text, dt.date):
        return text
    cleaned = text.strip()
    for pattern in DAY_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise typer.BadParameter(f"{text!r} is not a day; {DAY_HINT}.")


def DayOption(flag: str, help: str) -> Any:  # noqa: N802 - reads like the other Options
    """An optional date option parsed by :func:`parse_day` (one syntax, one refusal)."""
    return typer.Option(None, flag, metavar="<date>", parser=parse_day, help=f"{help}; {DAY_HINT}.")


StrataOption = typer.Option(
    None,
    "--strata",
    metavar="<columns>",
    help="Stratum columns, comma-separated or repeated (--strata site,age_group): several "
    "make one stratum per combination.",
)


def strata_columns(values: list[str] | None) -> tuple[str, ...]:
    """The columns of ``--strata``, given comma-separated, repeated or both, each once."""
    return tuple(dict.fromkeys(c for v in values or [] for c in split_list(v)))


def read_key(key_file: Path | None) -> bytes | None:
    """The pseudonymisation key from ``--key-file``, else ``$PARTICIPATIE_RCT_KEY``, else None."""
    from participatie_rct.keyfiles import optional_key

    return optional_key(key_file, environ=os.environ)


def read_secret(secret_file: Path | None) -> bytes | None:
    """The trial secret from ``--secret-file``, else ``$PARTICIPATIE_RCT_SECRET``, else None."""
    from participatie_rct.keyfiles import optional_secret

    return optional_secret(secret_file, environ=os.environ)


OPEN_TRIAL_NOTE = (
    "note: this trial is open (its protocol has a seed): anyone holding the protocol can "
    'predict the next arm. Use concealment = "sealed" for rolling intake.'
)


def echo_json(payload: dict[str, Any]) -> None:
    """Print one JSON object on stdout (and nothing else there); NaN and inf become null."""
    from participatie_rct.tidy import json_ready

    typer.echo(json.dumps(json_ready(payload), ensure_ascii=False, indent=2, allow_nan=False))


def effects_payload(result: Any) -> dict[str, Any]:
    """``{"estimates": [...], "settings": {...}, "warnings": [...]}`` (docs/cli-contract.md): the
    result's ``to_dict()`` with its ``glance`` under the contract's name ``settings``."""
    payload = result.to_dict()
    if "glance" not in payload:  # a result that writes the command line's shape itself
        return dict(payload)
    glance = payload.pop("glance")
    if isinstance(glance.get("conf_level"), float):  # the key the command line has always had
        glance = {**glance, "alpha": round(1.0 - glance["conf_level"], 12)}
    return {**payload, "settings": glance, "warnings": glance["warnings"]}


def split_list(text: str | None) -> tuple[str, ...]:
    """``"a, b,c"`` -> ``("a", "b", "c")``; None or empty -> ``()``."""
    if not text:
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_fractions(text: str | None, option: str) -> tuple[float, ...] | None:
    """``"0.3,0.6,1"`` -> ``(0.3, 0.6, 1.0)``; None -> None. Text that is not a number, or
    nothing at all, is refused naming ``option`` (range checks are left to the library)."""
    from participatie_rct.errors import DesignError

    if text is None:
        return None
    values = []
    for part in split_list(text):
        try:
            values.append(float(part))
        except ValueError:
            raise DesignError(
                f"{option}: {part!r} is not a number; give fractions such as 0.3,0.6,1."
            ) from None
    if not values:
        raise DesignError(f"{option} is empty; give fractions such as 0.3,0.6,1.")
    return tuple(values)


#: library parameters of the interim look, and the options that set them
LOOK_FLAGS = {"looks_done": "--looks-done", "previous_information": "--previous-information"}


@contextmanager
def as_flags(flags: dict[str, str]) -> Iterator[None]:
    """Re-raise a library error with its parameter names spoken as this command's options.

    The library names its parameters (``previous_information``); only the command line knows
    them as options (``--previous-information``).
    """
    from participatie_rct.errors import ParticipatieRCTError

    try:
        yield
    except ParticipatieRCTError as exc:
        text = str(exc)
        for name, flag in flags.items():
            text = re.sub(rf"(?<![\w-]){re.escape(name)}\b", flag, text)
        if text == str(exc):
            raise
        raise type(exc)(text) from None


# --------------------------------------------------------------------------------------------
# Errors: one line on stderr, exit code 2, no identifier on screen
# --------------------------------------------------------------------------------------------


class _MaskedStderr:
    """A text stream in front of stderr that masks BSN-like digit runs in what is written.

    Every message, warning and usage error printed while a command runs passes through
    :func:`participatie_rct.errors.mask_identifiers`, whatever path printed it.
    """

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("stderr takes text")  # click probes for a binary stream this way
        self._inner.write(mask_identifiers(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            # no way around the mask: click writes to a stream's buffer when it has one
            raise AttributeError(name)
        return getattr(self._inner, name)


@contextmanager
def masked_stderr() -> Iterator[None]:
    """Route ``sys.stderr`` through :class:`_MaskedStderr` for the duration of a command."""
    original = sys.stderr
    sys.stderr = _MaskedStderr(original)
    try:
        yield
    finally:
        sys.stderr = original


def _one_line(text: str) -> str:
    return mask_identifiers(" ".join(str(text).split()))


def error_line(exc: BaseException) -> tuple[str, int]:
    """The one line on stderr and the exit code for an error that ended a command.

    :class:`ParticipatieRCTError` gives its message and exit code; a usage error from the
    parser names the command whose help to read; anything else is a bug, reported in one
    line. Every line is masked (:func:`mask_identifiers`).
    """
    if isinstance(exc, ParticipatieRCTError):
        from participatie_rct.cli.flags import flag_terms

        return f"participatie-rct: error: {_one_line(flag_terms(str(exc)))}", exc.exit_code
    if isinstance(exc, typer.Abort):
        return "participatie-rct: aborted.", 2
    if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
        # a usage error from the parser (click's ClickException, vendored by newer Typer)
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        return f"participatie-rct: error: {_one_line(exc.format_message())}{hint}", 2
    return (
        f"participatie-rct: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
        "(set PARTICIPATIE_RCT_DEBUG=1 for the traceback and please report it)",
        2,
    )


def run_command(command: Any, argv: list[str] | None) -> int:
    """Run the click ``command`` on ``argv`` and turn every error into one masked line.

    Returns the exit code. With ``PARTICIPATIE_RCT_DEBUG`` set, an unexpected exception
    (a bug) propagates with its traceback instead.
    """
    install_plain_coercion(command)
    with masked_stderr():
        try:
            code = command.main(args=argv, prog_name="participatie-rct", standalone_mode=False)
        except Exception as exc:
            expected = isinstance(exc, ParticipatieRCTError | typer.Abort) or hasattr(
                exc, "format_message"
            )
            if not expected and os.environ.get("PARTICIPATIE_RCT_DEBUG"):
                raise
            line, code = error_line(exc)
            typer.echo(line, err=True)
            return code
    return code if isinstance(code, int) else 0
