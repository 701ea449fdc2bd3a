"""The CONSORT flow counted from the register: invited, declined, assigned, withdrawn, deviations.

The register records everyone it has seen: the assigned, and those invited who declined
(``declined`` events). Withdrawals, crossovers and protocol deviations are events appended
to the audit log. The flow is counted from these records alone; the participants file only
adds baseline columns, so a file that lacks somebody cannot change the counts (the report
names such people as a data-quality problem instead).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from participatie_rct.report.consort import ConsortCounts

#: Audit-log kinds that count as a departure from the assigned arm (the person stays in ITT).
DEVIATION_KINDS = ("deviation", "crossover")


def consort_from_register(
    *,
    arms: Sequence[str],
    people: pd.DataFrame,
    analysed: pd.Series,
    seen: pd.DataFrame | None,
    events: pd.DataFrame | None,
    as_of: dt.date,
) -> ConsortCounts:
    """Count the flow of the people assigned by ``as_of`` (``people``, one row each).

    ``seen`` is the register's list of everyone it has seen (``participant``, ``consent``,
    ``enrolled_on``); invitations after ``as_of`` do not count yet. Without it (frames built
    by hand) the invited and declined are unknown. ``events`` is the audit log; people with a
    deviation or crossover are counted once per arm. ``analysed`` is per row of ``people``.
    """
    arm = people["arm"].astype(str)
    withdrawn = (
        people["withdrawn"].astype(bool)
        if "withdrawn" in people.columns
        else pd.Series(False, index=people.index)
    )
    deviated_ids: set[str] = set()
    if events is not None and len(events):
        kinds = events["kind"].isin(DEVIATION_KINDS)
        deviated_ids = set(events.loc[kinds, "participant"].dropna().astype(str))
    deviated = people["participant"].astype(str).isin(deviated_ids)
    used = pd.Series(analysed.to_numpy(dtype=bool), index=people.index)

    def per_arm(flag: pd.Series) -> dict[str, int]:
        return {a: int((flag & (arm == a)).sum()) for a in arms}

    assigned = {a: int((arm == a).sum()) for a in arms}
    analysed_by_arm = per_arm(used)
    invited = declined = consented = None
    if seen is not None:
        start = pd.to_datetime(seen["enrolled_on"], errors="coerce")
        window = seen.loc[(start.isna() | (start.dt.date <= as_of)).to_numpy()]
        refused = ~window["consent"].astype(bool)
        declined = int(refused.sum())
        # the assigned by as_of consented; the seen who are neither do not count
        consented = len(people)
        invited = consented + declined
    return ConsortCounts(
        invited=invited,
        declined=declined,
        consented=consented,
        assigned=assigned,
        withdrawn=per_arm(withdrawn),
        not_analysed={a: assigned[a] - analysed_by_arm[a] for a in arms},
        analysed=analysed_by_arm,
        deviated=per_arm(deviated),
    )


def missing_from_participants(people: pd.DataFrame, participants: pd.DataFrame) -> int:
    """How many assigned people the participants file lacks (they have no baseline columns)."""
    listed = set(participants["participant"].dropna().astype(str))
    return int((~people["participant"].astype(str).isin(listed)).sum())
