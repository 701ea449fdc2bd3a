"""Writing a simulated trial to a folder: the same trial gives the same bytes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from participatie_rct.cells import table_bytes
from participatie_rct.errors import ParticipatieRCTError
from participatie_rct.safe_files import make_private_dir, write_bytes
from participatie_rct.simulate.trial import SimulatedTrial

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


def simulation_files(trial: SimulatedTrial) -> dict[str, bytes]:
    """The bytes of every file :func:`write_simulation` writes, by file name."""
    if trial.benefit_months is None or trial.survey is None:
        raise ParticipatieRCTError(
            "write_simulation: this trial was simulated with tables=False; simulate it with "
            "tables=True to write it."
        )
    return {
        "participants.csv": _csv_bytes(trial.participants, {}),
        "benefit_months.csv": _csv_bytes(trial.benefit_months, {"earnings": ".2f"}),
        "survey.csv": _csv_bytes(trial.survey, {"self_sufficiency": ".1f"}),
        "truth.json": (json.dumps(trial.truth, indent=2, ensure_ascii=False) + "\n").encode(
            "utf-8"
        ),
        "protocol.toml": trial.protocol.text.encode("utf-8"),
    }


def write_simulation(trial: SimulatedTrial, out_dir: str | Path) -> dict[str, Path]:
    """Write ``participants.csv``, ``benefit_months.csv``, ``survey.csv``, ``truth.json`` and
    ``protocol.toml`` into ``out_dir`` (created if needed); returns the paths by file name.

    CSV with ``,``, UTF-8 without BOM, ISO dates, ``true``/``false``, fixed decimals: the same
    trial gives the same bytes. Every file is rendered before the first is written.
    """
    contents = simulation_files(trial)
    folder = Path(out_dir)
    try:
        make_private_dir(folder)
        paths = {}
        for name, data in contents.items():
            paths[name] = write_bytes(folder / name, data)
    except OSError as exc:
        raise ParticipatieRCTError(
            f"{folder}: cannot write the simulation there ({exc.strerror}); "
            "choose a folder you can write to."
        ) from None
    return paths
