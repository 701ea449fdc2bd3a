"""Writing a simulated trial to a folder: the same trial gives the same bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from participatie_rct.cells import table_bytes
from participatie_rct.errors import ParticipatieRCTError
from participatie_rct.safe_files import discard, install, make_private_dir, stage
from participatie_rct.simulate.result import SimulatedTrial

if TYPE_CHECKING:
    import pandas as pd


# --------------------------------------------------------------------------------------------
# Writing a simulation to a folder
# --------------------------------------------------------------------------------------------

SIMULATION_FILES: tuple[str, ...] = (
    "participants.csv",
    "benefit_months.csv",
    "survey.csv",
    "truth.json",
    "truth_arms.csv",
    "protocol.toml",
)


def _csv_bytes(frame: pd.DataFrame, formats: Mapping[str, str]) -> bytes:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == bool:
            out[column] = np.where(out[column].to_numpy(), "true", "false")
        elif column in formats:
            out[column] = [format(v, formats[column]) for v in out[column].to_numpy()]
    return table_bytes(out, "csv")


def _truth_arms(trial: SimulatedTrial) -> pd.DataFrame:
    """Every invited person with consent, the arm drawn, withdrawal and the regime received
    (empty for decliners), so the files can be checked against the truth without a register."""
    import pandas as pd

    people = trial.participants[["id", "consent"]]
    drawn = trial.outcomes.set_index("id")[["arm", "withdrawn", "received"]]
    frame = people.join(drawn, on="id")
    return pd.DataFrame(
        {
            "id": frame["id"],
            "consent": frame["consent"].astype(bool),
            "arm": frame["arm"].fillna(""),
            "withdrawn": frame["withdrawn"].astype("boolean").fillna(False).astype(bool),
            "received": frame["received"].fillna(""),
        }
    )


def _small_files(trial: SimulatedTrial) -> dict[str, bytes]:
    """Every file but the monthly table, rendered."""
    if trial.panel is None or trial.survey is None:
        raise ParticipatieRCTError(
            "write_simulation: this trial was simulated with tables=False; simulate it with "
            "tables=True to write it."
        )
    return {
        "participants.csv": _csv_bytes(trial.participants, {}),
        "survey.csv": _csv_bytes(trial.survey, {"self_sufficiency": ".1f"}),
        "truth.json": (json.dumps(trial.truth, indent=2, ensure_ascii=False) + "\n").encode(
            "utf-8"
        ),
        "truth_arms.csv": _csv_bytes(_truth_arms(trial), {}),
        "protocol.toml": trial.protocol.text.encode("utf-8"),
    }


_MONEY = ("earnings", "benefit_amount")


def _money_text(values: np.ndarray) -> np.ndarray:
    """Euros with two decimals, formatting each distinct amount once (most months repeat a
    few amounts: 0, the benefit norms)."""
    unique, inverse = np.unique(values, return_inverse=True)
    return np.array([format(v, ".2f") for v in unique], dtype=object)[inverse]


def _month_chunks(trial: SimulatedTrial) -> Iterator[bytes]:
    """``benefit_months.csv`` chunk by chunk: the header once, then the rows."""
    if trial.panel is None:
        raise ParticipatieRCTError("write_simulation: this trial has no monthly table.")
    for k, chunk in enumerate(trial.panel.chunks()):
        for column in _MONEY:
            chunk[column] = _money_text(chunk[column].to_numpy())
        data = _csv_bytes(chunk, {})
        yield data if k == 0 else data.split(b"\n", 1)[1]


def simulation_files(trial: SimulatedTrial) -> dict[str, bytes]:
    """The bytes of every file :func:`write_simulation` writes, by file name (in memory: for
    a national-size panel use :func:`write_simulation`, which streams)."""
    files = _small_files(trial)
    files["benefit_months.csv"] = b"".join(_month_chunks(trial))
    return {name: files[name] for name in SIMULATION_FILES}


def write_simulation(trial: SimulatedTrial, out_dir: str | Path) -> dict[str, Path]:
    """Write ``participants.csv``, ``benefit_months.csv``, ``survey.csv``, ``truth.json``,
    ``truth_arms.csv`` and ``protocol.toml`` into ``out_dir`` (created if needed); returns the
    paths by file name.

    CSV with ``,``, UTF-8 without BOM, ISO dates, ``true``/``false``, fixed decimals: the same
    trial gives the same bytes. The monthly table is written chunk by chunk (a fixed number of
    people at a time), so memory does not grow with its length. Every file is first written
    to a private temporary file with a random name (:mod:`participatie_rct.safe_files`) and
    renamed only when all are complete: a failure leaves nothing.
    """
    folder = Path(out_dir)
    small = _small_files(trial)
    staged = []
    try:
        make_private_dir(folder)
        for name in SIMULATION_FILES:
            chunks = _month_chunks(trial) if name == "benefit_months.csv" else [small[name]]
            # private temporary files with random names, installed only when all are complete
            staged.append(stage(folder / name, chunks))
        paths = {item.target.name: install(item) for item in staged}
    except OSError as exc:
        raise ParticipatieRCTError(
            f"{folder}: cannot write the simulation there ({exc.strerror}); "
            "choose a folder you can write to."
        ) from None
    finally:
        for item in staged:
            discard(item)
    return paths
