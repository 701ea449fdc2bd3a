"""Effect estimation on DataFrames: pure functions in, immutable result objects out.

No files, no database, no printing: a statistician can use these without a register.

* :func:`build_outcomes` - per-participant outcomes from assignments and benefit months
* :func:`itt` - every arm against control (OLS with HC/CR variances, strata fixed effects,
  Lin adjustment, or the design-based difference in means), Holm-adjusted p-values
* :func:`logit_ame`, :func:`cace`, :func:`subgroup_effects`, :func:`lee_bounds` -
  sensitivity analyses, complier effects, effects within subgroups, bounds under attrition
* :func:`balance` - covariate balance by arm with a joint test of orthogonality
* :func:`randomization_inference` - re-draws the trial's own assignment procedure
* :func:`holm`, :func:`bonferroni` - multiplicity adjustments
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Eager imports: several functions share their module's name (itt, balance), and binding
# them here keeps ``participatie_rct.estimate.itt`` the function whatever is imported later.
from participatie_rct.estimate.balance import BalanceResult, balance
from participatie_rct.estimate.dim import difference_in_means
from participatie_rct.estimate.inference import RandomizationResult, randomization_inference
from participatie_rct.estimate.itt import itt
from participatie_rct.estimate.iv import CACEResult, cace
from participatie_rct.estimate.lee import LeeBoundsResult, lee_bounds
from participatie_rct.estimate.logit import logit_ame
from participatie_rct.estimate.missing import MissingPolicy
from participatie_rct.estimate.multiplicity import bonferroni, holm
from participatie_rct.estimate.outcomes import build_outcomes
from participatie_rct.estimate.results import Effect, EffectsResult, ITTResult
from participatie_rct.estimate.subgroups import SubgroupResult, subgroup_effects

__all__ = [
    "BalanceResult",
    "CACEResult",
    "Effect",
    "EffectsResult",
    "ITTResult",
    "LeeBoundsResult",
    "MissingPolicy",
    "RandomizationResult",
    "SubgroupResult",
    "balance",
    "bonferroni",
    "build_outcomes",
    "cace",
    "difference_in_means",
    "holm",
    "itt",
    "lee_bounds",
    "logit_ame",
    "randomization_inference",
    "subgroup_effects",
]

#: other areas' public names -> module (imported on first use)
_EXPORTS: dict[str, str] = {
    # --- survival and panel (issue: outflow over time): add names below this line ---
    # --- end of survival and panel ---
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'participatie_rct.estimate' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ += list(_EXPORTS)
