"""Looking one participant up without assigning them: arm, intake date, withdrawal.

The intake desk needs to answer "which group is this person in?" without the risk that
``assign --id`` carries: assigning someone who was not there yet. :func:`look_up` only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class LookedUp:
    """One assigned participant as the desk sees them (no probability, no sequence)."""

    participant: str
    arm: str
    assigned_on: str
    withdrawn: bool
    declined: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The keys of ``lookup --format json`` (the pseudonym is left out)."""
        return {"arm": self.arm, "assigned_on": self.assigned_on, "withdrawn": self.withdrawn}


def look_up(conn: Connection, participant: str) -> LookedUp | None:
    """The assignment of ``participant`` (a pseudonym), or None when the register has none."""
    import sqlalchemy as sa

    from participatie_rct.registry.models import ASSIGNMENT

    row = (
        conn.execute(
            sa.select(ASSIGNMENT.c.arm, ASSIGNMENT.c.enrolled_on, ASSIGNMENT.c.assigned_at).where(
                ASSIGNMENT.c.participant == participant
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    withdrawn = bool(withdrawn_among(conn, [participant]))
    on = row["enrolled_on"] or str(row["assigned_at"])[:10]
    return LookedUp(participant, str(row["arm"]), str(on), withdrawn)


@dataclass(frozen=True)
class Preview:
    """What assigning a participants file would do, computed without writing anything.

    No arm is drawn (a dry run must not reveal what the next arms would be): it counts who is
    new, who was assigned before (and how many of those withdrew since), who declines, and
    which stratum values the register has not seen.
    """

    source: str
    n_new: int
    n_existing: int
    n_existing_withdrawn: int
    n_declined: int
    new_levels: dict[str, list[str]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts (``assign --dry-run --format json``)."""
        return {
            "source": self.source,
            "dry_run": True,
            "n_new": self.n_new,
            "n_existing": self.n_existing,
            "n_existing_withdrawn": self.n_existing_withdrawn,
            "n_declined": self.n_declined,
            "new_levels": self.new_levels,
        }

    def summary(self) -> str:
        """Text a person reads: what would happen, and that nothing was written."""
        lines = [
            f"{self.source}: dry run, nothing was written. {self.n_new} would be assigned, "
            f"{self.n_existing} were assigned before and keep their arm"
            + (
                f" ({self.n_existing_withdrawn} of them withdrew)"
                if self.n_existing_withdrawn
                else ""
            )
            + f", {self.n_declined} decline (would be recorded, not assigned)."
        ]
        for column, values in self.new_levels.items():
            lines.append(f"new values of {column} (not in the register yet): {', '.join(values)}")
        return "\n".join(lines)


def withdrawn_among(conn: Connection, participants: list[str]) -> set[str]:
    """Which of ``participants`` (pseudonyms) have a withdrawal recorded."""
    import sqlalchemy as sa

    from participatie_rct.registry.models import AUDIT_LOG

    out: set[str] = set()
    for start in range(0, len(participants), 500):
        chunk = participants[start : start + 500]
        out |= set(
            conn.execute(
                sa.select(AUDIT_LOG.c.participant).where(
                    AUDIT_LOG.c.kind == "withdrawal", AUDIT_LOG.c.participant.in_(chunk)
                )
            ).scalars()
        )
    return out
