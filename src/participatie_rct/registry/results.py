"""What the register's operations return: small frozen results that say what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class AssignedParticipant:
    """One participant's assignment as the register holds it.

    ``is_new`` is False when the participant was assigned before: asking again returns the
    original arm and uses no new slot. ``changed`` then names the stratum (or factor) columns
    given with values other than those recorded at the first assignment: the record, the arm
    and the stratum stay as they were (randomization is by the values at intake).
    """

    participant: str
    arm: str
    probability: float
    sequence: int
    stratum: str
    is_new: bool
    changed: tuple[str, ...] = ()
    withdrawn: bool = False  # assigned before and withdrew since (the arm stays)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "participant": self.participant,
            "arm": self.arm,
            "probability": self.probability,
            "sequence": self.sequence,
            "stratum": self.stratum,
            "is_new": self.is_new,
            "changed": list(self.changed),
        }

    def summary(self) -> str:
        """One line a person reads (the pseudonym is shortened; no BSN is ever shown)."""
        state = "assigned" if self.is_new else "already assigned"
        return (
            f"{state}: arm {self.arm}, sequence {self.sequence}, "
            f"participant {self.participant[:12]}"
        )


#: the columns of :attr:`AssignOutcome.frame`, one per key of each of its ``rows``
OUTCOME_COLUMNS = ("participant", "status", "arm", "probability", "sequence", "stratum", "changed")


@dataclass(frozen=True)
class AssignOutcome:
    """The result of assigning a file: counts and one row per participant in the file.

    ``frame`` has the columns ``participant``, ``status`` (``new``, ``existing`` or
    ``declined``), ``arm``, ``probability``, ``sequence`` and ``stratum`` (empty for
    declined rows), and ``changed`` (for a participant assigned before: the stratum or factor
    columns, comma-joined, whose value in the file differs from the one recorded; the arm and
    stratum stay as recorded), in file order. ``arms`` lists the protocol's arms so that
    counts include arms that got nobody. ``rows`` holds the same as plain mappings: the
    intake desk reads its one row from there and never waits for pandas.
    """

    n_new: int
    n_existing: int
    n_declined: int
    rows: tuple[dict[str, Any], ...] = field(repr=False)
    arms: tuple[str, ...] = ()
    source: str = ""
    #: Stratum values this file brought that the register had not seen (column -> values).
    new_levels: dict[str, list[str]] = field(default_factory=dict)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per participant of the file, in file order (made when first asked for)."""
        import pandas as pd

        return pd.DataFrame(
            [[row[c] for c in OUTCOME_COLUMNS] for row in self.rows], columns=OUTCOME_COLUMNS
        )

    def by_arm(self, *, new_only: bool = True) -> dict[str, int]:
        """Participants per arm: the newly assigned (default), or all in the file with an arm."""
        rows = (
            self.frame[self.frame["status"] == "new"]
            if new_only
            else self.frame[self.frame["status"] != "declined"]
        )
        counts = rows["arm"].value_counts()
        return {arm: int(counts.get(arm, 0)) for arm in self.arms}

    @property
    def n_changed(self) -> int:
        """Participants assigned before whose stratum (or factor) values now differ."""
        return int((self.frame["changed"] != "").sum()) if "changed" in self.frame else 0

    def to_frame(self) -> pd.DataFrame:
        """One row per participant of the file (a copy)."""
        return self.frame.copy()

    def glance(self) -> dict[str, Any]:
        """The counts, as one flat mapping."""
        return {
            "source": self.source,
            "n_rows": len(self.frame),
            "n_new": self.n_new,
            "n_existing": self.n_existing,
            "n_declined": self.n_declined,
            "n_changed": self.n_changed,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view without identifiers: counts and new assignments per arm."""
        return {**self.glance(), "by_arm": self.by_arm(), "new_levels": self.new_levels}

    def summary(self) -> str:
        """Text a person reads: counts per arm, never identifiers."""
        lines = [
            f"{self.source or 'file'}: {self.n_new} newly assigned, {self.n_existing} "
            f"assigned before "
            f"(kept their arm), {self.n_declined} declined (not assigned)."
        ]
        if self.n_changed:
            lines.append(
                f"note: {self.n_changed} assigned before now "
                f"{'has' if self.n_changed == 1 else 'have'} other stratum values than "
                "recorded; their original arm and stratum stay (if the intake data were "
                "wrong, record it: participatie-rct deviation --id ID --kind wrong_stratum "
                "--reason TEXT)."
            )
        for column, values in self.new_levels.items():
            lines.append(f"new values of {column}: {', '.join(values)} (check the spelling)")
        width = max((len(a) for a in self.arms), default=0)
        lines += [f"  {arm:<{width}}  {n}" for arm, n in self.by_arm().items()]
        return "\n".join(lines)


@dataclass(frozen=True)
class VerifyReport:
    """What :meth:`Register.verify` found.

    ``first_broken`` names the first record that fails (``assignment 17``,
    ``audit_log 4``, ``protocol``) or is None when everything checks out. ``unchecked`` lists
    what could not be checked without the trial secret (empty when everything was).
    """

    ok: bool
    n_checked: int
    first_broken: str | None
    message: str
    n_assignments: int = 0
    n_events: int = 0
    problems: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (``intact`` is ``ok``; ``unchecked``: what needed the secret)."""
        return {
            "intact": self.ok,
            "unchecked": list(self.unchecked),
            "ok": self.ok,
            "n_checked": self.n_checked,
            "n_assignments": self.n_assignments,
            "n_events": self.n_events,
            "first_broken": self.first_broken,
            "message": self.message,
            "problems": list(self.problems),
        }

    def summary(self) -> str:
        """The message, with the further problems listed under it."""
        extra = [f"  also: {p}" for p in self.problems[1:6]]
        return "\n".join([self.message, *extra])
