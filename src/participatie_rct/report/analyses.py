"""What a report renders: the results of a trial's analyses, computed before any rendering.

:class:`ReportAnalyses` is filled by :class:`participatie_rct.trial.Trial` (which runs the
estimators of :mod:`participatie_rct.estimate` and :mod:`participatie_rct.design`) and read
by the report sections, which only turn it into text, tables and figures. An analysis that
could not run is an :class:`Unavailable` that carries the reason, so a section shows a
sentence instead of an empty table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from participatie_rct.choices import ReportKind
    from participatie_rct.design.boundaries import BoundaryResult
    from participatie_rct.design.looks import RecordedLook
    from participatie_rct.design.monitor import MonitorStatus
    from participatie_rct.protocol import OutcomeFamily, Protocol
    from participatie_rct.report.consort import ConsortCounts


@dataclass(frozen=True)
class Unavailable:
    """An analysis that could not be run, with the reason in the estimator's own words."""

    reason: str


@dataclass(frozen=True)
class SurveyWave:
    """One follow-up wave of the survey: who was due and answered, and the effects per outcome.

    ``data`` has one row per participant due at this wave (``arm``, ``responded``);
    ``effects`` maps a survey outcome to its ITT frame (or why it could not be estimated).
    """

    wave: int
    data: pd.DataFrame
    effects: Mapping[str, pd.DataFrame | Unavailable]


@dataclass(frozen=True)
class Interim:
    """The interim look as ``monitor status`` computes it, with the earlier looks it assumed."""

    status: MonitorStatus | Unavailable
    previous_information: tuple[float, ...] = ()
    assumed: bool = False
    #: where the earlier looks came from: none, register, given or assumed
    source: str = "none"


@dataclass(frozen=True)
class ReferenceGroup:
    """Invitees who declined, followed in the benefit data: a non-randomized comparison.

    ``n`` decliners invited by the as-of date whose benefit months were delivered,
    ``n_matured`` of them with ``horizon`` months of follow-up, ``n_outflow`` of those who left
    benefit for work within the horizon (counted from the invitation).
    """

    n: int
    n_matured: int
    n_outflow: int
    horizon: int


@dataclass(frozen=True)
class FamilyEstimates:
    """One declared outcome family: the ITT of every arm on each outcome, Holm within the family.

    ``effects`` maps each outcome with data to its ITT frame (``p_holm`` over the family's
    arms x outcomes, every declared outcome counted) or why it could not be estimated;
    ``missing`` maps an outcome the data cannot give to the i18n key of the reason (no hours
    band, no survey, not followed long enough). ``data`` holds per participant ``arm`` and
    each outcome's values, from which a report counts what an effect rests on; ``kinds`` says
    per outcome ``share`` (0/1), ``fraction`` (a mean of shares), ``mean`` or ``amount``
    (euros). ``adjusted`` holds the
    Westfall-Young and Romano-Wolf p-values (a final report's secondary families), with
    ``resampling`` naming how the null distribution was drawn; ``waves`` the survey wave of
    each survey outcome.
    """

    family: OutcomeFamily
    effects: Mapping[str, pd.DataFrame | Unavailable]
    data: pd.DataFrame
    kinds: Mapping[str, str]
    missing: Mapping[str, str] = field(default_factory=dict)
    adjusted: pd.DataFrame | Unavailable | None = None
    resampling: str = ""
    n_draws: int = 0
    waves: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportAnalyses:
    """Every analysis result a report shows, for one trial at one as-of date.

        Frames of effects are the tidy ``to_frame()`` of the estimators' results (one row per
    arm); ``baseline`` holds per baseline characteristic and arm the people with a value,
    their sum, mean and standardized mean difference against control; ``curves`` maps an exit
    code (1 work, 2 part-time work, 3 other) to the cumulative incidence per arm and month
    with its interval. ``people`` holds the assigned participants with intake on or before
    ``as_of`` (with baseline columns), ``outcomes`` their outcomes at the horizon.
    """

    protocol: Protocol
    kind: ReportKind
    as_of: dt.date
    end: pd.Period
    people: pd.DataFrame
    outcomes: pd.DataFrame
    benefit_months: pd.DataFrame
    consort: ConsortCounts
    itt: pd.DataFrame | Unavailable
    itt_long: pd.DataFrame | Unavailable | None
    n_long: int
    per_site: Mapping[str, pd.DataFrame | Unavailable]
    heterogeneity: pd.DataFrame | None
    curves: Mapping[int, pd.DataFrame | Unavailable]
    max_month: int
    cox: pd.DataFrame | Unavailable
    logrank: Mapping[str, float] | Unavailable
    gray: Mapping[str, float] | Unavailable
    baseline: pd.DataFrame
    joint_balance: pd.DataFrame | Unavailable | None
    survey: tuple[SurveyWave, ...]
    interim: Interim | None
    strata: tuple[str, ...]
    covariates: tuple[str, ...]
    missing_baseline: int = 0
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: outcomes at twice the horizon (final report), to decide which long-run effects may show
    outcomes_long: pd.DataFrame | None = None
    #: per arm the minimum detectable effect on outflow to work at the size achieved
    mde: Mapping[str, float | Unavailable] = field(default_factory=dict)
    #: per baseline characteristic level, its printed name per language (from the data schema)
    characteristic_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: a final report's planned group-sequential boundary (interim looks, then the final)
    final_boundary: BoundaryResult | None = None
    #: the trial was unsealed (its secret is public); a final report then prints the secret
    unsealed: bool = False
    unsealed_secret: str | None = field(default=None, repr=False)
    #: decliners followed in the benefit data (None: the register or the data hold none)
    reference: ReferenceGroup | None = None
    #: the interim looks the register records as held (a final report lists them)
    looks: tuple[RecordedLook, ...] = ()
    #: the protocol's declared outcome families (empty when it declares none)
    families: tuple[FamilyEstimates, ...] = ()

    @property
    def analysed(self) -> pd.Series:
        """Per assigned participant: whether the outcome at the horizon is known."""
        return self.outcomes["outflow_work"].notna()
