"""The outcome families of a trial's analysis plan (``[[analysis.families]]`` in the protocol).

A family is a set of outcomes declared before the data, with a role: ``primary`` and
``secondary`` families are the pre-declared tests, ``exploratory`` ones are descriptive. The
report estimates every outcome of a family with the same intention-to-treat model and adjusts
the p-values with Holm's procedure within the family (its arms x outcomes), so that adding an
exploratory outcome never changes the adjustment of a declared test (``docs/inference.md``).
The names an outcome may have are :data:`ANALYSIS_OUTCOMES`; the report's definitions of
them are in :mod:`participatie_rct.trial.families`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from participatie_rct.errors import ProtocolError

#: Outcomes an ``[[analysis.families]]`` table may name: the outcome table's columns (and the
#: survey's scores) that the report estimates per family (``docs/cli-contract.md``).
ANALYSIS_OUTCOMES: tuple[str, ...] = (
    "outflow_work",
    "outflow_work_long",
    "outflow_any",
    "part_time_share",
    "working_12h",
    "working_27h",
    "ever_working_12h",
    "months_working_12h",
    "earnings",
    "benefit_followup",
    "months_receiving_benefit",
    "months_off_benefit",
    "sustained_outflow",
    "reentry",
    "wellbeing",
    "health",
    "self_sufficiency",
)
#: The role of a family, in the order a report shows them.
FAMILY_ROLES: tuple[str, ...] = ("primary", "secondary", "exploratory")


@dataclass(frozen=True)
class OutcomeFamily:
    """One declared family of outcomes: Holm's adjustment runs over its arms x outcomes.

    ``role`` is ``primary`` or ``secondary`` (pre-declared confirmatory tests) or
    ``exploratory`` (descriptive, declared so the reader sees what was looked at).
    """

    name: str
    role: str
    outcomes: tuple[str, ...]
    label_nl: str = ""
    label_en: str = ""

    def label(self, language: str) -> str:
        """The family's label in ``language``, or empty (the report then names it itself)."""
        return self.label_nl if language == "nl" else self.label_en


#: The primary family when a protocol declares none: outflow to work, as before families.
PRIMARY_FAMILY = OutcomeFamily("outflow", "primary", ("outflow_work",))


def families_from_tables(tables: list[dict[str, Any]], source: str) -> tuple[OutcomeFamily, ...]:
    """``[[analysis.families]]``: known outcomes, each in one family, one primary family that
    holds outflow to work (the headline and the interim looks test it)."""
    families = tuple(
        OutcomeFamily(
            name=t["name"],
            role=t["role"],
            outcomes=tuple(t["outcomes"]),
            label_nl=t.get("label_nl", ""),
            label_en=t.get("label_en", ""),
        )
        for t in tables
    )
    owner: dict[str, str] = {}
    names: set[str] = set()
    for number, family in enumerate(families, start=1):
        where = f"{source}: [[analysis.families]] number {number} ({family.name!r})"
        if family.name in names:
            raise ProtocolError(f"{where} repeats the name; every family needs its own name.")
        names.add(family.name)
        for outcome in family.outcomes:
            if outcome not in ANALYSIS_OUTCOMES:
                raise ProtocolError(
                    f"{where} names the outcome {outcome!r}, which is not known. "
                    f"Known outcomes: {', '.join(ANALYSIS_OUTCOMES)}."
                )
            if outcome in owner:
                raise ProtocolError(
                    f"{where} names {outcome!r}, which family {owner[outcome]!r} already holds; "
                    "an outcome belongs to one family (Holm adjusts within it)."
                )
            owner[outcome] = family.name
    primary = [f for f in families if f.role == "primary"]
    if len(primary) > 1:
        raise ProtocolError(
            f"{source}: [[analysis.families]] declares {len(primary)} primary families "
            f"({', '.join(f.name for f in primary)}); declare one."
        )
    if primary and "outflow_work" not in primary[0].outcomes:
        raise ProtocolError(
            f"{source}: [[analysis.families]] primary family {primary[0].name!r} lacks "
            "'outflow_work'; the headline and the interim looks test outflow to work, so the "
            'primary family holds it (give other outcomes role = "secondary").'
        )
    return families
