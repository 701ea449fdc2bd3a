"""Those who were invited and declined, followed in the benefit data as a reference group.

The evaluations of the Participatiewet experiments compared the trial with recipients who did
not take part, as a second, non-randomized reference (docs/domain.md, "Methods used"). The
register records every invitee who declined (a ``declined`` event, with the date of the
invitation); the municipality's benefit months cover them as they cover the participants. Their
outflow is a description, never an effect: people who decline differ from those who consent
(in the simulated trials, as reported, those nearer to work consent more often), so the report
shows them beside the trial under a heading that says so.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from participatie_rct.report.analyses import ReferenceGroup

if TYPE_CHECKING:
    import pandas as pd

#: the arm name the outcome builder sees for the reference group (never printed)
REFERENCE = "__declined__"


def reference_group(
    seen: pd.DataFrame | None,
    benefit_months: pd.DataFrame,
    *,
    horizon: int,
    as_of: dt.date,
    end: pd.Period,
) -> ReferenceGroup | None:
    """Outflow to work within ``horizon`` months of the invitation, for those who declined.

    ``seen`` is the register's list of everyone it met (``participant``, ``consent``,
    ``enrolled_on``); only decliners invited on or before ``as_of`` with a known invitation
    date count. None when the register holds no such decliner or the benefit data hold none
    of their months (a municipality need not deliver them).
    """
    import pandas as pd

    from participatie_rct.estimate.outcomes import build_outcomes

    if seen is None or seen.empty or "consent" not in seen.columns:
        return None
    declined = seen[~seen["consent"].astype(bool)]
    invited = pd.to_datetime(declined["enrolled_on"], errors="coerce")
    keep = invited.notna() & (invited.dt.date <= as_of)
    declined, invited = declined[keep.to_numpy()], invited[keep.to_numpy()]
    covered = set(benefit_months["participant"].astype(str))
    present = declined["participant"].astype(str).isin(covered).to_numpy()
    if not present.any():
        return None
    frame = pd.DataFrame(
        {
            "participant": declined["participant"].astype(str).to_numpy()[present],
            "arm": REFERENCE,
            "assigned_at": invited.to_numpy()[present],
            "enrolled_on": invited.to_numpy()[present],
        }
    )
    months = benefit_months[benefit_months["participant"].astype(str).isin(frame["participant"])]
    outcomes = build_outcomes(frame, months, horizon_months=horizon, as_of=end)
    matured = outcomes["matured"].astype(bool) & outcomes["outflow_work"].notna()
    return ReferenceGroup(
        n=len(frame),
        n_matured=int(matured.sum()),
        n_outflow=int(outcomes.loc[matured, "outflow_work"].astype(int).sum()),
        horizon=horizon,
    )
