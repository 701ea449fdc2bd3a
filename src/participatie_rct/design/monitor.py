"""Where a running trial stands at a look: information, boundary, crossing, conditional power.

Information is counted by **matured follow-up**, not by enrolment: a participant adds to the
information once their H-month outcome is observed (``matured`` is true and ``outflow_work``
is known, as :func:`participatie_rct.estimate.build_outcomes` reports them). The information
fraction is

    t = (participants with an observed H-month outcome) / (planned number of participants)

capped at 1. For a difference in proportions the statistical information is ``1 / Var``,
which is proportional to the number of matured participants when the arms fill in the
planned ratio and the outcome rates stay put, so this count is the usual working measure.

The boundary of the current look is recomputed from the spending function at the fractions
actually observed at every look so far (Lan and DeMets 1983: the spending function, not the
schedule, is fixed in advance). At the last planned look, or once ``t`` reaches 1, all the
remaining alpha is spent.

The test statistic of each arm against the control is the difference in outflow-to-work
proportions over its Neyman (HC2) standard error ``sqrt(s1^2/n1 + s0^2/n0)``. With several
arms, ``correction="holm"`` (the default) steps down from ``alpha / K`` (Maurer and Bretz 2013,
:mod:`participatie_rct.design.sequential_holm`); ``"bonferroni"`` tests each at ``alpha / K``.

Conditional power uses the B-value of Lan and Wittes (1988): ``B(t) = Z(t) sqrt(t)`` is
Brownian motion with drift ``theta`` (the expected ``Z`` at full information), so

    CP = P(|B(1)| >= c | B(t)) ,  B(1) - B(t) ~ N(theta (1 - t), 1 - t)

with ``c`` the final critical value when no further interim look is taken. ``theta`` is the
current trend ``Z(t) / sqrt(t)`` or the planned effect divided by its standard error at the
planned size (the control rate taken from the matured control group).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import norm

from participatie_rct.choices import Correction, Spending, parse_choice
from participatie_rct.design.boundaries import (
    BoundaryResult,
    Look,
    critical_values,
)
from participatie_rct.design.boundaries import (  # re-exported: it lived here before
    planned_previous_information as planned_previous_information,
)
from participatie_rct.design.sequential_holm import holm_step_down
from participatie_rct.design.spending import DEFAULT_HSD_GAMMA, check_alpha, spent_alpha
from participatie_rct.errors import DesignError
from participatie_rct.estimate.dim import neyman_std_error
from participatie_rct.tidy import TidyResult

if TYPE_CHECKING:
    import pandas as pd

#: columns monitor_status needs in its outcomes frame
REQUIRED_COLUMNS: tuple[str, ...] = ("arm", "outflow_work", "matured")


@dataclass(frozen=True)
class Comparison:
    """One treatment arm against the control at the current look."""

    arm: str
    n: int
    n_control: int
    outflow: float
    outflow_control: float
    estimate: float
    std_error: float
    statistic: float
    crossed: bool
    conditional_power_trend: float
    conditional_power_design: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, repr=False)
class MonitorStatus(TidyResult):
    """The state of a group-sequential trial at one look.

    ``boundary`` holds every look so far (the current one last), recomputed at the observed
    information fractions. ``crossed`` is true when any comparison's ``|Z|`` reaches the
    current look's critical value.
    """

    _title = "Interim monitoring"

    look: int
    information: float
    n_observed: int
    n_assigned: int
    target_n: int
    final: bool
    boundary: BoundaryResult
    comparisons: tuple[Comparison, ...]
    control: str
    alpha: float
    alpha_per_comparison: float
    correction: Correction
    spending: Spending
    gamma: float | None
    planned_looks: int | None
    planned_effect: float | None
    horizon_months: int | None
    final_z: float
    settings: dict[str, Any] = field(default_factory=dict)
    adjusted: bool = False  # a covariate-adjusted z? Never here: the Neyman z of the shares

    @property
    def z_boundary(self) -> float:
        """Critical value of ``|Z|`` at this look."""
        return self.boundary.looks[-1].z

    @property
    def crossed(self) -> bool:
        return any(c.crossed for c in self.comparisons)

    def to_frame(self) -> pd.DataFrame:
        """One row per treatment arm, with the look's boundary beside each statistic."""
        import pandas as pd

        rows = [
            {
                "look": self.look,
                "information": self.information,
                **c.to_dict(),
                "z_boundary": self.z_boundary,
                "p_nominal": self.boundary.looks[-1].p_nominal,
            }
            for c in self.comparisons
        ]
        return pd.DataFrame(rows)

    def glance(self) -> dict[str, Any]:
        """Look-level facts: look number, information, counts, boundary, settings."""
        current = self.boundary.looks[-1]
        return {
            "look": self.look,
            "information": self.information,
            "n_observed": self.n_observed,
            "n_assigned": self.n_assigned,
            "target_n": self.target_n,
            "final": self.final,
            "z_boundary": current.z,
            "p_nominal": current.p_nominal,
            "alpha_cumulative": current.alpha_cumulative,
            "crossed": self.crossed,
            "final_z": self.final_z,
            "adjusted": self.adjusted,
            "control": self.control,
            "alpha": self.alpha,
            "alpha_per_comparison": self.alpha_per_comparison,
            "correction": self.correction.value,
            "spending": self.spending.value,
            "gamma": self.gamma,
            "planned_looks": self.planned_looks,
            "planned_effect": self.planned_effect,
            "horizon_months": self.horizon_months,
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``monitor status --format json`` object."""
        return {
            **self.glance(),
            "looks": [look.to_dict() for look in self.boundary.looks],
            "comparisons": [c.to_dict() for c in self.comparisons],
            "settings": dict(self.settings),
        }

    def summary(self) -> str:
        """What an evaluator reads: information so far, boundary, each arm's Z and CP."""
        look = self.boundary.looks[-1]
        kind = "final analysis" if self.final else "interim look"
        lines = [
            f"Look {self.look} ({kind}): information {self.information:.3f} "
            f"({self.n_observed} of {self.target_n} planned participants with a matured outcome; "
            f"{self.n_assigned} assigned)",
            f"Boundary |Z| >= {look.z:.4f} (nominal p {look.p_nominal:.6f}, alpha spent "
            f"{look.alpha_cumulative:.6f} of {self.alpha_per_comparison:.6g} per comparison)",
        ]
        for c in self.comparisons:
            verdict = "CROSSED" if c.crossed else "not crossed"
            cp = ""
            if not self.final:
                cp = f"; conditional power: trend {c.conditional_power_trend:.3f}"
                if not math.isnan(c.conditional_power_design):
                    cp += f", design {c.conditional_power_design:.3f}"
            lines.append(
                f"  {c.arm} vs {self.control}: {c.outflow:.3f} vs {c.outflow_control:.3f}, "
                f"difference {c.estimate:+.3f} (se {c.std_error:.3f}), "
                f"Z {c.statistic:.3f}: {verdict}{cp}"
            )
        lines.append(f"Z is {'' if self.adjusted else 'not '}covariate-adjusted.")
        return "\n".join(lines)


def monitor_status(
    outcomes: pd.DataFrame,
    *,
    control: str,
    target_n: int,
    alpha: float = 0.05,
    spending: Spending | str = Spending.OBRIEN_FLEMING,
    gamma: float | None = None,
    previous_information: Sequence[float] = (),
    planned_looks: int | None = None,
    planned_effect: float | None = None,
    correction: Correction | str = Correction.HOLM,
    horizon_months: int | None = None,
) -> MonitorStatus:
    """The interim look now: information fraction, boundary, Z per arm, crossing, conditional power.

    Parameters
    ----------
    outcomes
        One row per assigned participant with ``arm``, ``matured`` and ``outflow_work``
        (0/1, NaN when not known), as ``participatie_rct.estimate.build_outcomes`` returns.
    control
        The control arm's key.
    target_n
        Planned number of participants, all arms together: the denominator of the
        information fraction.
    previous_information
        Information fractions observed at the earlier looks, in order (empty at the first look).
    planned_looks
        Looks planned in all (interim looks + final). At the last one all alpha is spent.
    planned_effect
        The difference in outflow-to-work proportions the trial was designed to detect; gives
        the conditional power under the design (NaN without it).
    correction
        ``holm`` (step-down from ``alpha / K``), ``bonferroni`` (``alpha / K`` each) or ``none``.
    """
    kind = parse_choice(Spending, spending, parameter="spending")
    corr = parse_choice(Correction, correction, parameter="correction")
    check_alpha(alpha)
    if kind is Spending.HSD and gamma is None:
        gamma = DEFAULT_HSD_GAMMA
    if not isinstance(target_n, int) or isinstance(target_n, bool) or target_n < 2:
        raise DesignError(
            f"target_n (planned participants, all arms) must be a whole number >= 2; "
            f"got {target_n!r}."
        )
    frame = _check_outcomes(outcomes, control)
    arms = [a for a in _arm_order(frame["arm"]) if a != control]
    a = alpha / len(arms) if corr is not Correction.NONE else alpha

    observed = frame[frame["_observed"]]
    n_observed = len(observed)
    information = min(1.0, n_observed / target_n)
    previous = _fractions(previous_information)
    if planned_looks is not None and (
        not isinstance(planned_looks, int) or isinstance(planned_looks, bool) or planned_looks < 1
    ):
        raise DesignError(
            f"planned_looks must be a whole number >= 1 (interim looks + the final one); "
            f"got {planned_looks!r}."
        )
    if planned_effect is not None and not (
        isinstance(planned_effect, int | float) and 0 < abs(planned_effect) < 1
    ):
        raise DesignError(
            f"planned_effect must be a difference in outflow proportions, non-zero and between "
            f"-1 and 1 (e.g. 0.055); got {planned_effect!r}."
        )
    if any(not (0 < v <= 1) for v in previous) or any(
        b <= x for x, b in itertools.pairwise(previous)
    ):
        raise DesignError(
            f"previous_information must increase strictly within (0, 1]; got {list(previous)}."
        )
    if n_observed == 0:
        raise DesignError(
            "no participant has a matured outcome yet (column 'matured' is false or "
            "'outflow_work' is empty everywhere): there is no information to look at. "
            "Wait until the first participants complete their follow-up."
        )
    if previous and information <= previous[-1]:
        raise DesignError(
            f"information now ({information:.4f}: {n_observed} of {target_n}) is not above the "
            f"previous look's ({previous[-1]:.4f}): nothing new to look at."
        )
    look = len(previous) + 1
    if planned_looks is not None and look > planned_looks:
        raise DesignError(
            f"this would be look {look} but only {planned_looks} looks are planned; the final "
            "analysis has been done."
        )
    final = information >= 1.0 or (planned_looks is not None and look == planned_looks)
    fractions = np.array([*previous, information])
    cumulative = spent_alpha(fractions, alpha=a, spending=kind, gamma=gamma)
    if final:
        cumulative[-1] = a  # the final analysis spends whatever is left
    z = critical_values(fractions, cumulative)
    boundary = _boundary(fractions, z, cumulative, a, kind, gamma)

    if final:
        final_z = float(z[-1])
    else:
        ahead = np.array([*fractions, 1.0])
        final_z = float(critical_values(ahead, np.append(cumulative, a))[-1])

    shares = frame["arm"].value_counts(normalize=True)
    comparisons = tuple(
        _compare(
            observed,
            arm,
            control,
            z=float(z[-1]),
            final_z=final_z,
            t=information,
            final=final,
            planned_effect=planned_effect,
            n_arm_full=target_n * float(shares.get(arm, 0.0)),
            n_control_full=target_n * float(shares.get(control, 0.0)),
        )
        for arm in arms
    )
    if corr is Correction.HOLM:
        comparisons = holm_step_down(comparisons, fractions, alpha, kind, gamma, final)
    return MonitorStatus(
        look=look,
        information=information,
        n_observed=n_observed,
        n_assigned=len(frame),
        target_n=target_n,
        final=final,
        boundary=boundary,
        comparisons=comparisons,
        control=control,
        alpha=float(alpha),
        alpha_per_comparison=float(a),
        correction=corr,
        spending=kind,
        gamma=gamma,
        planned_looks=planned_looks,
        planned_effect=planned_effect,
        horizon_months=horizon_months,
        final_z=final_z,
    )


def conditional_power(z: float, t: float, *, theta: float, critical: float) -> float:
    """Lan and Wittes (1988) conditional power of a two-sided test at full information.

    ``z`` is the current statistic at information fraction ``t``, ``theta`` the drift (the
    expected ``Z`` at ``t = 1``) and ``critical`` the final critical value of ``|Z|``.

    >>> round(conditional_power(2.0, 0.5, theta=2.0 / math.sqrt(0.5), critical=1.96), 4)
    0.8903
    """
    if not (0 < t < 1):
        return math.nan
    b = z * math.sqrt(t)  # B-value, Lan and Wittes (1988), eq. 1
    mean = b + theta * (1.0 - t)
    sd = math.sqrt(1.0 - t)
    return float(norm.sf((critical - mean) / sd) + norm.cdf((-critical - mean) / sd))


def _boundary(
    fractions: np.ndarray,
    z: np.ndarray,
    cumulative: np.ndarray,
    a: float,
    kind: Spending,
    gamma: float | None,
) -> BoundaryResult:
    looks = tuple(
        Look(
            information=float(t),
            z=float(c),
            alpha_cumulative=float(s),
            p_nominal=float(2.0 * norm.sf(c)) if math.isfinite(c) else 0.0,
        )
        for t, c, s in zip(fractions, z, cumulative, strict=True)
    )
    return BoundaryResult(looks=looks, alpha=float(a), spending=kind, gamma=gamma)


def _compare(
    observed: pd.DataFrame,
    arm: str,
    control: str,
    *,
    z: float,
    final_z: float,
    t: float,
    final: bool,
    planned_effect: float | None,
    n_arm_full: float,
    n_control_full: float,
) -> Comparison:
    y1 = observed.loc[observed["arm"] == arm, "outflow_work"].to_numpy(dtype=float)
    y0 = observed.loc[observed["arm"] == control, "outflow_work"].to_numpy(dtype=float)
    n1, n0 = len(y1), len(y0)
    p1 = float(y1.mean()) if n1 else math.nan
    p0 = float(y0.mean()) if n0 else math.nan
    estimate = p1 - p0
    se = neyman_std_error(y1, y0)  # sqrt(s1^2/n1 + s0^2/n0); NaN below two per arm
    stat = estimate / se if se > 0 else math.nan
    crossed = bool(math.isfinite(stat) and abs(stat) >= z)
    cp_trend = cp_design = math.nan
    if not final and math.isfinite(stat):
        cp_trend = conditional_power(stat, t, theta=stat / math.sqrt(t), critical=final_z)
        if (
            planned_effect is not None
            and math.isfinite(p0)
            and n_arm_full > 0
            and n_control_full > 0
        ):
            pt = min(max(p0 + planned_effect, 0.0), 1.0)
            se_full = math.sqrt(pt * (1 - pt) / n_arm_full + p0 * (1 - p0) / n_control_full)
            if se_full > 0:
                cp_design = conditional_power(
                    stat, t, theta=planned_effect / se_full, critical=final_z
                )
    return Comparison(
        arm=arm,
        n=n1,
        n_control=n0,
        outflow=p1,
        outflow_control=p0,
        estimate=estimate,
        std_error=se,
        statistic=stat,
        crossed=crossed,
        conditional_power_trend=cp_trend,
        conditional_power_design=cp_design,
    )


def _fractions(values: Sequence[float]) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise DesignError(
            f"previous_information must be numbers (the information fractions of the earlier "
            f"looks, e.g. 0.3, 0.6); got {list(values)!r}."
        ) from None


def _arm_order(arms: pd.Series) -> list[str]:
    seen: dict[str, None] = {}
    for value in arms:
        seen.setdefault(str(value), None)
    return sorted(seen)


def _check_outcomes(outcomes: pd.DataFrame, control: str) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(outcomes, pd.DataFrame):
        raise DesignError(f"outcomes must be a pandas DataFrame; got {type(outcomes).__name__}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in outcomes.columns]
    if missing:
        raise DesignError(
            f"outcomes lacks column(s) {', '.join(repr(c) for c in missing)}: monitoring needs one "
            "row per participant with 'arm', 'matured' and 'outflow_work', as "
            "participatie_rct.estimate.build_outcomes returns."
        )
    frame = outcomes.loc[:, list(REQUIRED_COLUMNS)].copy()
    frame["arm"] = frame["arm"].astype(str)
    if control not in set(frame["arm"]):
        found = ", ".join(repr(a) for a in _arm_order(frame["arm"]))
        raise DesignError(
            f"column 'arm' has no row of the control arm {control!r} (arms found: {found}). "
            "Give the control arm's key as the protocol names it."
        )
    if frame["arm"].nunique() < 2:
        raise DesignError("column 'arm' holds only the control arm: there is nothing to compare.")
    outflow = pd.to_numeric(frame["outflow_work"], errors="coerce")
    not_numeric = outflow.isna() & frame["outflow_work"].notna()
    bad = frame.index[not_numeric | (outflow.notna() & ~outflow.isin([0.0, 1.0]))]
    if len(bad):
        raise DesignError(
            f"column 'outflow_work' must be 0, 1 or empty; {len(bad)} rows are not "
            f"(first value {frame.loc[bad[0], 'outflow_work']!r} in row {bad[0]})."
        )
    frame["outflow_work"] = outflow
    matured = frame["matured"].astype(object).where(frame["matured"].notna(), False)
    odd = ~matured.isin([True, False])  # 0/1 and numpy booleans compare equal to these
    if odd.any():
        first = matured[odd].index[0]
        raise DesignError(
            f"column 'matured' must be true or false; {int(odd.sum())} rows are not "
            f"(first value {matured[first]!r} in row {first})."
        )
    matured = matured.astype(bool)
    frame["_observed"] = matured & outflow.notna()
    return frame
