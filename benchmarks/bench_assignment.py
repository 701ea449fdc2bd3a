"""Assignment engine: 1,000,000 participants over 1,000 strata, beside R's ``sample``.

Times are the best of the runs (the first runs under tracemalloc to measure peak memory,
which slows Python-level loops several-fold).

randomizr (the R reference for these procedures) is not installable here, so the peer is
base R: complete randomization within each stratum with ``sample`` over ``split`` indices,
timed inside Rscript (start-up excluded) when Rscript is on the PATH.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd

from benchmarks.harness import measure
from participatie_rct.assignment import Minimization, PermutedBlocks, StratifiedRandomization

ARMS = ("control", "earn_more", "intensive_support", "no_application_duty")
N = 1_000_000
N_STRATA = 1_000

R_SCRIPT = """
set.seed(1)
n <- {n}; k <- {strata}
stratum <- sample.int(k, n, replace = TRUE)
arms <- c("control", "earn_more", "intensive_support", "no_application_duty")
t <- system.time({{
  idx <- split(seq_len(n), stratum)
  out <- character(n)
  for (rows in idx) {{
    m <- length(rows)
    out[rows] <- sample(rep_len(sample(arms), m))
  }}
}})[["elapsed"]]
cat(sprintf("%.6f\\n", t))
"""


def _units(n: int, n_strata: int) -> pd.DataFrame:
    rs = np.random.default_rng(1)
    stratum = rs.integers(0, n_strata, n)
    return pd.DataFrame({"site": (stratum // 10).astype(str), "age_group": stratum % 10})


def _r_sample_seconds() -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    code = R_SCRIPT.format(n=N, strata=N_STRATA)
    done = subprocess.run(
        [rscript, "-e", code], capture_output=True, text=True, check=False, timeout=300
    )
    if done.returncode != 0:
        return None
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    units = _units(N, N_STRATA)
    stratified = StratifiedRandomization(arms=ARMS, strata=("site", "age_group"))
    measure(
        f"stratified draw: {N:,} units, {N_STRATA:,} strata",
        lambda: stratified.draw(units, rng=np.random.default_rng(20170901)),
        repeat=3,
    )
    blocks = PermutedBlocks(arms=ARMS, strata=("site", "age_group"), block_sizes=(4, 8))
    measure(
        f"permuted blocks draw: {N:,} units, {N_STRATA:,} strata",
        lambda: blocks.draw(units, rng=np.random.default_rng(20170901)),
        repeat=2,
    )
    head = units.iloc[:100_000]
    measure(
        "permuted blocks sequencer.next_batch: 100,000 Draw objects",
        lambda: blocks.sequencer(rng=np.random.default_rng(20170901)).next_batch(head),
        repeat=2,
    )
    minimization = Minimization(arms=ARMS, factors=("site", "age_group"), p_best=0.8)
    measure(
        "minimization draw: 100,000 units, 2 factors (sequential)",
        lambda: minimization.draw(head, rng=np.random.default_rng(20170901)),
        repeat=2,
    )
    history = head.assign(arm=minimization.draw(head, rng=np.random.default_rng(20170901)))
    measure(
        "minimization sequencer rebuilt from 100,000 history rows + 1 draw",
        lambda: minimization.sequencer(rng=np.random.default_rng(20170901), history=history).next(
            {"site": "3", "age_group": 4}
        ),
    )
    seconds = _r_sample_seconds()
    if seconds is None:
        print("R sample() per stratum: Rscript not available, no peer timing", flush=True)
    else:
        print(
            f"{'R sample() per stratum (peer): ' + f'{N:,} units, {N_STRATA:,} strata':<60} "
            f"{seconds:9.3f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
