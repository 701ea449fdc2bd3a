"""Commands for the users of the randomization service: users add, users list, users revoke.

They work on the register directly (``--db``), so only whoever runs the service's machine, or
an administrator with access to the database, manages users. ``users add`` prints the access
token once; the register keeps only its scrypt hash.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from participatie_rct.choices import OutputFormat, Role
from participatie_rct.cli.common import DbOption, FormatOption, echo_json, read_secret

if TYPE_CHECKING:
    from participatie_rct.registry import Register

app = typer.Typer(
    help="Users of the randomization service (participatie-rct serve): add, list, revoke.",
    no_args_is_help=True,
)

_NAME = typer.Argument(..., help="The user's name, e.g. j.jansen (letters, digits, . _ @ -).")
_ROLE = typer.Option(
    ...,
    "--role",
    help="assigner (enrol and assign at their sites), monitor (counts), statistician (export, "
    "withdraw, lookup, counts) or admin (users).",
    case_sensitive=False,
)
_SITE = typer.Option(
    None,
    "--site",
    metavar="<site>",
    help="A site (office) an assigner enrols at; repeat for several.",
)


_SECRET = typer.Option(
    None,
    "--secret-file",
    help="The trial secret, when the trial is sealed (else $PARTICIPATIE_RCT_SECRET): the "
    "audit log of a sealed trial is chained with it.",
    dir_okay=False,
)


def _open(db: str, secret_file: Path | None) -> Register:
    from participatie_rct.registry import Register

    return Register.open(db, secret=read_secret(secret_file))


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@app.command("add")
def add(
    name: str = _NAME,
    role: Role = _ROLE,
    site: list[str] | None = _SITE,
    db: str = DbOption,
    secret_file: Path | None = _SECRET,
    output: OutputFormat = FormatOption,
) -> None:
    """Add a user and print their access token once (only its hash is kept)."""
    from participatie_rct.registry import users

    parsed = users.parse_role(role)
    with _open(db, secret_file) as reg:
        user, token = users.add_user(reg, name, parsed, site or [], by=_actor())
    if output is OutputFormat.JSON:
        echo_json(
            {"user": user.name, "role": user.role.value, "sites": list(user.sites), "token": token}
        )
        return
    where = f" at {', '.join(user.sites)}" if user.sites else ""
    typer.echo(f"Added {user.name} as {user.role.value}{where}. Access token (shown once):")
    typer.echo(token)


@app.command("list")
def list_(db: str = DbOption, output: OutputFormat = FormatOption) -> None:
    """List the users, their roles, sites and whether they were revoked (never tokens)."""
    from participatie_rct.registry import Register, users

    with Register.open(db) as reg:
        found = users.list_users(reg.engine)
    if output is OutputFormat.JSON:
        echo_json({"users": [u.to_dict() for u in found]})
        return
    if not found:
        typer.echo("No users yet. Add one with: participatie-rct users add NAME --role ROLE")
    for u in found:
        state = f"revoked {u.revoked_at}" if u.revoked_at else "active"
        sites = ", ".join(u.sites) or "all sites"
        typer.echo(f"{u.name:<20} {u.role.value:<12} {sites:<30} {state}")


@app.command("revoke")
def revoke(
    name: str = _NAME,
    db: str = DbOption,
    secret_file: Path | None = _SECRET,
    output: OutputFormat = FormatOption,
) -> None:
    """Revoke a user's access token at once (the name stays in the register)."""
    from participatie_rct.registry import users

    with _open(db, secret_file) as reg:
        user = users.revoke_user(reg, name, by=_actor())
    if output is OutputFormat.JSON:
        echo_json({"user": user.name, "role": user.role.value, "revoked": True})
        return
    typer.echo(f"Revoked {user.name} ({user.role.value}); their token no longer works.")


def register(root: typer.Typer) -> None:
    """Add the ``users`` group to the root app."""
    root.add_typer(app, name="users")
