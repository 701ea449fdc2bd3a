"""Per-participant trial outcomes built from the register's assignments and benefit months.

The benefit administration records one row per person per calendar month. A trial reports
outcomes per participant, measured from the month of assignment; :func:`build_outcomes`
turns the first into the second, without guessing what it cannot see: a month without a row
is missing, is counted, and makes every outcome that depends on it unknown (NaN).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.months import month_index

#: event codes of ``event_code`` (0 is censored), shared with the survival estimators
EVENT_CODES: dict[str, int] = {"work": 1, "part_time_work": 2, "other": 3}

#: the outcome columns :func:`build_outcomes` adds, in order
OUTCOME_COLUMNS: tuple[str, ...] = (
    "assigned_month",
    "followup_months",
    "matured",
    "months_observed",
    "months_missing",
    "outflow_work",
    "outflow_any",
    "months_to_outflow",
    "time",
    "event",
    "event_code",
    "exit_type",
    "exit_reason_missing",
    "months_off_benefit",
    "earnings_followup",
    "reentry",
)


#: the one month count of the package (Dutch calendar months, see participatie_rct.months)
_month_index = month_index


def _require(frame: pd.DataFrame, columns: tuple[str, ...], *, table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise EstimationError(
            f"{table}: column(s) {', '.join(repr(c) for c in missing)} are missing; it has "
            f"{', '.join(map(repr, frame.columns))}. Pass the register export and the validated "
            "benefit_months table."
        )


_TRUE_WORDS = ("true", "1", "ja", "yes")
_FALSE_WORDS = ("false", "0", "nee", "no")


def _on_benefit(values: pd.Series) -> np.ndarray:
    """``on_benefit`` as bool: booleans, 0/1, or the words true/false, ja/nee, yes/no.

    Read strictly: ``astype(bool)`` would take the text "false" and an empty cell for true.
    """
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.to_numpy(dtype=bool)
    words = values.astype("string").str.strip().str.lower().str.replace(r"\.0$", "", regex=True)
    is_true = words.isin(_TRUE_WORDS).fillna(False).to_numpy(dtype=bool)
    is_false = words.isin(_FALSE_WORDS).fillna(False).to_numpy(dtype=bool)
    bad = np.flatnonzero(~is_true & ~is_false)
    if bad.size:
        raise EstimationError(
            f"benefit_months, column 'on_benefit': {bad.size} value(s) are not true/false (row "
            f"{int(bad[0]) + 1}: {values.iloc[int(bad[0])]!r}). Every month needs on_benefit "
            "true or false (ja/nee, 1/0); validate the table first."
        )
    return is_true


def _reason_codes(values: pd.Series) -> np.ndarray:
    """``exit_reason`` as event codes (0 empty, 1 work, 2 part_time_work, 3 other)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = [str(u).strip().lower() if not pd.isna(u) else "" for u in uniques]
    unknown = sorted(set(text) - {"", *EVENT_CODES})
    if unknown:
        raise EstimationError(
            f"benefit_months, column 'exit_reason': unknown value(s) {unknown}. Allowed: empty, "
            "work, part_time_work, other; validate the table first."
        )
    table = np.array([EVENT_CODES.get(t, 0) for t in text] + [0], dtype=np.int64)
    return table[codes]  # the NA sentinel -1 picks the trailing 0


def with_intake_start(assignments: pd.DataFrame) -> pd.DataFrame:
    """A copy of the register's assignments whose ``assigned_at`` is the date of intake.

    Follow-up is counted from the lottery, which took place at intake (``enrolled_on``);
    the register's ``assigned_at`` is when the record was written, which is later when a
    paper intake or a historical file is entered afterwards. When every row has an intake
    date, that date is used; otherwise ``assigned_at`` is kept. Both columns come out as
    time-zone-naive dates.
    """
    frame = assignments.copy()
    if "enrolled_on" in frame.columns and frame["enrolled_on"].notna().all() and len(frame):
        start = pd.to_datetime(frame["enrolled_on"])
    else:
        start = pd.to_datetime(frame["assigned_at"], utc=True).dt.tz_localize(None)
    frame["assigned_at"] = start.dt.normalize()
    frame["enrolled_on"] = start.dt.normalize()
    return frame


def build_outcomes(
    assignments: pd.DataFrame,
    benefit_months: pd.DataFrame,
    *,
    horizon_months: int = 12,
    as_of: Any = None,
) -> pd.DataFrame:
    """One row per assigned participant with the outcomes a trial reports.

    Parameters
    ----------
    assignments
        The register's export: ``participant``, ``arm``, ``assigned_at`` (timestamp or ISO
        text); other columns (strata, ``probability``, ``withdrawn``) are carried along.
        Intention-to-treat: everyone assigned gets a row, withdrawn or not.
    benefit_months
        The validated table: ``participant`` (or ``id``), ``month`` (Period[M], first-of-month
        timestamp or ``YYYY-MM``), ``on_benefit`` (bool), ``exit_reason`` (empty, ``work``,
        ``part_time_work``, ``other``) and optionally ``earnings``.
    horizon_months
        H, the follow-up window for the binary and cumulative outcomes.
    as_of
        The data's end (a month; rows after it are ignored). Default: the last month in
        ``benefit_months``. Never the clock, so reruns agree.

    Notes
    -----
    Month arithmetic: the calendar month of ``assigned_at`` (in Dutch time: the register's
    UTC stamps are converted to Europe/Amsterdam) is month 0; month ``k`` is the
    k-th calendar month after it. Follow-up runs from month 1; the window of the binary and
    cumulative outcomes is months 1..H, and ``followup_months = min(H, end - month 0)``.

    Rules:

    * A participant *leaves* (an outflow event) in the first month ``k >= 1`` whose row says
      ``on_benefit`` is false or carries an ``exit_reason`` (``part_time_work`` is work
      combined with a partial benefit, so the person may still be on benefit). The reason is
      that row's ``exit_reason``, else the previous month's; when both are empty the exit is
      counted as ``other`` and ``exit_reason_missing`` is true.
    * A month without a row is *missing*. Time to outflow is followed until the first missing
      month or the data's end, whichever comes first, and is censored there: an exit seen
      after a gap cannot be dated, so it is not used.
    * ``matured``: all H months lie before the data's end. ``outflow_work`` / ``outflow_any``
      (1.0, 0.0) say whether the first exit was to work / of any kind within H months; they
      are NaN when not matured, or when a missing month hides whether the person left.
    * ``months_to_outflow``: month of the first exit (NaN if none seen). ``time`` and
      ``event`` (1 exit, 0 censored) and ``event_code`` (0 censored, 1 work,
      2 part_time_work, 3 other) and ``exit_type`` (text, empty when censored) feed the
      survival estimators; exits after the data's end are not seen.
    * ``months_off_benefit`` (months 1..H off benefit) and ``earnings_followup`` (sum of
      ``earnings`` over months 1..H) are NaN unless all H months are observed (and, for
      earnings, every month has a value).
    * ``reentry``: after the first month off benefit following the exit, a later month on
      benefit (1.0) or none (0.0); NaN when there was no exit off benefit or nothing was
      observed after it.
    * ``months_observed`` / ``months_missing``: rows present / absent among the
      ``followup_months`` months of the window.

    Returns
    -------
    pandas.DataFrame
        ``participant``, ``arm``, the columns in :data:`OUTCOME_COLUMNS`, then the other
        columns of ``assignments``; one row per participant, in the order of ``assignments``.
    """
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise EstimationError(
            f"horizon_months must be a whole number of months >= 1; got {horizon_months!r}."
        )
    horizon = int(horizon_months)
    _require(assignments, ("participant", "arm", "assigned_at"), table="assignments")
    months = benefit_months
    if "participant" not in months.columns and "id" in months.columns:
        months = months.rename(columns={"id": "participant"})
    _require(months, ("participant", "month", "on_benefit"), table="benefit_months")
    if assignments["participant"].duplicated().any():
        dup = (
            assignments.loc[assignments["participant"].duplicated(), "participant"].head(3).tolist()
        )
        raise EstimationError(
            f"assignments, column 'participant': "
            f"{int(assignments['participant'].duplicated().sum())} participant(s) appear more than "
            f"once (e.g. {dup}). The register holds one assignment per "
            "participant; pass its export unchanged."
        )

    people = assignments.reset_index(drop=True).copy()
    people["participant"] = people["participant"].astype(str)
    month0 = _month_index(
        pd.Series(people["assigned_at"]), table="assignments", column="assigned_at"
    )

    rows = pd.DataFrame(
        {
            "participant": months["participant"].astype(str).to_numpy(),
            "m": _month_index(
                pd.Series(months["month"]), table="benefit_months", column="month"
            ).to_numpy(),
            "on": _on_benefit(months["on_benefit"]),
            "reason": _reason_codes(months["exit_reason"])
            if "exit_reason" in months.columns
            else np.zeros(len(months), dtype=np.int64),
            "earn": pd.to_numeric(months["earnings"], errors="coerce").to_numpy(dtype=float)
            if "earnings" in months.columns
            else np.full(len(months), np.nan),
        }
    )
    if as_of is not None:
        end = int(_month_index(pd.Series([as_of]), table="as_of", column="as_of").iloc[0])
        rows = rows[rows["m"] <= end]
    elif len(rows):
        end = int(rows["m"].max())
    else:
        raise EstimationError(
            "benefit_months is empty and no as_of was given, so the data's end is unknown. "
            "Pass the benefit months or as_of."
        )
    repeated = rows.duplicated(["participant", "m"]).to_numpy()
    if repeated.any():
        raise EstimationError(
            f"benefit_months: {int(repeated.sum())} row(s) repeat a participant and month (e.g. "
            f"row {int(rows.index[np.flatnonzero(repeated)[0]]) + 1}). Keep one row per person "
            "and month."
        )

    index = pd.Series(np.arange(len(people)), index=people["participant"].to_numpy())
    rows = rows[rows["participant"].isin(index.index)]
    pos = index.loc[rows["participant"].to_numpy()].to_numpy()
    k = rows["m"].to_numpy() - month0.to_numpy()[pos]
    n = len(people)
    available = np.minimum(end - month0.to_numpy(), 10**9)  # months 1..available lie before the end
    keep = k >= 0
    pos, k = pos[keep], k[keep]
    on = rows["on"].to_numpy()[keep]
    reason = rows["reason"].to_numpy()[keep]
    earn = rows["earn"].to_numpy()[keep]
    order = np.lexsort((k, pos))
    pos, k, on, reason, earn = pos[order], k[order], on[order], reason[order], earn[order]

    follow = k >= 1
    fpos, fk, fon, freason = pos[follow], k[follow], on[follow], reason[follow]
    # first missing month: the first k whose rank among observed months k >= 1 differs from k
    rank = _rank_within(fpos)
    first_gap = np.full(n, np.inf)
    gap_at = fk != rank
    np.minimum.at(first_gap, fpos[gap_at], rank[gap_at].astype(float))
    count = np.bincount(fpos, minlength=n).astype(float)
    first_gap = np.where(np.isfinite(first_gap), first_gap, count + 1)
    contiguous = np.minimum(first_gap - 1, available)  # months 1..contiguous seen without a gap

    is_exit = (~fon) | (freason != 0)
    first_exit = np.full(n, np.inf)
    np.minimum.at(first_exit, fpos[is_exit], fk[is_exit].astype(float))
    event = np.isfinite(first_exit) & (first_exit <= contiguous)
    time = np.where(event, first_exit, np.maximum(contiguous, 0))

    # exit reason: the exit row's, else the previous month's (rows are sorted by person, month)
    span = int(k.max()) + 2 if k.size else 2
    keys = pos * span + k

    def reason_at(people: np.ndarray, months: np.ndarray) -> np.ndarray:
        if keys.size == 0:
            return np.zeros(people.size, dtype=np.int64)
        wanted = people * span + months
        at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
        return np.where((months >= 0) & (keys[at] == wanted), reason[at], 0)

    ev_people = np.flatnonzero(event)
    ev_k = first_exit[ev_people].astype(np.int64)
    here, before = reason_at(ev_people, ev_k), reason_at(ev_people, ev_k - 1)
    chosen = np.where(here != 0, here, before)
    missing_reason = chosen == 0
    chosen = np.where(missing_reason, EVENT_CODES["other"], chosen)
    names = np.array(["", *EVENT_CODES], dtype=object)
    event_code = np.zeros(n, dtype=np.int64)
    event_code[ev_people] = chosen
    exit_type = names[event_code]
    reason_missing = np.zeros(n, dtype=bool)
    reason_missing[ev_people] = missing_reason

    matured = available >= horizon
    followup = np.clip(available, 0, horizon)
    in_window = fk <= horizon
    observed = np.bincount(fpos[in_window], minlength=n)
    missing = followup - observed
    complete = matured & (missing == 0)

    exit_by_h = event & (time <= horizon)
    known = matured & (exit_by_h | (time >= horizon))
    outflow_work = np.where(known, (exit_by_h & (event_code == 1)).astype(float), np.nan)
    outflow_any = np.where(known, exit_by_h.astype(float), np.nan)

    off_h = np.bincount(fpos[in_window], weights=(~fon[in_window]).astype(float), minlength=n)
    months_off = np.where(complete, off_h, np.nan)
    ewin = earn[follow][in_window]
    earn_sum = np.bincount(fpos[in_window], weights=np.nan_to_num(ewin), minlength=n)
    earn_nan = np.bincount(fpos[in_window], weights=np.isnan(ewin).astype(float), minlength=n)
    earnings = np.where(complete & (earn_nan == 0), earn_sum, np.nan)

    # re-entry: a month on benefit after the first month off benefit at or after the exit
    after_exit = fk >= np.where(event, first_exit, np.inf)[fpos]
    first_off = np.full(n, np.inf)
    sel = after_exit & ~fon
    np.minimum.at(first_off, fpos[sel], fk[sel].astype(float))
    later = fk > first_off[fpos]
    seen_later = np.bincount(fpos[later], minlength=n) > 0
    back_on = np.bincount(fpos[later & fon], minlength=n) > 0
    reentry = np.where(np.isfinite(first_off) & seen_later, back_on.astype(float), np.nan)

    assigned_month = pd.PeriodIndex.from_ordinals(  # type: ignore[attr-defined]
        month0.to_numpy() - (1970 * 12), freq="M"
    )
    out = pd.DataFrame(
        {
            "participant": people["participant"].to_numpy(),
            "arm": people["arm"].to_numpy(),
            "assigned_month": assigned_month,
            "followup_months": followup.astype(np.int64),
            "matured": matured,
            "months_observed": observed.astype(np.int64),
            "months_missing": missing.astype(np.int64),
            "outflow_work": outflow_work,
            "outflow_any": outflow_any,
            "months_to_outflow": np.where(event, first_exit, np.nan),
            "time": time.astype(float),
            "event": event.astype(np.int64),
            "event_code": event_code,
            "exit_type": exit_type,
            "exit_reason_missing": reason_missing,
            "months_off_benefit": months_off,
            "earnings_followup": earnings,
            "reentry": reentry,
        }
    )
    if "hours_band" in months.columns or "benefit_amount" in months.columns:
        from participatie_rct.estimate.work_outcomes import add_work_outcomes  # hours-based

        out = add_work_outcomes(out, months, month0.to_numpy(), end=end, horizon=horizon)
    extra = [c for c in people.columns if c not in out.columns]
    return pd.concat([out, people[extra].reset_index(drop=True)], axis=1)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """1, 2, 3, ... within runs of equal values of a sorted array."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    counts = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, counts) + 1
