"""Per-participant trial outcomes built from the register's assignments and benefit months.

The benefit administration records one row per person per calendar month. A trial reports
outcomes per participant, measured from the month of assignment; :func:`build_outcomes`
turns the first into the second, without guessing what it cannot see: a month without a row
is missing, is counted, and makes every outcome that depends on it unknown (NaN).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from participatie_rct.errors import EstimationError
from participatie_rct.estimate.outcome_rules import (
    EVENT_CODES,
    OUTCOME_COLUMNS,
    PersonMonths,
    align,
    outcome_columns,
)
from participatie_rct.months import TIME_ZONE, month_index

__all__ = [
    "EVENT_CODES",
    "OUTCOME_COLUMNS",
    "TIME_ZONE",
    "build_outcomes",
    "with_intake_start",
]


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
    table = np.array([EVENT_CODES.get(t, 0) for t in text] + [0], dtype=np.int8)
    return table[codes]  # the NA sentinel -1 picks the trailing 0


def with_intake_start(
    assignments: pd.DataFrame, intake_dates: pd.Series | None = None
) -> pd.DataFrame:
    """A copy of the register's assignments whose ``assigned_at`` is the date of intake.

    Follow-up is counted from the lottery, which took place at intake (``enrolled_on``);
    the register's ``assigned_at`` is when the record was written, which is later when a
    paper intake or a historical file is entered afterwards. Each row keeps its own intake
    date; a row without one (a register from before intake dates were kept) takes it from
    ``intake_dates`` (by participant: the participants file's ``enrolled_on``), and only
    failing that from ``assigned_at``, with a warning that says how many. Both columns come
    out as time-zone-naive dates.
    """
    import warnings

    frame = assignments.copy()
    written = pd.to_datetime(frame["assigned_at"], utc=True).dt.tz_localize(None)
    if "enrolled_on" in frame.columns:
        start = pd.to_datetime(frame["enrolled_on"], errors="coerce")
    else:
        start = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if intake_dates is not None and start.isna().any():
        known = pd.to_datetime(intake_dates, errors="coerce").dropna()
        known = known[~known.index.duplicated()]
        start = start.fillna(frame["participant"].map(known))
    undated = int(start.isna().sum())
    if undated and len(frame):
        warnings.warn(
            f"{undated} of {len(frame)} assigned participants have no intake date in the "
            "register or the participants file; their follow-up is counted from when their "
            "assignment was recorded. Add enrolled_on to the participants file to use the "
            "intake dates.",
            UserWarning,
            stacklevel=2,
        )
    start = start.fillna(written)
    frame["assigned_at"] = start.dt.normalize()
    frame["enrolled_on"] = start.dt.normalize()
    return frame


def build_outcomes(
    assignments: pd.DataFrame,
    benefit_months: pd.DataFrame,
    *,
    horizon_months: int = 12,
    as_of: Any = None,
    participants: pd.DataFrame | None = None,
    keep_columns: Sequence[str] = (),
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

    ``participants`` (the validated participants table), when given, adds its declared
    baseline columns (those of the participants schema) and the extra columns named in
    ``keep_columns``; a column that looks like a direct identifier (a name, BSN, address,
    postcode, birth date, phone, e-mail or IBAN) is refused even when named
    (:func:`~participatie_rct.estimate.outcome_columns.with_baseline`).

    Returns
    -------
    pandas.DataFrame
        ``participant``, ``arm``, the columns in :data:`OUTCOME_COLUMNS`, then the other
        columns of ``assignments``; one row per participant, in the order of ``assignments``.
    """
    horizon = _horizon(horizon_months)
    people = _people(assignments)
    month0 = month_index(
        pd.Series(people["assigned_at"]), table="assignments", column="assigned_at"
    ).to_numpy()
    benefit_months = _with_participant(benefit_months)
    rows = _person_months(benefit_months)
    end, rows = _data_end(rows, as_of)
    panel = align(people["participant"], month0, rows, end)
    del rows  # the panel holds what is needed, sorted
    table = _assemble(
        people, outcome_columns(panel, horizon), _work_hook(benefit_months, month0, end, horizon)
    )
    if participants is None:
        if keep_columns:
            raise EstimationError(
                "keep_columns names participant columns, so pass the participants table too."
            )
        return table
    from participatie_rct.estimate.outcome_columns import with_baseline

    return with_baseline(table, participants, keep=keep_columns)


def _work_hook(
    benefit_months: pd.DataFrame, month0: np.ndarray, end: int, horizon: int
) -> Callable[[pd.DataFrame], pd.DataFrame] | None:
    """The hours-based work outcomes, when the benefit months carry hours or amounts."""
    columns = benefit_months.columns
    if "hours_band" not in columns and "benefit_amount" not in columns:
        return None
    from participatie_rct.estimate.work_outcomes import add_work_outcomes

    def work(out: pd.DataFrame) -> pd.DataFrame:
        return add_work_outcomes(out, benefit_months, month0, end=end, horizon=horizon)

    return work


def _horizon(horizon_months: Any) -> int:
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise EstimationError(
            f"horizon_months must be a whole number of months >= 1; got {horizon_months!r}."
        )
    return int(horizon_months)


def _people(assignments: pd.DataFrame) -> pd.DataFrame:
    """The register's assignments, one row per participant, with ``month0`` (month index)."""
    _require(assignments, ("participant", "arm", "assigned_at"), table="assignments")
    repeated = assignments["participant"].duplicated()
    if repeated.any():
        dup = assignments.loc[repeated, "participant"].head(3).tolist()
        raise EstimationError(
            f"assignments, column 'participant': {int(repeated.sum())} participant(s) appear "
            f"more than once (e.g. {dup}). The register holds one assignment per "
            "participant; pass its export unchanged."
        )
    people = assignments.reset_index(drop=True).copy()
    people["participant"] = people["participant"].astype(str)
    return people


def _with_participant(benefit_months: pd.DataFrame) -> pd.DataFrame:
    """The benefit months with their identifier named ``participant`` (an ``id`` renamed)."""
    if "participant" not in benefit_months.columns and "id" in benefit_months.columns:
        return benefit_months.rename(columns={"id": "participant"})
    return benefit_months


def _person_months(months: pd.DataFrame) -> PersonMonths:
    """The benefit months as arrays: participant code, month index, on, reason, earnings."""
    _require(months, ("participant", "month", "on_benefit"), table="benefit_months")
    # distinct ids made text once, not every row (a person has many months)
    codes, ids = pd.factorize(months["participant"], use_na_sentinel=False)
    n = len(months)
    return PersonMonths(
        person=codes.astype(np.int32),
        ids=np.asarray(pd.Index(ids).astype(str), dtype=object),
        m=month_index(pd.Series(months["month"]), table="benefit_months", column="month")
        .to_numpy()
        .astype(np.int32),
        on=_on_benefit(months["on_benefit"]),
        reason=_reason_codes(months["exit_reason"])
        if "exit_reason" in months.columns
        else np.zeros(n, dtype=np.int8),
        earn=pd.to_numeric(months["earnings"], errors="coerce").to_numpy(dtype=float)
        if "earnings" in months.columns
        else np.full(n, np.nan),
    )


def _data_end(rows: PersonMonths, as_of: Any) -> tuple[int, PersonMonths]:
    """The data's last month (``as_of`` or the last month seen) and the rows up to it."""
    if as_of is not None:
        end = int(month_index(pd.Series([as_of]), table="as_of", column="as_of").iloc[0])
        rows = rows.take(rows.m <= end)
    elif len(rows.m):
        end = int(rows.m.max())
    else:
        raise EstimationError(
            "benefit_months is empty and no as_of was given, so the data's end is unknown. "
            "Pass the benefit months or as_of."
        )
    _refuse_repeats(rows)
    return end, rows


def _refuse_repeats(rows: PersonMonths) -> None:
    if not len(rows.m):
        return
    low = int(rows.m.min())
    key = rows.person.astype(np.int64) * (int(rows.m.max()) - low + 1) + (rows.m - low)
    if np.all(key[1:] > key[:-1]):  # sorted by person and month, as exports come: no repeat
        return
    repeated = pd.Series(key).duplicated().to_numpy()
    if repeated.any():
        raise EstimationError(
            f"benefit_months: {int(repeated.sum())} row(s) repeat a participant and month (e.g. "
            f"row {rows.input_row(int(np.flatnonzero(repeated)[0])) + 1}). Keep one row "
            "per person "
            "and month."
        )


def _assemble(
    people: pd.DataFrame,
    outcomes: dict[str, Any],
    work: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """``participant``, ``arm``, the outcome columns (then ``work``'s, when the months have
    hours or benefit amounts), then the assignments' other columns."""
    out = pd.DataFrame(
        {
            "participant": people["participant"].to_numpy(),
            "arm": people["arm"].to_numpy(),
            **{name: outcomes[name] for name in OUTCOME_COLUMNS},
        },
        copy=False,
    )
    if work is not None:
        out = work(out)
    extra = [c for c in people.columns if c not in out.columns]
    return pd.concat([out, people[extra].reset_index(drop=True)], axis=1)
