"""Randomization inference and Westfall-Young / Romano-Wolf, ours beside the peers.

On the same data, from one run: our randomization inference (2,000 re-draws at n = 10,000,
replaying the registered design) beside a naive loop that re-draws with the procedure and
refits with statsmodels, and beside pyfixest's ``ritest`` on its fast path (which permutes the
treatment column as a whole: it does not respect strata or blocks); minimization, which
must be replayed one arrival at a time, gets its own figure. Then Westfall-Young and
Romano-Wolf over four outcomes, ours beside pyfixest's ``wyoung`` / ``rwolf``. Each line ends
with the ratio peer / ours. pyfixest comes with the ``bench`` extra (``make bench`` installs
it); without it those lines say so and are skipped.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.harness import measure

N = 10_000
DRAWS = 2_000
STRATA = 20
FAMILY_N = 2_000
FAMILY_DRAWS = 500


def _units(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "site": rng.integers(0, STRATA, n).astype(str),
            "x": rng.normal(size=n),
            "age": rng.choice(["young", "old"], n),
            "sex": rng.choice(["m", "v"], n),
        }
    )


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _naive(procedure: Any, data: pd.DataFrame, draws: int) -> np.ndarray:
    """Re-draw with the procedure and refit with statsmodels, one draw at a time."""
    import statsmodels.api as sm

    out = np.empty(draws)
    y = data["y"].to_numpy()
    for i, child in enumerate(np.random.default_rng(7).spawn(draws)):
        arms = procedure.draw(data, rng=child)
        X = pd.get_dummies(arms, drop_first=True, dtype=float)
        out[i] = sm.OLS(y, sm.add_constant(X.to_numpy())).fit().params[1]
    return out


def _pyfixest_ritest(data: pd.DataFrame, dummy: str, draws: int) -> Any:
    """pyfixest's fast path: the dummy column permuted as a whole (no strata)."""
    import pyfixest as pf

    fit = pf.feols(f"y ~ {' + '.join(c for c in data.columns if c.startswith('d_'))}", data=data)
    rng = np.random.default_rng(7)
    return fit.ritest(resampvar=dummy, reps=draws, type="randomization-c", rng=rng)


def _ours(label: str, procedure: Any, n: int, draws: int) -> tuple[Any, pd.DataFrame, Any]:
    """A trial of ``n`` drawn with ``procedure``, and our randomization inference timed on it:
    the arms, the data, the measurement."""
    from participatie_rct.estimate.inference import randomization_inference

    units = _units(n)
    arms = procedure.draw(units, rng=np.random.default_rng(2))
    data = units.assign(arm=arms, y=np.random.default_rng(3).normal(size=n))
    m = measure(
        f"ri ours, {label}",
        lambda: randomization_inference(
            data,
            outcome="y",
            treatment="arm",
            procedure=procedure,
            n_draws=draws,
            rng=np.random.default_rng(4),
        ),
    )
    return arms, data, m


def _design_case(label: str, procedure: Any, have_pyfixest: bool) -> None:
    arms, data, ours = _ours(label, procedure, N, DRAWS)
    naive_s, _ = _timed(lambda: _naive(procedure, data, DRAWS))
    print(
        f"{'ri naive re-draw + statsmodels refit, ' + label:<60} {naive_s:9.3f} s  "
        f"ratio {naive_s / ours.seconds:.1f}x"
    )
    if have_pyfixest:
        dummies = pd.get_dummies(arms, prefix="d", drop_first=True, dtype=float)
        frame = pd.concat([data[["y"]], dummies], axis=1)
        frame.columns = [c.replace("-", "_") for c in frame.columns]
        first = next(c for c in frame.columns if c.startswith("d_"))
        _pyfixest_ritest(frame, first, 10)  # compile its numba kernels outside the timing
        pf_s, _ = _timed(lambda: _pyfixest_ritest(frame, first, DRAWS))
        print(
            f"{'ri pyfixest ritest (fast path, no strata), ' + label:<60} {pf_s:9.3f} s  "
            f"ratio {pf_s / ours.seconds:.1f}x"
        )


def _minimization() -> None:
    from participatie_rct.assignment import Minimization

    n, draws = 1_000, 100
    procedure = Minimization(arms=("control", "a", "b", "c"), factors=("age", "sex", "site"))
    _, _, m = _ours(f"minimization (sequential replay), n={n}, {draws} draws", procedure, n, draws)
    per_unit = m.seconds / (n * draws) * 1e6
    print(f"  minimization: {per_unit:.1f} microseconds per arrival per re-draw")


def _family(have_pyfixest: bool) -> None:
    from participatie_rct.assignment import CompleteRandomization
    from participatie_rct.estimate.family import family_p_values

    rng = np.random.default_rng(5)
    n = FAMILY_N
    treat = rng.permutation(np.repeat([0, 1], n // 2))
    data = pd.DataFrame({"treat": treat})
    outcomes = [f"y{k}" for k in range(4)]
    common = rng.normal(size=n)
    for k, name in enumerate(outcomes):
        data[name] = 0.6 * common + 0.8 * rng.normal(size=n) + 0.05 * k * treat
    procedure = CompleteRandomization(arms=("0", "1"))
    ours = measure(
        f"wy/rw ours, 4 outcomes, n={n}, {FAMILY_DRAWS} re-draws",
        lambda: family_p_values(
            data,
            outcomes=outcomes,
            treatment="treat",
            control=0,
            procedure=procedure,
            n_draws=FAMILY_DRAWS,
            rng=np.random.default_rng(6),
        ),
    )
    if not have_pyfixest:
        return
    import pyfixest as pf

    models = [pf.feols(f"{y} ~ treat", data=data, vcov="hetero") for y in outcomes]
    for name, fn in (("wyoung", pf.wyoung), ("rwolf", pf.rwolf)):
        secs, _ = _timed(
            lambda fn=fn: fn(models, "treat", reps=FAMILY_DRAWS, seed=6, sampling_method="ri")
        )
        print(
            f"{'wy/rw pyfixest ' + name + ' (ri)':<60} {secs:9.3f} s  "
            f"ratio {secs / ours.seconds:.1f}x"
        )


def main() -> None:
    from participatie_rct.assignment import (
        CompleteRandomization,
        PermutedBlocks,
        StratifiedRandomization,
    )

    have_pyfixest = importlib.util.find_spec("pyfixest") is not None
    if not have_pyfixest:
        print("pyfixest is not installed (pip install -e '.[bench]'): its lines are skipped")
    four = ("control", "a", "b", "c")
    _design_case(
        f"complete, 2 arms, n={N}, {DRAWS} draws",
        CompleteRandomization(arms=("control", "t")),
        have_pyfixest,
    )
    _design_case(
        f"stratified, 4 arms, {STRATA} strata",
        StratifiedRandomization(arms=four, strata=("site",)),
        have_pyfixest,
    )
    _design_case(
        f"permuted blocks 4/8, 4 arms, {STRATA} strata",
        PermutedBlocks(arms=four, strata=("site",), block_sizes=(4, 8)),
        have_pyfixest,
    )
    _minimization()
    _family(have_pyfixest)


if __name__ == "__main__":
    main()
