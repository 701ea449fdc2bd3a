"""Reading a trial's register and its data files into frames, once.

:func:`load_inputs` is the one place where the path *register + data* starts: it reads the
register (assignments, everyone it has seen, its events) through the registry layer and the
participants, benefit_months and survey tables through the data layer, pseudonymising
BSN-keyed files with the register's key on the way in. The tables come from a data folder
(:func:`participatie_rct.data.folder.find_table` looks them up there) or from files named one
by one. The SHA-256 of every file read is kept for the report's manifest; it is computed on
another thread while the tables are parsed, so a national panel's file costs no second pass
on the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from participatie_rct.data.folder import find_table
from participatie_rct.errors import InputFileError, ReportError
from participatie_rct.report.inputs import ReportInputs, assignments_digest

if TYPE_CHECKING:
    import pandas as pd


def table_paths(
    data_dir: str | Path | None,
    *,
    participants: str | Path | None = None,
    benefit_months: str | Path | None = None,
    survey: str | Path | None = None,
    required: tuple[str, ...] = ("participants", "benefit_months"),
) -> dict[str, Path]:
    """The file of each table: named ones as given, the others looked up in ``data_dir``.

    The tables in ``required`` must be found; the others are read when present.
    """
    named = {"participants": participants, "benefit_months": benefit_months, "survey": survey}
    folder = Path(data_dir) if data_dir is not None else None
    if folder is not None and not folder.is_dir():
        raise InputFileError(
            f"{folder}: no such data folder. Give the folder that holds participants and "
            "benefit_months."
        )
    paths: dict[str, Path] = {}
    for table, given in named.items():
        if given is not None:
            path = Path(given)
            if not path.is_file():
                raise InputFileError(f"{path}: no such {table} file; check the path.")
            paths[table] = path
            continue
        if folder is None:
            if table not in required:
                continue
            raise InputFileError(
                f"no {table} table: give a data folder that holds it, or name the file "
                f"({table}=...)."
            )
        found = find_table(folder, table, required=table in required)
        if found is not None:
            paths[table] = found
    return paths


def load_inputs(
    db_url: str,
    data_dir: str | Path | None = None,
    *,
    key: bytes | None = None,
    participants: str | Path | None = None,
    benefit_months: str | Path | None = None,
    survey: str | Path | None = None,
    required: tuple[str, ...] = ("participants", "benefit_months"),
    secret: bytes | None = None,
) -> ReportInputs:
    """Read the register at ``db_url`` and the trial's tables into :class:`ReportInputs`.

    ``required`` names the tables that must be there: the participants table only adds
    baseline columns (who was invited, assigned or declined comes from the register), so
    monitoring can run on the benefit months alone. BSN-keyed files are pseudonymised with
    ``key`` on the way in (the same key the register used), so the tables link to the
    register's participants without any BSN being kept. ``secret`` (the trial secret, or for
    an open trial a blinding key) orders the letters of a blinded report; the register is
    opened read-only and checks it against its commitment.
    """
    from participatie_rct.concealment import blinding_key
    from participatie_rct.data import load_table
    from participatie_rct.registry import Register
    from participatie_rct.report.manifest import file_sha256

    paths = table_paths(
        data_dir,
        participants=participants,
        benefit_months=benefit_months,
        survey=survey,
        required=required,
    )
    with Register.open(db_url, read_only=True, secret=secret) as register:
        protocol = register.protocol
        assignments = register.assignments()
        seen = register.participants()
        events = register.events()
        anchor = register.anchor()  # not status(): its counts are not needed here
        published = register.unsealed_secret()
    if assignments.empty:
        raise ReportError(
            f"{db_url}: the register has nobody assigned yet; the analyses need assigned "
            "participants. Assign participants first ('participatie-rct assign')."
        )
    kind = protocol.identifier_kind
    frames: dict[str, pd.DataFrame] = {}
    # hashlib lets go of the interpreter while it hashes: the digests run beside the parsing
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        digests = {table: pool.submit(file_sha256, path) for table, path in paths.items()}
        for table, path in paths.items():
            frames[table] = load_table(path, table, key=key, id_kind=kind)
        files = _digests(paths, digests)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    withdrawn = events["participant"][events["kind"] == "withdrawal"] if len(events) else None
    register_info: dict[str, Any] = {
        "n_assigned": len(assignments),
        "n_withdrawn": 0 if withdrawn is None else int(withdrawn.nunique()),
        "protocol_sha256": protocol.sha256,
        "assignments_sha256": assignments_digest(assignments),
        "anchor": anchor,
        "concealment": protocol.concealment.value,
        "unsealed": published is not None,
    }
    return ReportInputs(
        protocol=protocol,
        assignments=assignments,
        participants=frames.get("participants", _no_participants()),
        benefit_months=frames["benefit_months"],
        survey=frames.get("survey"),
        input_files=files,
        register=register_info,
        seen=seen,
        events=events,
        blinding_key=blinding_key(secret) if secret is not None else None,
        unsealed_secret=published,
    )


def _digests(paths: Mapping[str, Path], digests: Mapping[str, Future[str]]) -> dict[str, str]:
    """The manifest's ``data/<file name>`` -> SHA-256 of every table's file."""
    return {f"data/{path.name}": digests[table].result() for table, path in paths.items()}


def _no_participants() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"participant": pd.Series([], dtype=object)})
