"""What a report is made from: the register's assignments and the data folder's tables.

:class:`ReportInputs` holds plain DataFrames and the protocol, so the analyses and the
templates never touch a database or a file. :func:`load_inputs` fills it from a register URL
and a data folder through the register and data layers (the only places that read them),
and records the SHA-256 of every input file for the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from participatie_rct.data.folder import find_table
from participatie_rct.errors import ReportError

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
    identifiers).
    """

    protocol: Protocol
    assignments: pd.DataFrame
    participants: pd.DataFrame
    benefit_months: pd.DataFrame
    survey: pd.DataFrame | None = None
    input_files: Mapping[str, str] = field(default_factory=dict)
    register: Mapping[str, Any] = field(default_factory=dict)


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


def load_inputs(db_url: str, data_dir: str | Path, *, key: bytes | None = None) -> ReportInputs:
    """Read the register at ``db_url`` and the tables in ``data_dir`` into :class:`ReportInputs`.

    BSN-keyed files are pseudonymised with ``key`` on the way in (the same key the register
    used), so the tables link to the register's participants without any BSN being kept.
    """

    from participatie_rct.data import load_table
    from participatie_rct.registry import Register
    from participatie_rct.report.manifest import file_sha256

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ReportError(
            f"{data_dir}: no such data folder. Give the folder that holds participants and "
            "benefit_months."
        )
    register = Register.open(db_url)
    try:
        protocol = register.protocol
        assignments = register.assignments()
        status = register.status()
    finally:
        register.close()
    if assignments.empty:
        raise ReportError(
            f"{db_url}: the register has nobody assigned yet; a report needs assigned "
            "participants. Assign participants first ('participatie-rct assign')."
        )
    kind = protocol.identifier_kind
    files: dict[str, str] = {}
    frames: dict[str, pd.DataFrame] = {}
    for table in ("participants", "benefit_months"):
        path = find_table(data_dir, table)
        if path is None:  # pragma: no cover - find_table raises for required tables
            continue
        frames[table] = load_table(path, table, key=key, id_kind=kind)
        files[f"data/{path.name}"] = file_sha256(path)
    survey_path = find_table(data_dir, "survey", required=False)
    survey = None
    if survey_path is not None:
        survey = load_table(survey_path, "survey", key=key, id_kind=kind)
        files[f"data/{survey_path.name}"] = file_sha256(survey_path)
    register_info: dict[str, Any] = {
        "n_assigned": len(assignments),
        "n_withdrawn": int(status.get("n_withdrawn", 0)),
        "protocol_sha256": protocol.sha256,
        "assignments_sha256": assignments_digest(assignments),
    }
    return ReportInputs(
        protocol=protocol,
        assignments=assignments,
        participants=frames["participants"],
        benefit_months=frames["benefit_months"],
        survey=survey,
        input_files=files,
        register=register_info,
    )
