"""The monthly panel view of outflow: person-month data and regressions on it.

:func:`person_months` turns the register's assignments and the benefit administration's
months into one row per participant per month since assignment, with ``off_benefit`` and
``in_work``. A participant who leaves and comes back is the same person in later months
(``off_benefit`` returns to 0): re-entry, not a new participant.

:func:`panel_effects` is the linear probability model of being off benefit (or in work) on
arm dummies, pooled over months or with arm x month-since-assignment interactions, with
standard errors clustered by person. Both models are saturated in (arm, month) cells, so OLS
reduces to cell means and the clustered sandwich to per-person residual sums; this closed form
equals ``lm(y ~ arm * factor(month))`` with ``sandwich::vcovCL(type = "HC1")`` (the same as
``estimatr::lm_robust(clusters =, se_type = "stata")`` and statsmodels' ``cov_type="cluster"``)
without building the 14-million-row design matrix of a 400,000-person, 36-month panel.

:func:`months_off_benefit` counts the months off benefit during follow-up per person and
compares arms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from participatie_rct.errors import EstimationError, line_list
from participatie_rct.estimate.arms import arm_codes
from participatie_rct.estimate.dim import neyman_std_error
from participatie_rct.estimate.km import _rows, _shown
from participatie_rct.estimate.survival_results import PanelResult
from participatie_rct.months import month_index
from participatie_rct.tidy import resolve_level

_WORK_REASONS = ("work", "part_time_work")


def person_months(
    assignments: pd.DataFrame, benefit_months: pd.DataFrame, *, as_of: Any = None
) -> pd.DataFrame:
    """One row per participant and month since assignment (month 1: first month after).

    Parameters
    ----------
    assignments
        ``participant``, ``arm``, ``assigned_at`` (the register's export).
    benefit_months
        ``participant`` (or ``id``), ``month``, ``on_benefit``, optional ``exit_reason`` and
        ``earnings`` (the validated table, pseudonymised with the register's key).
    as_of
        The data's end (a month); rows after it are left out. Never the clock.

    Returns
    -------
    pandas.DataFrame
        ``participant``, ``arm``, ``month`` (months since assignment, >= 1), ``calendar_month``,
        ``off_benefit`` (0/1), ``in_work`` (0/1): off benefit after an exit to work, or in a
        spell of part-time work with earnings (> 0, or unknown earnings), the spell's reason
        carried forward until a month on benefit with no reason and no earnings ends it.
    """
    _require_columns(
        assignments,
        ("participant", "arm", "assigned_at"),
        table="assignments",
        fix="Pass the register's export.",
    )
    months = (
        benefit_months.rename(columns={"id": "participant"})
        if "participant" not in benefit_months.columns
        else benefit_months
    )
    _require_columns(
        months,
        ("participant", "month", "on_benefit"),
        table="benefit_months",
        fix="Pass the validated benefit_months table.",
    )
    people = assignments[["participant", "arm", "assigned_at"]].copy()
    people["participant"] = people["participant"].astype(str)
    people["m0"] = month_index(
        pd.Series(people["assigned_at"]), table="assignments", column="assigned_at"
    )
    rows = _month_rows(months)
    if as_of is not None:
        end = int(month_index(pd.Series([str(as_of)[:7]]), table="as_of", column="as_of").iloc[0])
        rows = rows[rows["m"] <= end]
    frame = rows.merge(people, on="participant", how="inner")
    frame["month"] = frame["m"] - frame["m0"]
    frame = (
        frame[frame["month"] >= 1]
        .sort_values(["participant", "month"], kind="stable")
        .reset_index(drop=True)
    )
    off = ~frame["on"].to_numpy()
    calendar = pd.PeriodIndex.from_ordinals(  # type: ignore[attr-defined]
        frame["m"].to_numpy() - 1970 * 12, freq="M"
    )
    return pd.DataFrame(
        {
            "participant": frame["participant"].to_numpy(),
            "arm": frame["arm"].to_numpy(),
            "month": frame["month"].to_numpy(dtype=np.int64),
            "calendar_month": calendar,
            "off_benefit": off.astype(np.int64),
            "in_work": _in_work(frame).astype(np.int64),
        }
    )


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], *, table: str, fix: str) -> None:
    """Refuse ``frame`` (the table named ``table``) without one of ``columns``, saying ``fix``."""
    for col in columns:
        if col not in frame.columns:
            raise EstimationError(
                f"{table}: column {col!r} is missing "
                f"(columns: {', '.join(map(str, frame.columns))}). "
                f"{fix}"
            )


def _month_rows(months: pd.DataFrame) -> pd.DataFrame:
    """The benefit months as ``participant``, month index ``m``, ``on``, ``reason``, ``earnings``.

    A missing ``exit_reason`` column reads as no reason, missing ``earnings`` as unknown.
    """
    return pd.DataFrame(
        {
            "participant": months["participant"].astype(str).to_numpy(),
            "m": month_index(
                pd.Series(months["month"]), table="benefit_months", column="month"
            ).to_numpy(),
            "on": months["on_benefit"].astype(bool).to_numpy(),
            "reason": months["exit_reason"]
            .astype("string")
            .fillna("")
            .str.strip()
            .str.lower()
            .to_numpy()
            if "exit_reason" in months.columns
            else np.full(len(months), ""),
            "earnings": pd.to_numeric(months["earnings"], errors="coerce").to_numpy(dtype=float)
            if "earnings" in months.columns
            else np.full(len(months), np.nan),
        }
    )


def _in_work(frame: pd.DataFrame) -> np.ndarray:
    """Per row (sorted by participant and month): in work, from the spell's exit reason.

    The reason is carried forward within a participant; a month on benefit without a reason
    and without earnings ends the spell. Off benefit in a work spell counts, and so does a
    part-time work spell with earnings above 0 or unknown.
    """
    earn = frame["earnings"].to_numpy()
    ends = frame["on"].to_numpy() & (frame["reason"].to_numpy() == "") & ~(earn > 0)
    reason = frame["reason"].to_numpy(dtype=object)
    marker = np.where(reason != "", reason, np.where(ends, "", np.array(None, dtype=object)))
    spell = (
        pd.Series(marker, dtype="object")
        .groupby(frame["participant"].to_numpy())
        .ffill()
        .fillna("")
    )
    off = ~frame["on"].to_numpy()
    part_time_paid = (spell.to_numpy() == "part_time_work") & ~(
        earn <= 0
    )  # NaN earnings count as paid
    in_work: np.ndarray = (off & np.isin(spell.to_numpy(), _WORK_REASONS)) | part_time_paid
    return in_work


def _cell_means_cluster(
    y: np.ndarray, cell: np.ndarray, n_cells: int, person: np.ndarray, n_params: int
) -> tuple[np.ndarray, np.ndarray]:
    """OLS of y on cell indicators (cell means) with the CR1 / HC1-clustered covariance.

    V = c (X'X)^-1 (sum_g X_g' e_g e_g' X_g) (X'X)^-1 with X'X = diag(n_cell) and
    c = G / (G - 1) * (N - 1) / (N - K) (Stata's small-sample factor;
    Cameron and Miller 2015, eq. 12). Every cell must hold rows: :func:`panel_effects`
    refuses an empty arm-by-month cell before calling this.
    """
    n_cell = np.bincount(cell, minlength=n_cells).astype(float)
    mean = np.bincount(cell, weights=y, minlength=n_cells) / n_cell
    resid = y - mean[cell]
    # per (person, cell) residual sums: the clustered score of each cell
    key = person.astype(np.int64) * n_cells + cell
    uniq, inv = np.unique(key, return_inverse=True)
    sums = np.bincount(inv, weights=resid)
    who = uniq // n_cells
    which = uniq % n_cells
    # meat[c, d] = sum_persons s_pc s_pd; a sparse product of the (person x cell) score matrix
    from scipy import sparse

    scores = sparse.csr_matrix((sums, (who, which)), shape=(int(person.max()) + 1, n_cells))
    meat = (scores.T @ scores).toarray()
    n_obs = y.size
    n_groups = np.unique(person).size
    factor = n_groups / (n_groups - 1) * (n_obs - 1) / (n_obs - n_params)
    vcov = factor * meat / np.outer(n_cell, n_cell)
    return mean, vcov


def _z_row(
    arm: str, term: str, month: object, est: float, se: float, conf_level: float
) -> dict[str, object]:
    """One effect row with a normal (z) test and interval; no test when the SE is 0."""
    q = float(stats.norm.ppf(0.5 + conf_level / 2))
    stat = est / se if se > 0 else np.nan
    return {
        "arm": arm,
        "term": term,
        "month": month,
        "estimate": est,
        "std_error": se,
        "statistic": stat,
        "p_value": float(2 * stats.norm.sf(abs(stat))) if np.isfinite(stat) else np.nan,
        "ci_low": est - q * se,
        "ci_high": est + q * se,
        "conf_level": conf_level,
    }


def panel_effects(
    panel: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    control: str | None = None,
    by_month: bool = True,
    cluster: str = "participant",
    time: str = "month",
    conf_level: float = 0.95,
) -> PanelResult:
    """Effect of each arm on the monthly probability of ``outcome`` (``off_benefit``, ``in_work``).

    ``by_month``: one effect per arm and month since assignment (``y ~ arm * factor(month)``);
    else one pooled effect per arm (``y ~ arm``). Standard errors are clustered by ``cluster``
    (default: the person), HC1/CR1 as ``sandwich::vcovCL(type = "HC1")``. With thousands of
    people per arm the intervals and p-values are normal (z), stated in ``conf_level``.
    """
    conf_level = resolve_level(conf_level)
    _check_panel(panel, [outcome, treatment, cluster] + ([time] if by_month else []))
    y = _panel_outcome(panel, outcome)
    if cluster in (outcome, treatment):
        raise EstimationError(
            f"panel: the id column {cluster!r} is also the "
            f"{'outcome' if cluster == outcome else 'treatment'}. Name the person column as "
            "cluster=."
        )
    arm, levels = arm_codes(panel[treatment], control, treatment)
    k = len(levels)
    person = _persons(panel, cluster, arm)
    if by_month:
        months, month_code = _month_codes(panel, time, cluster, person)
    else:
        months, month_code = np.array([None]), np.zeros(len(panel), dtype=np.int64)
    n_m = months.size
    cell = arm * n_m + month_code
    empty = np.flatnonzero(np.bincount(cell, minlength=k * n_m) == 0)
    if empty.size:
        a, m = divmod(int(empty[0]), n_m)
        raise EstimationError(
            f"panel, column {treatment!r}: arm {levels[a]!r} has no person-months in month "
            f"{_shown(months[m])} of column {time!r}, so its effect there is not identified. "
            "Leave out that month or pool the months (by_month=False)."
        )
    mean, vcov = _cell_means_cluster(y, cell, k * n_m, person, k * n_m)
    coef = pd.DataFrame(
        {
            "arm": np.repeat(levels, n_m),
            "month": np.tile(months, k),
            "term": "cell_mean",
            "estimate": mean,
            "std_error": np.sqrt(np.diag(vcov)),
        }
    )
    return PanelResult(
        table=pd.DataFrame(_contrasts(mean, vcov, levels, months, by_month, conf_level)),
        coefficients=coef,
        outcome=outcome,
        by_month=by_month,
        se_type="cluster_hc1",
        control=levels[0],
        n_obs=int(y.size),
        n_clusters=int(np.unique(person).size),
        conf_level=conf_level,
    )


def _check_panel(panel: pd.DataFrame, needed: Sequence[str]) -> None:
    """Refuse a panel without one of the ``needed`` columns, or with empty cells in them."""
    for col in needed:
        if col not in panel.columns:
            raise EstimationError(
                f"panel: column {col!r} is missing "
                f"(columns: {', '.join(map(str, panel.columns))}). "
                "Name the outcome, treatment, time and id columns of the person-month data."
            )
        bad = np.flatnonzero(panel[col].isna().to_numpy())
        if bad.size:
            raise EstimationError(
                f"panel, column {col!r}: {_rows(bad.size)} no value ({line_list(bad + 2)}). "
                "Fill them in or remove these rows."
            )


def _panel_outcome(panel: pd.DataFrame, outcome: str) -> np.ndarray:
    """The outcome column as finite floats; text or infinite values are refused by line."""
    y = pd.to_numeric(panel[outcome], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(y).all():
        bad = np.flatnonzero(~np.isfinite(y))
        raise EstimationError(
            f"panel, column {outcome!r}: {_rows(bad.size)} no finite number "
            f"({line_list(bad + 2)}, e.g. {_shown(panel[outcome].iloc[bad[0]])}). Code the "
            "outcome 0/1."
        )
    return y


def _persons(panel: pd.DataFrame, cluster: str, arm: np.ndarray) -> np.ndarray:
    """Integer codes of the ``cluster`` (person) column; a person in two arms is refused."""
    person = pd.factorize(panel[cluster])[0]
    mixed = np.flatnonzero(pd.Series(arm).groupby(person).transform("nunique").to_numpy() > 1)
    if mixed.size:
        raise EstimationError(
            f"panel, column {cluster!r}: id {_shown(panel[cluster].iloc[mixed[0]])} has rows in "
            f"more than one arm ({line_list(mixed + 2)}). A person keeps the arm assigned: "
            "check the id and treatment columns."
        )
    return person


def _month_codes(
    panel: pd.DataFrame, time: str, cluster: str, person: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The sorted months of ``time`` and each row's code; a person-month twice is refused."""
    month_values = panel[time].to_numpy()
    months, month_code = np.unique(month_values, return_inverse=True)
    twice = np.flatnonzero(pd.DataFrame({"p": person, "m": month_code}).duplicated())
    if twice.size:
        raise EstimationError(
            f"panel, columns {cluster!r} and {time!r}: {twice.size} row(s) repeat a person "
            f"and month ({line_list(twice + 2)}). Keep one row per person and month."
        )
    return months, month_code


def _contrasts(
    mean: np.ndarray,
    vcov: np.ndarray,
    levels: Sequence[str],
    months: np.ndarray,
    by_month: bool,
    conf_level: float,
) -> list[dict[str, object]]:
    """Each arm's cell mean minus control's in the same month, with a normal test.

    Cells are ordered arm-major (``arm * n_months + month``); control is arm 0.
    """
    n_m = months.size
    rows = []
    for a in range(1, len(levels)):
        for m in range(n_m):
            i, c = a * n_m + m, m
            est = mean[i] - mean[c]
            se = float(np.sqrt(vcov[i, i] + vcov[c, c] - 2 * vcov[i, c]))
            month = months[m].item() if hasattr(months[m], "item") else months[m]
            term = "arm:month" if by_month else "arm"
            rows.append(_z_row(levels[a], term, month if by_month else None, est, se, conf_level))
    return rows


def months_off_benefit(
    panel: pd.DataFrame,
    *,
    treatment: str,
    outcome: str = "off_benefit",
    id: str = "participant",
    time: str = "month",
    horizon: int | None = None,
    control: str | None = None,
    conf_level: float = 0.95,
) -> PanelResult:
    """Months off benefit during follow-up (months 1..horizon) per person, each arm minus control.

    People with fewer than ``horizon`` observed months are left out (their count is unknown).
    The difference in means uses the unpooled (Welch / HC2) standard error, normal intervals.
    """
    conf_level = resolve_level(conf_level)
    for col in (treatment, outcome, id, time):
        if col not in panel.columns:
            raise EstimationError(
                f"panel: column {col!r} is missing (columns: {', '.join(map(str, panel.columns))})."
            )
    frame = panel[[id, treatment, outcome, time]]
    if horizon is not None:
        frame = frame[frame[time] <= horizon]
    per = frame.groupby(id, sort=False).agg(
        arm=(treatment, "first"), months=(outcome, "sum"), n=(time, "nunique")
    )
    if horizon is not None:
        per = per[per["n"] >= horizon]
    arm, levels = arm_codes(per["arm"], control, treatment)
    values = per["months"].to_numpy(dtype=float)
    c_vals = values[arm == 0]
    rows = []
    for a in range(1, len(levels)):
        t_vals = values[arm == a]
        est = t_vals.mean() - c_vals.mean()
        se = neyman_std_error(t_vals, c_vals)
        rows.append(_z_row(levels[a], "months_off_benefit", horizon, est, se, conf_level))
    means = pd.DataFrame(
        {
            "arm": list(levels),
            "month": horizon,
            "term": "mean",
            "estimate": [values[arm == a].mean() for a in range(len(levels))],
            "std_error": [
                values[arm == a].std(ddof=1) / np.sqrt((arm == a).sum()) for a in range(len(levels))
            ],
        }
    )
    return PanelResult(
        table=pd.DataFrame(rows),
        coefficients=means,
        outcome=outcome,
        by_month=False,
        se_type="hc2",
        control=levels[0],
        n_obs=int(values.size),
        n_clusters=int(values.size),
        conf_level=conf_level,
    )
