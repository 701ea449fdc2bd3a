"""Commands of keys and secrets: ``keygen`` makes one, ``unseal`` ends a sealed trial.

``keygen`` writes a new random key (a trial secret or a pseudonymisation key: one format,
:mod:`participatie_rct.keyfiles`) with mode 0600 and never overwrites. ``unseal`` records a
sealed trial's secret in its register at the end of the trial, so that anyone can replay every
draw with ``verify``; the trial then takes no more assignments.
"""

from __future__ import annotations

from pathlib import Path

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import (
    DbOption,
    FormatOption,
    SecretFileOption,
    echo_json,
    read_secret,
)
from participatie_rct.errors import KeyMissingError

_KEY_OUT_OPTION = typer.Option(
    ..., "--out", help="The key file to create (mode 0600; must not exist).", dir_okay=False
)


def keygen(out: Path = _KEY_OUT_OPTION, output: OutputFormat = FormatOption) -> None:
    """Write a new random key (32 bytes from the OS): a trial secret or a pseudonymisation key."""
    from participatie_rct.keyfiles import write_key_file

    target = write_key_file(out)
    if output is OutputFormat.JSON:
        echo_json({"out": str(target)})
        return
    typer.echo(
        f"Key written to {target} (readable by you only). Keep it outside the register and "
        "its backups; whoever holds a trial secret can predict the next arm."
    )


def unseal(
    db: str = DbOption,
    secret_file: Path | None = SecretFileOption,
    output: OutputFormat = FormatOption,
) -> None:
    """End of trial: record the secret in the register, so anyone can replay every draw."""
    from participatie_rct.registry import Register

    secret = read_secret(secret_file)
    if secret is None:
        raise KeyMissingError(
            "unseal needs the trial secret: pass --secret-file FILE or set "
            "$PARTICIPATIE_RCT_SECRET."
        )
    with Register.open(db, secret=secret) as reg:
        number = reg.unseal(secret)
    if output is OutputFormat.JSON:
        echo_json({"event": number})
        return
    typer.echo(
        f"Trial unsealed (audit log entry {number}): verify now replays every draw without a "
        "secret file, and the trial takes no more assignments."
    )


def register(app: typer.Typer) -> None:
    """Add keygen and unseal to the root app."""
    app.command()(keygen)
    app.command()(unseal)
