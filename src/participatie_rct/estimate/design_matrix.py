"""Design matrices of the ITT regressions: arm dummies, strata, covariates, Lin interactions.

Column order matters for collinearity: intercept, arm dummies, strata dummies, covariates,
then the Lin interactions. A later column that is a combination of earlier ones is dropped
(as R's ``lm``), so a covariate that repeats the strata never displaces a stratum dummy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.arms import Arms


def check_roles(*, outcome: str, treatment: str, covariates: Sequence[str] = ()) -> None:
    """Refuse a column named in two roles: a covariate that is the outcome or the treatment.

    Such a model "adjusts away" the very effect it estimates (the covariate is dropped as
    collinear, or explains the outcome perfectly): the call is a mistake, not a model.
    """
    if outcome == treatment:
        raise EstimationError(
            f"column '{outcome}' is named as both outcome and treatment. Name the arm column "
            "as treatment= and the outcome as outcome=."
        )
    for role, column in (("outcome", outcome), ("treatment", treatment)):
        if column in covariates:
            raise EstimationError(
                f"column '{column}' is the {role} and also a covariate. Covariates are "
                f"baseline characteristics: leave '{column}' out of covariates=."
            )


def dummies(values: pd.Series, *, drop_first: bool = True) -> tuple[np.ndarray, list[str]]:
    """0/1 columns of a categorical variable, levels sorted (the first left out, as R does)."""
    cat = pd.Categorical(values.astype("string") if values.dtype == object else values)
    codes = cat.codes
    names = [str(c) for c in cat.categories]
    start = 1 if drop_first else 0
    out = np.zeros((len(values), len(names) - start))
    for j in range(start, len(names)):
        out[:, j - start] = codes == j
    return out, names[start:]


def refuse_stray_text(series: pd.Series, name: str) -> None:
    """Refuse a text covariate whose values are mostly numbers: a typo, not categories.

    Read as text, ``age`` with one cell ``"onbekend"`` would silently become one dummy per
    distinct age; the cell is named instead.
    """
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return
    filled = series.notna().to_numpy()
    numeric = pd.to_numeric(series, errors="coerce").notna().to_numpy()
    if numeric.sum() >= 0.5 * max(filled.sum(), 1) and not numeric[filled].all():
        at = int(np.flatnonzero(filled & ~numeric)[0])
        label = series.index[at]
        row = label + 1 if isinstance(label, int | np.integer) else label
        raise EstimationError(
            f"column '{name}': mostly numbers, but data row {row} holds {series.iloc[at]!r}. "
            "Correct or empty that cell (a covariate is numbers or categories, not both)."
        )


def covariate_matrix(data: pd.DataFrame, covariates: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Numeric covariates as they are, booleans as 0/1, text and categories as dummies."""
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for col in covariates:
        series = data[col]
        refuse_stray_text(series, col)
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            blocks.append(series.to_numpy(dtype=float)[:, None])
            names.append(col)
        else:
            mat, levels = dummies(series)
            blocks.append(mat)
            names.extend(f"{col}{lv}" for lv in levels)
    if not blocks:
        return np.zeros((len(data), 0)), []
    return np.hstack(blocks), names


@dataclass(frozen=True)
class Design:
    """A design matrix with column names and the positions of the arm dummies."""

    X: np.ndarray
    names: tuple[str, ...]
    arm_columns: tuple[int, ...]


def itt_design(
    data: pd.DataFrame,
    arms: Arms,
    *,
    covariates: Sequence[str] = (),
    strata: str | None = None,
    adjust: str = "none",
    treated: Sequence[str] | None = None,
) -> Design:
    """``[1, arm dummies, strata dummies, covariates, arm x centred covariates]``.

    ``adjust="lin"``: covariates centred at their sample means and interacted with each arm
    dummy (Lin 2013, eq. 3, as estimatr's ``lm_lin``); ``"linear"``: covariates added as
    they are; ``"none"``: no covariates.
    """
    n = len(data)
    treated = tuple(arms.treated if treated is None else treated)
    T = np.column_stack([arms.indicator(a) for a in treated]) if treated else np.zeros((n, 0))
    cols = [np.ones((n, 1)), T]
    names = ["(Intercept)", *treated]
    if strata is not None:
        S, levels = dummies(data[strata])
        cols.append(S)
        names.extend(f"{strata}{lv}" for lv in levels)
    if adjust != "none" and covariates:
        C, cnames = covariate_matrix(data, covariates)
        if adjust == "lin":
            C = C - C.mean(axis=0)  # Lin (2013): centre at the full-sample means
            cols.append(C)
            names.extend(f"{c}_c" for c in cnames)
            for j, c in enumerate(cnames):
                cols.append(T * C[:, [j]])
                names.extend(f"{a}:{c}_c" for a in treated)
        else:
            cols.append(C)
            names.extend(cnames)
    X = np.hstack(cols)
    return Design(X, tuple(names), tuple(range(1, 1 + len(treated))))


def drop_singletons(
    frame: pd.DataFrame, y: np.ndarray, strata: str
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Rows of one-row strata removed (as fixest): with stratum fixed effects such a row is
    fitted exactly (leverage 1), so it adds nothing to any estimate and makes HC2/HC3
    undefined. The caller's arm labels travel along in the column ``__arm_label__``."""
    sizes = frame[strata].map(frame[strata].value_counts())
    single = (sizes == 1).to_numpy()
    if not single.any():
        return frame, y, 0
    return frame.loc[~single], y[~single], int(single.sum())
