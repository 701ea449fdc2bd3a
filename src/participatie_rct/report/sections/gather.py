"""Gathering what every section needs: the data's end and the arm labels (blinded or not)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from participatie_rct.report.blinding import blind_mapping, blinding_secret

if TYPE_CHECKING:
    from participatie_rct.protocol import Protocol


def last_ended_month(as_of: dt.date) -> pd.Period:
    """The last calendar month that had ended by ``as_of`` (the data's end for the report)."""
    month = pd.Period(as_of, freq="M")
    return month if (as_of + dt.timedelta(days=1)).month != as_of.month else month - 1


def label_maps(
    protocol: Protocol, language: str, blinded: bool, key: bytes | None
) -> tuple[list[str], dict[str, str]]:
    """The arms in printed order and their labels: A, B, C, ... under blinding."""
    if blinded:
        secret, _concealed = blinding_secret(
            key=key,
            protocol_sha256=protocol.sha256,
            seed=None if protocol.sealed else protocol.seed,
        )
        letters = blind_mapping(protocol.arm_keys, secret=secret)
        order = sorted(protocol.arm_keys, key=lambda a: letters[a])
        return order, letters
    return list(protocol.arm_keys), {a.key: a.label(language) for a in protocol.arms}
