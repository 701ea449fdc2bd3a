"""Checks and conversions shared by the assignment procedures (no randomness here)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from participatie_rct.assignment.base import AssignmentProcedure, Draw
from participatie_rct.assignment.keys import stratum_codes, unit_key
from participatie_rct.assignment.tally import TallyKeys
from participatie_rct.errors import AssignmentError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Largest allocation ratio: block sizes are multiples of the ratios' sum, and a lottery with
#: a ratio beyond this is a typing error rather than a design.
RATIO_MAX = 1000


def check_arms(
    arms: Sequence[str], ratios: Sequence[int] | None
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Arm keys and integer ratios, checked: two or more distinct arms, whole ratios >= 1."""
    if isinstance(arms, str):
        raise AssignmentError(
            "arms must be a list of arm keys, e.g. ['control', 'earn_more']; "
            f"got the text {arms!r}."
        )
    arms = tuple(str(a) for a in arms)
    if any(not a.strip() for a in arms):
        raise AssignmentError(
            f"arm keys must be non-empty; got {list(arms)}. Name every arm, e.g. 'control'."
        )
    if len(arms) < 2:
        raise AssignmentError(
            f"an assignment needs two or more arms; got {len(arms)} ({', '.join(arms) or 'none'})."
        )
    if len(set(arms)) != len(arms):
        repeated = sorted({a for a in arms if arms.count(a) > 1})
        raise AssignmentError(
            f"arm keys must be distinct; {', '.join(repr(a) for a in repeated)} appears more "
            "than once."
        )
    if ratios is None or len(ratios) == 0:
        ratios = (1,) * len(arms)
    if len(ratios) != len(arms):
        raise AssignmentError(
            f"ratios has {len(ratios)} values for {len(arms)} arms; give one whole number per arm."
        )
    checked = []
    for arm, ratio in zip(arms, ratios, strict=True):
        number = isinstance(ratio, numbers.Real) and not isinstance(ratio, bool)
        whole = number and math.isfinite(ratio) and int(ratio) == ratio
        if not whole or not 1 <= int(ratio) <= RATIO_MAX:
            raise AssignmentError(
                f"arm {arm!r} has ratio {ratio!r}; a ratio is a whole number from 1 to {RATIO_MAX}."
            )
        checked.append(int(ratio))
    return arms, tuple(checked)


def check_columns(columns: Sequence[str], *, role: str) -> tuple[str, ...]:
    """Column names as a tuple of distinct strings."""
    if isinstance(columns, str):
        raise AssignmentError(
            f"{role} must be a list of column names, e.g. ['{columns}']; got the text {columns!r}."
        )
    columns = tuple(str(c) for c in columns)
    if len(set(columns)) != len(columns):
        raise AssignmentError(
            f"{role} lists a column twice ({', '.join(columns)}); list each column once."
        )
    return columns


def check_units(units: Any) -> pd.DataFrame:
    """``units`` must be a pandas DataFrame (rows: participants in arrival order)."""
    import pandas as pd

    if not isinstance(units, pd.DataFrame):
        raise AssignmentError(
            "units must be a pandas DataFrame with one row per participant in arrival order; "
            f"got {type(units).__name__}."
        )
    return units


def shares(ratios: Sequence[int]) -> np.ndarray:
    """Each arm's share of the allocation, ``r_a / sum(r)``."""
    import numpy as np

    r = np.asarray(ratios, dtype=np.float64)
    shares: np.ndarray = r / r.sum()
    return shares


def arm_series(
    codes: np.ndarray,
    arms: Sequence[str],
    index: pd.Index,
    *,
    procedure: Any,
    root: np.random.SeedSequence,
) -> pd.Series:
    """A Series of arm keys (name ``arm``) from arm indices, aligned with ``index``.

    ``attrs`` records how it was made: method, procedure version and the root seed
    (entropy and spawn key) that the streams were derived from.
    """
    import numpy as np
    import pandas as pd

    from participatie_rct.assignment.streams import root_description

    labels = np.asarray(arms, dtype=object)[np.asarray(codes, dtype=np.int64)]
    series = pd.Series(labels, index=index, name="arm", dtype=object)
    series.attrs.update(
        method=procedure.method, version=procedure.version, seed=root_description(root)
    )
    return series


def probability_frame(matrix: np.ndarray, arms: Sequence[str], index: pd.Index) -> pd.DataFrame:
    """Probabilities as a DataFrame: one column per arm, aligned with ``index``."""
    import pandas as pd

    frame = pd.DataFrame(matrix, index=index, columns=list(arms))
    frame.columns.name = "arm"
    return frame


def make_draws(
    arms: Sequence[str],
    codes: np.ndarray,
    probabilities: np.ndarray,
    stratum_codes_: np.ndarray,
    keys: Sequence[str],
    positions: np.ndarray,
    batch: int = 0,
) -> list[Draw]:
    """One :class:`Draw` per row from arrays (arm index, probability matrix, stratum, position)."""
    arm_list = list(arms)
    code_list = [int(c) for c in codes]
    prob_rows = probabilities.tolist()
    strata = [keys[int(s)] for s in stratum_codes_]
    pos = [int(p) for p in positions]
    draws = []
    for i, code in enumerate(code_list):
        row = prob_rows[i]
        draws.append(
            Draw(
                arm=arm_list[code],
                probability=row[code],
                probabilities=dict(zip(arm_list, row, strict=True)),
                stratum=strata[i],
                position=pos[i],
                batch=batch,
            )
        )
    return draws


def history_arm_codes(history: pd.DataFrame, arms: Sequence[str]) -> np.ndarray:
    """Arm index of every history row; refuses an arm the protocol does not declare."""
    import numpy as np
    import pandas as pd

    if "arm" not in history.columns:
        raise AssignmentError(
            "the assignment history has no 'arm' column; give the arm of every earlier assignment."
        )
    index = pd.Index(arms)
    codes = index.get_indexer(pd.Index(history["arm"].astype(object)))
    if (codes < 0).any():
        bad = np.flatnonzero(codes < 0)
        values = sorted({str(history["arm"].iloc[i]) for i in bad[:5]})
        raise AssignmentError(
            f"the assignment history has {len(bad)} row(s) with an arm the protocol does not "
            "declare "
            f"({', '.join(repr(v) for v in values)}; first at history row {bad[0] + 1}); the "
            "arms are "
            f"{', '.join(arms)}."
        )
    return codes.astype(np.int64)


def history_strata(
    history: pd.DataFrame, columns: Sequence[str], *, role: str
) -> tuple[np.ndarray, list[str]]:
    """Stratum of every history row: from the unit columns, or else from a ``stratum`` column."""
    import numpy as np

    if all(c in history.columns for c in columns):
        return stratum_codes(history, columns, role=role)
    if "stratum" in history.columns:
        import pandas as pd

        codes, uniques = pd.factorize(history["stratum"].astype(str))
        return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]
    missing = [c for c in columns if c not in history.columns]
    raise AssignmentError(
        f"the assignment history has neither the column(s) {', '.join(repr(c) for c in missing)} "
        "nor a "
        "'stratum' column; give either so that the sequencer can continue each stratum where it "
        "left off."
    )


def stratum_counts(
    history: pd.DataFrame | None, columns: Sequence[str], *, role: str
) -> dict[str, int]:
    """Number of earlier assignments per stratum key."""
    import numpy as np

    if history is None or len(history) == 0:
        return {}
    codes, keys = history_strata(history, columns, role=role)
    counts = np.bincount(codes, minlength=len(keys))
    return {key: int(n) for key, n in zip(keys, counts, strict=True)}


def positions_in_strata(
    codes: np.ndarray, keys: Sequence[str], start: dict[str, int]
) -> np.ndarray:
    """Position of every row in its stratum's stream: earlier count plus rank among these rows."""
    import numpy as np

    n = len(codes)
    positions = np.empty(n, dtype=np.int64)
    if n == 0:
        return positions
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=len(keys))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    offsets = np.array([start.get(k, 0) for k in keys], dtype=np.int64)
    rank = np.arange(n, dtype=np.int64) - bounds[codes[order]]
    positions[order] = offsets[codes[order]] + rank
    return positions


class StrataProcedure(AssignmentProcedure):
    """What the procedures that randomize within strata share (complete, stratified, permuted
    blocks): the checks of ``arms``, ``ratios`` and ``strata``, the stratum key, and the exact
    marginal probabilities, which are the arms' shares for every participant."""

    strata: tuple[str, ...]

    def _check_fields(self) -> None:
        arms, ratios = check_arms(self.arms, self.ratios)
        object.__setattr__(self, "arms", arms)
        object.__setattr__(self, "ratios", ratios)
        object.__setattr__(self, "strata", check_columns(self.strata, role="strata"))

    @property
    def unit_columns(self) -> tuple[str, ...]:
        return self.strata

    def stratum_key(self, unit: Mapping[str, Any]) -> str:
        return unit_key(self.strata, unit, role="strata")

    def tally_keys(self, units: Sequence[Mapping[str, Any]]) -> TallyKeys:
        """The strata of ``units``: each continues from its own count."""
        return TallyKeys(strata=frozenset(self.stratum_key(u) for u in units))

    def probabilities(self, units: pd.DataFrame) -> pd.DataFrame:
        """Exact marginal probabilities: every participant has each arm's share ``r_a / R``
        (in a permuted block every position has the arms' shares too)."""
        import numpy as np

        units = check_units(units)
        stratum_codes(units, self.strata)  # refuses missing stratum values, as draw does
        matrix = np.tile(shares(self.ratios), (len(units), 1))
        return probability_frame(matrix, self.arms, units.index)
