"""Gathering the inputs of a report: the data's end, the arm labels and the assigned people."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from participatie_rct.errors import ReportError
from participatie_rct.estimate.outcomes import with_intake_start
from participatie_rct.report.blinding import blind_mapping, blinding_secret
from participatie_rct.report.inputs import ReportInputs


def last_ended_month(as_of: dt.date) -> pd.Period:
    """The last calendar month that had ended by ``as_of`` (the data's end for the report)."""
    month = pd.Period(as_of, freq="M")
    return month if (as_of + dt.timedelta(days=1)).month != as_of.month else month - 1


def label_maps(
    inputs: ReportInputs, language: str, blinded: bool, key: bytes | None
) -> tuple[list[str], dict[str, str]]:
    protocol = inputs.protocol
    if blinded:
        secret, _concealed = blinding_secret(
            key=inputs.blinding_key,
            protocol_sha256=protocol.sha256,
            seed=None if protocol.sealed else protocol.seed,
        )
        letters = blind_mapping(protocol.arm_keys, secret=secret)
        order = sorted(protocol.arm_keys, key=lambda a: letters[a])
        return order, letters
    return list(protocol.arm_keys), {a.key: a.label(language) for a in protocol.arms}


def prepare_assignments(inputs: ReportInputs, as_of: dt.date) -> pd.DataFrame:
    """Assignments with intake on or before ``as_of``, with the baseline columns of participants.

    Follow-up is counted from the date of intake, as ``monitor status`` counts it
    (:func:`~participatie_rct.estimate.outcomes.with_intake_start`).
    """
    assigned = with_intake_start(inputs.assignments)
    start = assigned["enrolled_on"]
    assigned = assigned[(start.dt.date <= as_of).to_numpy()].reset_index(drop=True)
    if assigned.empty:
        raise ReportError(
            f"the register has nobody assigned on or before the as-of date {as_of.isoformat()}; "
            "choose a later --as-of."
        )
    people = inputs.participants.drop_duplicates("participant")
    extra = [c for c in people.columns if c not in assigned.columns or c == "participant"]
    return assigned.merge(people[extra], on="participant", how="left")
