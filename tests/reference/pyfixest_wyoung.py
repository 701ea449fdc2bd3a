"""Reference values: pyfixest's Westfall-Young and Romano-Wolf p-values on one data set.

Run once with pyfixest installed (``pip install -e '.[bench]'``):
``python tests/reference/pyfixest_wyoung.py``. It writes ``pyfixest_wyoung.csv`` (the data)
and ``pyfixest_wyoung.json`` (pyfixest's adjusted p-values, with its version and settings);
the tests read those two files and never need pyfixest. pyfixest's randomization inference
("ri") permutes the treatment column as a whole, which is complete randomization with fixed
arm sizes, so the comparison uses that design.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20260
REPS = 4000
OUTCOMES = ("y1", "y2", "y3", "y4")


def make_data() -> pd.DataFrame:
    """300 participants, half treated; four correlated outcomes with effects 0 to 0.35 SD."""
    rng = np.random.default_rng(SEED)
    n = 300
    treat = rng.permutation(np.repeat([0, 1], n // 2))
    common = rng.normal(size=n)
    effects = (0.0, 0.12, 0.25, 0.35)
    frame = pd.DataFrame({"treat": treat})
    for name, effect in zip(OUTCOMES, effects, strict=True):
        frame[name] = 0.6 * common + 0.8 * rng.normal(size=n) + effect * treat
    return frame


def main() -> None:
    import pyfixest as pf

    data = make_data()
    data.to_csv(HERE / "pyfixest_wyoung.csv", index=False)
    models = [pf.feols(f"{y} ~ treat", data=data, vcov="hetero") for y in OUTCOMES]
    out: dict[str, object] = {
        "pyfixest_version": pf.__version__,
        "reps": REPS,
        "seed": SEED,
        "vcov": "hetero",
        "outcomes": list(OUTCOMES),
    }
    for method, fn in (("wyoung", pf.wyoung), ("rwolf", pf.rwolf)):
        table = fn(models, "treat", reps=REPS, seed=SEED, sampling_method="ri")
        row = "WY Pr(>|t|)" if method == "wyoung" else "RW Pr(>|t|)"
        out[method] = [float(v) for v in table.loc[row].to_numpy()]
        out["t_value"] = [float(v) for v in table.loc["t value"].to_numpy()]
    (HERE / "pyfixest_wyoung.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
