"""Simulator and power by simulation: one trial, a large cohort, 1,000 Apeldoorn trials."""

from __future__ import annotations

import os

import numpy as np

from benchmarks.harness import measure

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
    )
    workers = os.cpu_count() or 1
    result = measure(
        f"power by simulation: {TRIALS} apeldoorn trials, ITT + Holm ({workers} workers)",
        lambda: simulated_power("apeldoorn", n_trials=TRIALS, rng=np.random.default_rng(3)),
    )
    print(f"  {1000 * result.seconds / TRIALS:.1f} ms per trial (wall clock, {workers} workers)", flush=True)
    result = measure(
        f"power by simulation: {TRIALS // 4} apeldoorn trials, 2 looks + log-rank, 1 worker",
        lambda: simulated_power(
            "apeldoorn", n_trials=TRIALS // 4, rng=np.random.default_rng(3), workers=1, looks=2, survival=True
        ),
    )
    print(f"  {1000 * result.seconds / (TRIALS // 4):.1f} ms per trial (one process)", flush=True)


if __name__ == "__main__":
    main()
