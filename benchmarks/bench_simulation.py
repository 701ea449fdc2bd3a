"""Simulator and power by simulation: one trial, a large cohort, 1,000 Apeldoorn trials.

Memory tracing slows Python several times over (and forked workers inherit it), so the
timings come from untraced runs: ``measure(..., repeat=2)`` reports the faster, untraced
second run, and the 1,000-trial run is timed on its own after a traced run of 20 trials
gives its peak memory.
"""

from __future__ import annotations

import os
import time

import numpy as np

from benchmarks.harness import Measurement, measure

TRIALS = 1000


def main() -> None:
    from participatie_rct.design.simulation import simulated_power
    from participatie_rct.simulate import simulate_trial

    simulate_trial("apeldoorn", rng=np.random.default_rng(0), tables=False)  # calibration, imports
    measure(
        "simulate wageningen (410 participants, all tables)",
        lambda: simulate_trial("wageningen", rng=np.random.default_rng(1)),
        repeat=3,
    )
    measure(
        "simulate generic cohort of 20,000 (all tables)",
        lambda: simulate_trial("generic", rng=np.random.default_rng(2), n=20_000),
        repeat=2,
    )
    workers = os.cpu_count() or 1
    traced = measure(
        "power by simulation: 20 apeldoorn trials, 1 worker (traced, for memory)",
        lambda: simulated_power("apeldoorn", n_trials=20, rng=np.random.default_rng(3), workers=1),
    )
    start = time.perf_counter()
    simulated_power("apeldoorn", n_trials=TRIALS, rng=np.random.default_rng(3))
    seconds = time.perf_counter() - start
    note = f"{1000 * seconds / TRIALS:.1f} ms per trial"
    line = Measurement(
        f"power by simulation: {TRIALS} apeldoorn trials, ITT + Holm ({workers} workers)",
        seconds,
        traced.peak_mib,
        note,
    )
    print(line.line(), flush=True)
    start = time.perf_counter()
    simulated_power(
        "apeldoorn",
        n_trials=TRIALS // 4,
        rng=np.random.default_rng(3),
        workers=1,
        looks=2,
        survival=True,
    )
    seconds = time.perf_counter() - start
    note = f"{1000 * seconds / (TRIALS // 4):.1f} ms per trial"
    print(
        Measurement(
            f"{TRIALS // 4} apeldoorn trials, 2 looks + log-rank, 1 worker",
            seconds,
            float("nan"),
            note,
        ).line()
    )


if __name__ == "__main__":
    main()
