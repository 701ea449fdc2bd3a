"""What the service does for a signed-in user, shared by the API and the intake pages.

Every method checks the role matrix first (:mod:`.permissions`), calls the register exactly
as the CLI does, records the request in the audit log with the user's name (an assignment in
the intake entry of its own transaction, anything else as a ``service`` entry), and returns
only what that role may see: an assigner gets the arm and its label, never probabilities,
sequence numbers, blocks or anyone at another site.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from participatie_rct.choices import Role
from participatie_rct.errors import RegistryError, mask_identifiers
from participatie_rct.registry import users
from participatie_rct.registry.users import User
from participatie_rct.service.permissions import (
    Action,
    ForbiddenError,
    NotFoundError,
    require,
    require_site,
)

if TYPE_CHECKING:
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

_ENROLLED_FORMAT = "YYYY-MM-DD"


def unknown_columns_message(protocol: Protocol, values: Mapping[str, Any]) -> str | None:
    """The CLI's one-line refusal of intake values the protocol does not use (None if fine)."""
    known = (*protocol.unit_columns, "site")
    unknown = [c for c in values if c not in known]
    if not unknown:
        return None
    return (
        f"--set {unknown[0]}: the protocol assigns by "
        f"{', '.join(protocol.unit_columns) or 'no column (no strata)'}, so "
        f"{unknown[0]!r} is not used at intake. Give --set only for "
        f"{', '.join(dict.fromkeys(known))} (check the spelling)."
    )


def declared_levels(protocol: Protocol, column: str) -> tuple[str, ...] | None:
    """The values the protocol declares for ``column`` (``[assignment.levels]``), else None."""
    return protocol.assignment.levels_of(column) or None


def blinded(protocol: Protocol) -> bool:
    """True when monitors see the arms as letters only: the trial is sealed.

    A sealed trial (``[trial] concealment = "sealed"``) has a secret, and the letters come
    from it as a blinded report's do, so nothing a monitor can read orders them. An open
    trial's draws follow from its public seed: anyone with the protocol could undo letters,
    so its monitors see the arm keys (counts only, never a person's arm).
    """
    return protocol.sealed


def arm_letters(protocol: Protocol, secret: bytes) -> dict[str, str]:
    """arm key -> ``A``, ``B``, ...: the letters a blinded report of this trial prints.

    The same secret-keyed mapping as ``report --blinded --secret-file`` (the blinding key
    derived from the trial secret, :mod:`participatie_rct.report.blinding`), so the monitor's
    page and the interim report agree, and the protocol's order does not give it away.
    """
    from participatie_rct.concealment import blinding_key
    from participatie_rct.report.blinding import blind_mapping, blinding_secret

    keyed, _concealed = blinding_secret(
        key=blinding_key(secret), protocol_sha256=protocol.sha256, seed=None
    )
    return blind_mapping(protocol.arm_keys, secret=keyed)


@dataclass
class Service:
    """The register and the key the service holds, and the operations it offers.

    ``letters`` (arm key -> letter) is set for a blinded trial (:func:`blinded`), worked
    out once from the trial secret when the service starts; :meth:`open` does that.
    """

    register: Register
    key: bytes | None
    letters: dict[str, str] | None = None

    @classmethod
    def open(cls, register: Register, *, key: bytes | None, secret: bytes | None) -> Service:
        """The service over ``register``; a blinded trial's letters come from ``secret``."""
        letters = None
        if blinded(register.protocol):
            if secret is None:
                raise RegistryError(
                    "a sealed trial shows its monitors letters that only the trial secret "
                    "orders; give --secret-file FILE (or set $PARTICIPATIE_RCT_SECRET)."
                )
            letters = arm_letters(register.protocol, secret)
        return cls(register, key, letters)

    @property
    def protocol(self) -> Protocol:
        """The protocol in force."""
        return self.register.protocol

    def label(self, arm: str, language: str) -> str:
        """The arm's label in ``language`` (its key when the protocol gives none)."""
        return self.protocol.arm(arm).label(language)

    def log(self, user: User, action: str, **kwargs: Any) -> None:
        """Append this request to the audit log with the user's name (never a BSN)."""
        users.log_access(self.register, user.name, action, **kwargs)

    def intake_site(self, user: User, values: dict[str, str]) -> str | None:
        """The site of an intake: as given, or an assigner's only site; checked against theirs."""
        site = values.get("site") or None
        if site is None and user.role is Role.ASSIGNER and len(user.sites) == 1:
            site = user.sites[0]
        if user.role is Role.ASSIGNER and site is None:
            raise RegistryError(
                f"site: you enrol at {', '.join(user.sites)}; say which (values.site or "
                "--set site=SITE)."
            )
        require_site(user, site)
        return site

    def check_identifier(self, identifier: str) -> str:
        """The participant's pseudonym; a bad BSN is refused without echoing it."""
        return self.register.participant_id(identifier, key=self.key)

    def assign(
        self,
        user: User,
        identifier: str,
        values: Mapping[str, Any],
        *,
        enrolled_on: str | None = None,
        language: str = "nl",
        new_level: bool = False,
    ) -> dict[str, Any]:
        """Enrol and assign one participant; ``{"arm", "label", "new"}``.

        ``new_level``: accept a stratum value the register has not seen before (a register
        that checks intake values refuses it otherwise, so a typo cannot open a new stratum).
        """
        require(user, Action.ASSIGN)
        clean = intake_values(values)
        message = unknown_columns_message(self.protocol, clean)
        if message:
            raise RegistryError(message)
        site = self.intake_site(user, clean)
        if site is not None:
            clean["site"] = site
        participant = self.check_identifier(identifier)
        before = users.participant_record(self.register.engine, participant)
        if before is not None and user.role is Role.ASSIGNER and before["site"] not in user.sites:
            self.log(user, "assign refused: enrolled at another site", participant=participant)
            raise ForbiddenError(
                "this participant was enrolled at another site; ask the trial's statistician."
            )
        assigned = self.register.assign_one(
            identifier,
            clean,
            key=self.key,
            enrolled_on=enrolled_date(enrolled_on),
            new_level=new_level,
            # the intake entry of the draw's own transaction names the user: one commit
            actor=user.name,
        )
        if not assigned.is_new and user.role is Role.ASSIGNER:
            # another site may have enrolled the same person between the check and the draw
            stored = users.participant_record(self.register.engine, participant)
            if stored is None or stored["site"] not in user.sites:
                self.log(user, "assign refused: enrolled at another site", participant=participant)
                raise ForbiddenError(
                    "this participant was enrolled at another site; ask the trial's statistician."
                )
        return {
            "arm": assigned.arm,
            "label": self.label(assigned.arm, language),
            "new": assigned.is_new,
        }

    def lookup(self, user: User, identifier: str, *, language: str = "nl") -> dict[str, Any]:
        """The arm of one participant; an assigner sees only those at their sites (else 404)."""
        require(user, Action.LOOKUP)
        participant = self.check_identifier(identifier)
        found = users.participant_record(self.register.engine, participant)
        hidden = (
            found is not None and user.role is Role.ASSIGNER and found["site"] not in user.sites
        )
        if found is None or hidden:
            self.log(user, "lookup: not found")  # no pseudonym of someone not in the trial
            raise NotFoundError("no assigned participant with this id at your sites.")
        self.log(user, "lookup", participant=participant)
        return {
            "arm": found["arm"],
            "label": self.label(found["arm"], language),
            "withdrawn": found["withdrawn"],
        }

    def shown_arms(self, user: User) -> dict[str, str]:
        """arm key -> what ``user`` sees for it, in the order shown: letters A, B, ... for a
        monitor of a blinded trial (never the protocol's order, which would tell which letter
        is the control arm), the keys in the protocol's order for everyone else."""
        if self.letters is not None and user.role is Role.MONITOR:
            return dict(sorted(self.letters.items(), key=lambda item: item[1]))
        return {arm: arm for arm in self.protocol.arm_keys}

    def status(self, user: User) -> dict[str, Any]:
        """The body of ``status --format json`` (arms as letters in a blinded trial)."""
        require(user, Action.STATUS)
        info = self.register.status()
        shown = self.shown_arms(user)
        info["by_arm"] = {shown[a]: info["by_arm"].get(a, 0) for a in shown}
        self.log(user, "status")
        return info

    def monitor(self, user: User) -> dict[str, Any]:
        """Intake per site and arm, the CONSORT counts and the chains' heads, for the page.

        Only counts are read (:func:`participatie_rct.registry.users.intake_counts`), never
        the participants; the audit log records the request as a ``status``.
        """
        require(user, Action.STATUS)
        counts = users.intake_counts(self.register.engine)
        shown = self.shown_arms(user)
        arms = list(shown.values())
        by_site: dict[str, dict[str, int]] = {}
        for (site, arm), n in sorted(counts.by_site_arm.items()):
            row = by_site.setdefault(site, dict.fromkeys(arms, 0))
            row[shown.get(arm, arm)] = row.get(shown.get(arm, arm), 0) + n
        consort = {
            "enrolled": counts.n_assigned + counts.n_declined,
            "declined": counts.n_declined,
            "assigned": counts.n_assigned,
            "withdrawn": counts.n_withdrawn,
        }
        self.log(user, "status")
        return {
            "arms": arms,
            "by_site": by_site,
            "consort": consort,
            "anchor": f"{counts.assignment_head or '-'} / {counts.audit_head or '-'}",
        }

    def export_csv(self, user: User) -> str:
        """The export CSV (as ``participatie-rct export`` writes it)."""
        require(user, Action.EXPORT)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.csv"
            n = self.register.export(path)
            text = path.read_text(encoding="utf-8")
        self.log(user, "export", details={"rows": n})
        return text

    def withdraw(self, user: User, identifier: str, reason: str) -> dict[str, Any]:
        """Record a withdrawal (the assignment stays)."""
        require(user, Action.WITHDRAW)
        # the reason is kept in the audit log for good: a BSN typed into it is masked first
        number = self.register.withdraw(identifier, reason, key=self.key)
        participant = self.check_identifier(identifier)
        self.log(user, "withdraw", participant=participant, details={"event": number})
        return {"event": number}

    def assign_file(self, user: User, name: str, content: bytes) -> dict[str, Any]:
        """Assign a participants file sent by the CLI client, all or nothing."""
        require(user, Action.ASSIGN)
        from participatie_rct import data
        from participatie_rct.data.required import require_filled

        suffix = Path(name).suffix if Path(name).suffix else ".csv"
        handle, temporary = tempfile.mkstemp(suffix=suffix)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            frame = data.load_table(
                temporary,
                "participants",
                key=self.key,
                id_kind=self.protocol.identifier_kind.value,
                id_column=self.protocol.identifier_column,
            )
        finally:
            Path(temporary).unlink(missing_ok=True)
        frame.attrs["source"] = Path(name).name  # messages name the file sent, not the copy
        require_filled(frame, "participants", "enrolled_on")  # a file's dates are never assumed
        if user.role is Role.ASSIGNER:
            sites = frame["site"] if "site" in frame else [None] * len(frame)
            for site in sorted({None if s is None else str(s) for s in sites}, key=str):
                require_site(user, site)
        outcome = self.register.assign_frame(frame, source=Path(name).name, actor=user.name)
        return outcome.to_dict()

    def users(self, user: User) -> list[dict[str, Any]]:
        """Every user (never a token), for an admin."""
        require(user, Action.USERS)
        listed = [u.to_dict() for u in users.list_users(self.register.engine)]
        self.log(user, "users")
        return listed


def intake_values(values: Mapping[str, Any]) -> dict[str, str]:
    """The intake's ``column: value`` pairs as text, refused when one could hold a BSN.

    A stratum value is a category (a site, an age group) and is kept in the register and
    offered on every desk's form; a BSN typed into such a field must not become one.
    """
    if not isinstance(values, Mapping):
        raise RegistryError(
            'values must be an object of column: value, for example {"site": "Ede"}.'
        )
    clean: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise RegistryError(
                f"values.{name}: give a text or a number, not {type(value).__name__}."
            )
        column, text = str(name).strip(), str(value).strip()
        if mask_identifiers(column) != column or mask_identifiers(text) != text:
            raise RegistryError(
                f"values.{mask_identifiers(column)}: holds a number of 8 or 9 digits, which "
                "could be a BSN; give the category (a site, an age group), not a person's "
                "number."
            )
        clean[column] = text
    return clean


def enrolled_date(text: str | None) -> str | None:
    """The intake date as given (``YYYY-MM-DD``), or None for today; refused otherwise."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise RegistryError(f"enrolled_on: give a date as {_ENROLLED_FORMAT}.")
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise RegistryError(f"enrolled_on {text!r}: give a date as {_ENROLLED_FORMAT}.") from None
    return text
