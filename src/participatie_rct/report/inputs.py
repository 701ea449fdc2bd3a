"""What a trial's analyses are made from: the register's records and the data's tables.

:class:`ReportInputs` holds plain DataFrames and the protocol, so the analyses and the
templates never touch a database or a file. :func:`participatie_rct.trial.load_inputs`
fills it from a register and its data files (through the register and data layers, the
only places that read them) and records the SHA-256 of every input file for the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.protocol import Protocol


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report needs, as frames.

    ``assignments``: one row per assigned participant (``participant``, ``arm``, ``probability``,
    ``sequence``, ``withdrawn``, ``site``, ``enrolled_on`` and the stratum columns).
    ``participants``: the data folder's participants table, indexed by nothing, with a
    ``participant`` column of pseudonyms (invited people, including those who declined).
    ``benefit_months``: ``participant``, ``month`` (first day of the month), ``on_benefit``,
    ``exit_reason``. ``survey`` (optional): ``participant``, ``wave`` (0 at intake, then one
    a year), ``wellbeing``, ``health``, ``self_sufficiency``. ``input_files`` maps an input's
    name to its SHA-256; ``register`` holds the register's summary for the manifest (no
    identifiers). ``seen`` is everyone the register has seen (assigned and declined, as
    :meth:`~participatie_rct.registry.Register.participants` gives it) and ``events`` its
    audit log; the CONSORT flow is counted from these two when they are present.
    """

    protocol: Protocol
    assignments: pd.DataFrame
    participants: pd.DataFrame
    benefit_months: pd.DataFrame
    survey: pd.DataFrame | None = None
    input_files: Mapping[str, str] = field(default_factory=dict)
    register: Mapping[str, Any] = field(default_factory=dict)
    seen: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    #: the key behind a blinded report's letters (from the trial secret; never written out)
    blinding_key: bytes | None = field(default=None, repr=False)
    #: the secret ``unseal`` made public at the end of the trial (a final report prints it)
    unsealed_secret: str | None = field(default=None, repr=False)


def assignments_digest(assignments: pd.DataFrame) -> str:
    """SHA-256 of the assignments a report used: sequence, pseudonym, arm and withdrawal, in order.

    The register's own chain hashes also cover the moment each record was written, which
    differs between two registers that hold the same trial; this digest covers only what the
    analysis reads, so the same trial gives the same manifest.
    """
    import hashlib

    columns = ["sequence", "participant", "arm", "withdrawn"]
    frame = assignments[[c for c in columns if c in assignments.columns]].sort_values("sequence")
    text = frame.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
