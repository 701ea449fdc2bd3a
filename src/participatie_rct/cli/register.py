"""Commands of the register: init, assign, withdraw, export, verify, status, backup.

Each command parses its options, calls one method of
:class:`~participatie_rct.registry.Register` and renders the result. Identifiers are never
printed: ``assign`` reports counts per arm (a file) or the arm and sequence number (one
participant). The registry (and with it SQLAlchemy) is imported inside the commands, so
``--help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from participatie_rct.choices import Language, OutputFormat
from participatie_rct.cli.common import (
    OPEN_TRIAL_NOTE,
    DayOption,
    DbOption,
    FormatOption,
    KeyFileOption,
    SecretFileOption,
    echo_json,
    read_key,
    read_secret,
)
from participatie_rct.cli.progress import QuietOption, progress_status
from participatie_rct.errors import RegistryError

if TYPE_CHECKING:
    from participatie_rct.registry import Register
    from participatie_rct.registry.results import AssignedParticipant

_BACKUP_HELP = (
    "Make a consistent copy of the register while others may be assigning. SQLite: the online "
    "backup API writes a single self-contained file (--out). PostgreSQL: pg_dump is run for you "
    "when it is installed; by hand: pg_dump --format=custom --schema=SCHEMA --file=trial.dump "
    "'postgresql://user@host/db' (one consistent snapshot while sites keep writing), restore with "
    "pg_restore --dbname=... trial.dump."
)


_PROTOCOL_OPTION = typer.Option(
    ..., "--protocol", help="The trial's protocol file (TOML).", dir_okay=False
)
_FILE_ARGUMENT = typer.Argument(
    None, help="A participants file: every new row is assigned, all or nothing.", dir_okay=False
)
_PARTICIPANT_ID_OPTION = typer.Option(
    None, "--id", help="Assign one participant at intake (a BSN or an id)."
)
_SETTINGS_OPTION = typer.Option(
    None,
    "--set",
    metavar="<column=value>",
    help="COLUMN=VALUE for each stratum or minimization factor (repeat the option).",
)
_ENROLLED_ON_OPTION = DayOption(
    "--enrolled-on",
    "Date of intake with --id (default today: the person at the desk is enrolled now). A FILE "
    "carries its own dates (enrolled_on, or startdatum) and is refused without them",
)
_DRY_RUN_OPTION = typer.Option(
    False,
    "--dry-run",
    help="With FILE: say what would be assigned, kept and refused; write and draw nothing.",
)
_NEW_LEVEL_OPTION = typer.Option(
    False,
    "--new-level",
    help="With --id: accept a stratum value the register has not seen before (not needed when "
    "the protocol declares [assignment.levels]).",
)
_LANG_OPTION = typer.Option(Language.NL, "--lang", help="Language of the arm's label: nl or en.")
_SERVER_OPTION = typer.Option(
    None, "--server", help="Assign through the randomization service at this URL instead of --db."
)
_TOKEN_FILE_OPTION = typer.Option(
    None, "--token-file", help="With --server: the file holding your access token.", dir_okay=False
)
_PARTICIPANT_ID_OPTION2 = typer.Option(..., "--id", help="The participant (a BSN or an id).")
_REASON_OPTION = typer.Option(..., "--reason", help="Why, for the audit log.")
_OUT_OPTION = typer.Option(..., "--out", help="The CSV file to write.", dir_okay=False)
_OUT_OPTION2 = typer.Option(
    ..., "--out", help="The backup file to write (must not exist).", dir_okay=False
)


_ANCHOR_OPTION = typer.Option(
    None,
    "--anchor",
    help="An anchor from status or a report's manifest.json (the line, or the path of that "
    "JSON file): exit 1 when the register no longer holds that record with that hash.",
)


def _open(db: str, *, secret: bytes | None = None, read_only: bool = False) -> Register:
    from participatie_rct.registry import Register

    return Register.open(db, secret=secret, read_only=read_only)


def _open_note(reg: Register) -> None:
    if not reg.sealed:
        typer.echo(OPEN_TRIAL_NOTE, err=True)


def _settings(pairs: list[str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise RegistryError(
                f"--set {pair!r}: write COLUMN=VALUE, for example --set site=Wageningen."
            )
        if name.strip() in values:
            raise RegistryError(f"--set gives {name.strip()!r} twice; give each column once.")
        values[name.strip()] = value.strip()
    return values


def init(
    protocol: Path = _PROTOCOL_OPTION,
    db: str = DbOption,
    key_file: Path | None = KeyFileOption,
    secret_file: Path | None = SecretFileOption,
    output: OutputFormat = FormatOption,
) -> None:
    """Create the register and lock it to the protocol (again with the same protocol: no change)."""
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

    parsed = Protocol.from_toml(protocol)
    secret = read_secret(secret_file)
    with Register.create(db, parsed, key=read_key(key_file), secret=secret) as reg:
        if output is OutputFormat.JSON:
            echo_json(
                {"trial": parsed.name, "protocol_sha256": reg.protocol.sha256,
                 "method": parsed.assignment.method.value,
                 "concealment": "sealed" if reg.sealed else "open"}
            )  # fmt: skip
            _open_note(reg)
            return
        concealed = "sealed: draws come from the trial secret" if reg.sealed else "open"
        typer.echo(
            f"Register {reg.url} holds protocol {parsed.name!r} (SHA-256 "
            f"{reg.protocol.sha256[:12]}..., "
            f"method {parsed.assignment.method.value}, {concealed})."
        )
        _open_note(reg)


def assign(
    file: Path | None = _FILE_ARGUMENT,
    db: str = DbOption,
    participant_id: str | None = _PARTICIPANT_ID_OPTION,
    settings: list[str] | None = _SETTINGS_OPTION,
    enrolled_on: dt.date | None = _ENROLLED_ON_OPTION,
    key_file: Path | None = KeyFileOption,
    secret_file: Path | None = SecretFileOption,
    output: OutputFormat = FormatOption,
    dry_run: bool = _DRY_RUN_OPTION,
    new_level: bool = _NEW_LEVEL_OPTION,
    lang: Language = _LANG_OPTION,
    server: str | None = _SERVER_OPTION,
    token_file: Path | None = _TOKEN_FILE_OPTION,
    quiet: bool = QuietOption,
) -> None:
    """Assign a participants file, or one participant with --id (assigned before: same arm)."""
    if dry_run and file is None:
        raise RegistryError("--dry-run checks a participants FILE; give the file.")
    if (file is None) == (participant_id is None):
        raise RegistryError(
            "Give either a participants FILE or --id ID (with --set COLUMN=VALUE ...), not both."
        )
    if file is not None and settings:
        raise RegistryError("--set belongs with --id; a participants file carries its own columns.")
    if server is not None:
        from participatie_rct.cli.client import assign_remote

        assign_remote(
            server, token_file, file=file, participant_id=participant_id,
            values=_settings(settings), output=output, new_level=new_level,
            enrolled_on=None if enrolled_on is None else enrolled_on.isoformat(),
        )  # fmt: skip
        return
    key = read_key(key_file)
    with _open(db, secret=read_secret(secret_file)) as reg:
        if file is not None:
            _assign_file(reg, file, key=key, dry_run=dry_run, output=output, quiet=quiet)
        else:
            _assign_one(
                reg, participant_id or "", _settings(settings), key=key,
                enrolled_on=enrolled_on, new_level=new_level, lang=lang, output=output,
            )  # fmt: skip


def _assign_file(
    reg: Register, file: Path, *, key: bytes | None, dry_run: bool, output: OutputFormat,
    quiet: bool,
) -> None:  # fmt: skip
    """``assign FILE`` (or its ``--dry-run``): all or nothing, counts per arm."""
    with progress_status(f"{'checking' if dry_run else 'assigning'} {file.name}", quiet=quiet):
        result = reg.preview_file(file, key=key) if dry_run else reg.assign_file(file, key=key)
    if output is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())
    if not dry_run:
        _open_note(reg)


def _assign_one(
    reg: Register, participant_id: str, values: dict[str, str], *, key: bytes | None,
    enrolled_on: dt.date | None, new_level: bool, lang: Language, output: OutputFormat,
) -> None:  # fmt: skip
    """``assign --id``: one participant at the intake desk; the arm and its label, once."""
    known = (*reg.protocol.unit_columns, "site")
    unknown = [c for c in values if c not in known]
    if unknown:
        raise RegistryError(
            f"--set {unknown[0]}: the protocol assigns by "
            f"{', '.join(reg.protocol.unit_columns) or 'no column (no strata)'}, so "
            f"{unknown[0]!r} is not used at intake. Give --set only for "
            f"{', '.join(dict.fromkeys(known))} (check the spelling)."
        )
    assigned = reg.assign_one(
        participant_id, values, key=key, enrolled_on=enrolled_on, new_level=new_level
    )
    # the arm and its label, never the conditional probability: "probability 1" would
    # tell the desk that the next slot of the block is forced
    label = reg.protocol.arm(assigned.arm).label(lang.value)
    withdrawn = assigned.withdrawn  # read with the levels, before the write: no second read
    if output is OutputFormat.JSON:
        payload = assigned.to_dict()
        for hidden in ("participant", "probability"):
            payload.pop(hidden, None)
        echo_json(payload | {"label": label, "withdrawn": withdrawn})
    else:
        _echo_one(assigned, label, withdrawn=withdrawn)
    _open_note(reg)


def _echo_one(assigned: AssignedParticipant, label: str, *, withdrawn: bool) -> None:
    """The text answer of ``assign --id``: the arm, and what the desk should know about it."""
    state = "assigned" if assigned.is_new else "already assigned (unchanged)"
    typer.echo(f"{state}: arm {assigned.arm} ({label}), sequence {assigned.sequence}")
    if withdrawn:
        typer.echo(
            "note: this participant withdrew earlier; the withdrawal stays recorded and "
            "intention-to-treat keeps them in this arm."
        )
    if assigned.changed:
        typer.echo(
            f"note: {', '.join(assigned.changed)} "
            f"{'differs' if len(assigned.changed) == 1 else 'differ'} from the values "
            "recorded at the first assignment; the original arm and stratum stay (if the intake "
            "data were wrong: participatie-rct deviation --id ID --kind wrong_stratum "
            "--reason TEXT)."
        )


def withdraw(
    participant_id: str = _PARTICIPANT_ID_OPTION2,
    reason: str = _REASON_OPTION,
    db: str = DbOption,
    key_file: Path | None = KeyFileOption,
    secret_file: Path | None = SecretFileOption,
    output: OutputFormat = FormatOption,
) -> None:
    """Record a withdrawal. The assignment stays: intention-to-treat keeps everyone in their arm."""
    key = read_key(key_file)
    with _open(db, secret=read_secret(secret_file)) as reg:
        number = reg.withdraw(participant_id, reason, key=key)
        # the pseudonym, never the id given: with kind = "bsn" that is a BSN
        shown = reg.participant_id(participant_id, key=key)[:12]
    if output is OutputFormat.JSON:
        echo_json({"event": number})
        return
    typer.echo(f"Withdrawal recorded for participant {shown}... (audit log entry {number}).")


def export(
    out: Path = _OUT_OPTION,
    db: str = DbOption,
    output: OutputFormat = FormatOption,
) -> None:
    """Write one CSV row per assigned participant (pseudonym, arm, probability, sequence, ...)."""
    with _open(db, read_only=True) as reg:
        n = reg.export(out)
    if output is OutputFormat.JSON:
        echo_json({"out": str(out), "n_assigned": n})
        return
    typer.echo(f"{n} assignments written to {out}.")


def verify(
    db: str = DbOption,
    secret_file: Path | None = SecretFileOption,
    anchor: str | None = _ANCHOR_OPTION,
    output: OutputFormat = FormatOption,
) -> None:
    """Check chains, protocol, triggers and an anchor, replay every draw: exit 0 intact, 1 not.

    Without the secret of a sealed trial (before unseal) the keyed hashes and the replay are
    not checked, and verify says so. The database is opened read-only and left unchanged.
    """
    with _open(db, secret=read_secret(secret_file), read_only=True) as reg:
        report = reg.verify(anchor=anchor)
    if output is OutputFormat.JSON:
        echo_json(report.to_dict())
    else:
        typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


def status(db: str = DbOption, output: OutputFormat = FormatOption) -> None:
    """How many are assigned, per arm, withdrawn and declined; the anchor to keep."""
    with _open(db, read_only=True) as reg:
        info = reg.status()
    if output is OutputFormat.JSON:
        echo_json(info)
        return
    concealed = "sealed" if info["concealment"] == "sealed" else f"open, seed {info['seed']}"
    typer.echo(
        f"{info['trial']} (protocol {info['protocol_sha256'][:12]}..., {info['method']}, "
        f"{concealed}{', unsealed' if info['unsealed'] else ''})"
    )
    typer.echo(
        f"assigned: {info['n_assigned']}   withdrawn: {info['n_withdrawn']}   declined: "
        f"{info['n_declined']}"
    )
    width = max((len(a) for a in info["by_arm"]), default=0)
    for arm, n in info["by_arm"].items():
        typer.echo(f"  {arm:<{width}}  {n}")
    typer.echo(f"anchor: {info['anchor']}")
    typer.echo("  (keep this line: verify --anchor finds a register cut short or rewritten since)")


def backup(
    out: Path = _OUT_OPTION2,
    db: str = DbOption,
    output: OutputFormat = FormatOption,
) -> None:
    with _open(db, read_only=True) as reg:
        target = reg.backup(out)
    if output is OutputFormat.JSON:
        echo_json({"out": str(target)})
        return
    typer.echo(f"Backup written to {target}.")


backup.__doc__ = _BACKUP_HELP


def register(app: typer.Typer) -> None:
    """Add the register commands to the root app."""
    for command in (init, assign, withdraw, export, verify, status):
        app.command()(command)
    app.command(help=_BACKUP_HELP)(backup)
