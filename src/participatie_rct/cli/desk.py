"""Commands of the intake desk beside assigning: look someone up, record a deviation.

``lookup`` only reads: it answers "which group is this person in?" without the risk of
``assign --id``, which assigns someone who was not there yet. ``deviation`` appends a protocol
deviation (a crossover, a wrong stratum at intake, a participant found ineligible after the
lottery) to the register's audit log; the assignment itself never changes, so the
intention-to-treat analysis keeps everyone in the arm they drew, and CONSORT counts the
deviations.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from participatie_rct.choices import Language, OutputFormat
from participatie_rct.cli.common import (
    DbOption,
    FormatOption,
    KeyFileOption,
    SecretFileOption,
    echo_json,
    read_key,
    read_secret,
)
from participatie_rct.errors import RegistryError


class DeviationKind(str, Enum):
    """What went differently from the protocol for one assigned participant."""

    CROSSOVER = "crossover"
    WRONG_STRATUM = "wrong_stratum"
    INELIGIBLE = "ineligible"
    OTHER = "other"


_ID_OPTION = typer.Option(..., "--id", help="The participant (a BSN or an id).")
_LANG_OPTION = typer.Option(Language.NL, "--lang", help="Language of the arm's label: nl or en.")
_KIND_OPTION = typer.Option(
    ...,
    "--kind",
    help="crossover (received another arm's regime), wrong_stratum (intake values were wrong), "
    "ineligible (found ineligible after assignment) or other.",
)
_REASON_OPTION = typer.Option(..., "--reason", help="What happened, for the audit log.")
_RECEIVED_OPTION = typer.Option(
    None, "--received", help="With --kind crossover: the arm whose regime the participant got."
)


def lookup(
    participant_id: str = _ID_OPTION,
    db: str = DbOption,
    key_file: Path | None = KeyFileOption,
    lang: Language = _LANG_OPTION,
    output: OutputFormat = FormatOption,
) -> None:
    """Look a participant up without assigning: arm, label, date, withdrawn (exit 1 if unknown)."""
    from participatie_rct.registry import Register

    with Register.open(db, read_only=True) as reg:
        found = reg.lookup(participant_id, key=read_key(key_file))
        label = reg.protocol.arm(found.arm).label(lang.value) if found else ""
    if found is None:
        typer.echo("Not in the register: this participant has not been assigned.", err=True)
        raise typer.Exit(1)
    if output is OutputFormat.JSON:
        payload = found.to_dict()
        echo_json(
            {
                "arm": payload["arm"],
                "label": label,
                "assigned_on": payload["assigned_on"],
                "withdrawn": payload["withdrawn"],
            }
        )
        return
    state = "withdrawn since" if found.withdrawn else "still taking part"
    typer.echo(f"arm {found.arm} ({label}), assigned on {found.assigned_on}, {state}.")


def deviation(
    participant_id: str = _ID_OPTION,
    kind: DeviationKind = _KIND_OPTION,
    reason: str = _REASON_OPTION,
    received: str | None = _RECEIVED_OPTION,
    db: str = DbOption,
    key_file: Path | None = KeyFileOption,
    secret_file: Path | None = SecretFileOption,
    output: OutputFormat = FormatOption,
) -> None:
    """Record a protocol deviation for an assigned participant; their arm never changes."""
    from participatie_rct.registry import Register

    if received is not None and kind is not DeviationKind.CROSSOVER:
        raise RegistryError("--received belongs with --kind crossover; leave it out otherwise.")
    # a sealed trial's audit log is keyed by its secret: appending needs it
    with Register.open(db, secret=read_secret(secret_file)) as reg:
        details: dict[str, str] = {"type": kind.value}
        if received is not None:
            reg.protocol.arm(received)  # refuses an arm the protocol does not have
            details["received"] = received
        event_kind = "crossover" if kind is DeviationKind.CROSSOVER else "deviation"
        number = reg.record_event(
            participant_id, event_kind, reason, key=read_key(key_file), details=details
        )
    if output is OutputFormat.JSON:
        echo_json({"event": number, "kind": kind.value})
        return
    typer.echo(
        f"Deviation ({kind.value}) recorded (audit log entry {number}); the assigned arm stays."
    )


def register(app: typer.Typer) -> None:
    """Add the desk commands to the root app."""
    app.command()(lookup)
    app.command()(deviation)
