"""The simulator writes the monthly table in chunks: memory does not grow with its length.

Measured in a child process with ``resource.getrusage`` on 40,000 people followed for 60
months (2.4 million rows); the national panel (400,000 people, 24 million rows) is measured
once and reported in docs/simulation.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_CHILD = """
import json, resource, sys
import numpy as np
from participatie_rct.simulate import simulate_trial, write_simulation

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB on Linux

trial = simulate_trial("generic", rng=np.random.default_rng(1), n=int(sys.argv[2]),
                       follow_up_months=60)
simulated = peak()
paths = write_simulation(trial, sys.argv[1])
print(json.dumps({"simulated_mb": simulated, "written_mb": peak(),
                  "rows": int(trial.panel.n_rows),
                  "csv_mb": paths["benefit_months.csv"].stat().st_size / 2**20}))
"""


#: Linux carries a process's peak memory across fork and exec, so a child forked from a large
#: test process would report the parent's peak. A small launcher forks the measured child.
_LAUNCHER = """
import subprocess, sys
done = subprocess.run([sys.executable, "-c", *sys.argv[1:]], capture_output=True, text=True,
                      check=True)
print(done.stdout, end="")
"""


@pytest.mark.slow
def test_writing_a_long_panel_needs_no_memory_for_the_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, _CHILD, str(tmp_path), "40000"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    facts = json.loads(done.stdout)
    assert facts["rows"] == 40_000 * 61
    # the table is some 100 MB of CSV and about as much again as a frame: writing it in
    # chunks adds only a chunk's worth of memory to what the simulation already holds
    assert facts["csv_mb"] > 80
    assert facts["written_mb"] - facts["simulated_mb"] < 120, facts
    # what the simulation holds grows with people, not rows: well under 2 GB at 400,000
    assert facts["written_mb"] < 600, facts
