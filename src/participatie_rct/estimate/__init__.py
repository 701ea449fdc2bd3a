"""Effect estimation on DataFrames: pure functions in, immutable result objects out.

No files, no database, no printing: a statistician can use these without a register.

* :func:`build_outcomes` - per-participant outcomes from assignments and benefit months
* :func:`itt` - every arm against control (OLS with HC/CR variances, strata fixed effects,
  Lin adjustment, or the design-based difference in means), Holm-adjusted p-values
* :func:`logit_ame`, :func:`cace`, :func:`subgroup_effects`, :func:`lee_bounds` -
  sensitivity analyses, complier effects, effects within subgroups, bounds under attrition
* :func:`balance` - covariate balance by arm with a joint test of orthogonality;
  :func:`standardized_mean_difference` and :func:`neyman_std_error` - the one copy of each
* every result follows one contract (``to_frame``, ``glance``, ``to_dict``; see
  :mod:`participatie_rct.tidy`), and one resolver (:mod:`.arms`) picks the control arm
* :func:`randomization_inference` - re-draws the trial's own assignment procedure
* :func:`family_p_values` - Westfall-Young and Romano-Wolf over arms x outcomes
* :func:`holm`, :func:`bonferroni` - multiplicity adjustments
* :func:`kaplan_meier`, :func:`logrank`, :func:`rmst`, :func:`cox`, :func:`cumulative_incidence`,
  :func:`gray_test`, :func:`fine_gray` - outflow as time to event with competing exits
* :func:`person_months`, :func:`panel_effects` - the monthly panel
"""

from __future__ import annotations

# Eager imports: several functions share their module's name (itt, balance), and binding
# them here keeps ``participatie_rct.estimate.itt`` the function whatever is imported later.
from participatie_rct.estimate.balance import BalanceResult, balance

# outflow over time: survival curves, competing exits, the monthly panel
from participatie_rct.estimate.competing import cumulative_incidence, fine_gray, gray_test
from participatie_rct.estimate.cox import cause_specific_cox, cox
from participatie_rct.estimate.dim import difference_in_means, neyman_std_error
from participatie_rct.estimate.family import FamilyResult, family_p_values
from participatie_rct.estimate.inference import RandomizationResult, randomization_inference
from participatie_rct.estimate.itt import itt
from participatie_rct.estimate.iv import CACEResult, cace
from participatie_rct.estimate.km import kaplan_meier
from participatie_rct.estimate.lee import LeeBoundsResult, lee_bounds
from participatie_rct.estimate.logit import logit_ame
from participatie_rct.estimate.logrank import logrank
from participatie_rct.estimate.missing import MissingPolicy
from participatie_rct.estimate.multiplicity import bonferroni, holm
from participatie_rct.estimate.outcomes import build_outcomes
from participatie_rct.estimate.panel import months_off_benefit, panel_effects, person_months
from participatie_rct.estimate.results import Effect, EffectsResult, ITTResult
from participatie_rct.estimate.rmst import rmst
from participatie_rct.estimate.smd import standardized_mean_difference
from participatie_rct.estimate.subgroups import SubgroupResult, subgroup_effects
from participatie_rct.estimate.survival_analysis import SurvivalAnalysis, survival_analysis
from participatie_rct.estimate.survival_results import (
    CoxResult,
    CumulativeIncidenceResult,
    FineGrayResult,
    GrayTestResult,
    KaplanMeierResult,
    LogrankResult,
    PanelResult,
    ProportionalHazardsResult,
    RMSTResult,
)

__all__ = [
    "BalanceResult",
    "CACEResult",
    "CoxResult",
    "CumulativeIncidenceResult",
    "Effect",
    "EffectsResult",
    "FamilyResult",
    "FineGrayResult",
    "GrayTestResult",
    "ITTResult",
    "KaplanMeierResult",
    "LeeBoundsResult",
    "LogrankResult",
    "MissingPolicy",
    "PanelResult",
    "ProportionalHazardsResult",
    "RMSTResult",
    "RandomizationResult",
    "SubgroupResult",
    "SurvivalAnalysis",
    "balance",
    "bonferroni",
    "build_outcomes",
    "cace",
    "cause_specific_cox",
    "cox",
    "cumulative_incidence",
    "difference_in_means",
    "family_p_values",
    "fine_gray",
    "gray_test",
    "holm",
    "itt",
    "kaplan_meier",
    "lee_bounds",
    "logit_ame",
    "logrank",
    "months_off_benefit",
    "neyman_std_error",
    "panel_effects",
    "person_months",
    "randomization_inference",
    "rmst",
    "standardized_mean_difference",
    "subgroup_effects",
    "survival_analysis",
]
