"""The data path at national scale: files -> validated table -> outcome table, beside pyarrow.

For each panel size (person-month rows) and format (CSV, parquet) a benefit_months panel is
written straight from numpy (:mod:`benchmarks.panel`), then each step runs in its own
process, so that its peak memory (the process's maximum resident set) is its own:

- ``floor``: pyarrow reads the same file (``pyarrow.csv.read_csv`` / ``parquet.read_table``);
- ``validate``: :func:`participatie_rct.data.validate_file` (what ``validate`` runs);
- ``outcomes``: :func:`participatie_rct.data.load_table` then ``build_outcomes``, the path
  from files to the outcome table.

Times exclude interpreter start and imports; the ratio is to the floor's time. Goals (issue
"National scale"): ``outcomes`` within 5x the floor and 3 GB at 24 M rows, ``validate`` within
3x. Last, ``estimate itt`` on a 400,000-row outcome table (parquet and CSV) against the
estimate alone: the command should cost at most 1 s more.

Sizes: ``PARTICIPATIE_RCT_BENCH_ROWS`` (default ``1M,6M``; add ``24M`` for the national
panel, about 15 minutes on a 2-core laptop). Files are written to
``PARTICIPATIE_RCT_BENCH_DIR`` (kept, so reruns skip writing) or a temporary folder.
``PARTICIPATIE_RCT_BENCH_REPEAT`` (default 1) runs every step that many times, alternating
the steps, and keeps each one's fastest run: on a shared machine one slow run of the floor
would otherwise flatter every ratio, and one slow run of a step spoil it.

``python -m benchmarks data`` runs this benchmark alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

DEFAULT_ROWS = "1M,6M"
_STEPS = {
    "floor": """
        import pyarrow.csv, pyarrow.parquet
        start = time.perf_counter()
        if path.endswith(".parquet"):
            pyarrow.parquet.read_table(path)
        else:
            pyarrow.csv.read_csv(path)
    """,
    "validate": """
        from participatie_rct.data import validate_file
        start = time.perf_counter()
        validate_file(path, "benefit_months", as_of=AS_OF)
    """,
    "outcomes": """
        from benchmarks.panel import assignments
        from participatie_rct.data import load_table
        from participatie_rct.estimate.outcomes import build_outcomes
        people = assignments(rows)
        start = time.perf_counter()
        months = load_table(path, "benefit_months", as_of=AS_OF)
        build_outcomes(people, months, horizon_months=12)
    """,
}
_PRELUDE = """
import datetime, json, sys, time
from benchmarks.harness import peak_mib
AS_OF = datetime.date(2026, 1, 1)
path, rows = sys.argv[1], int(sys.argv[2])
"""
_REPORT = """
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mib": peak_mib()}))
"""


def parse_rows(text: str) -> list[int]:
    """``"1M,6M,24M"`` -> ``[1000000, 6000000, 24000000]``."""
    sizes = []
    for part in text.split(","):
        part = part.strip().upper()
        if part:
            scale = 1_000_000 if part.endswith("M") else 1_000 if part.endswith("K") else 1
            sizes.append(int(float(part.rstrip("MK")) * scale))
    return sizes


def run_step(step: str, path: Path, rows: int) -> dict[str, float]:
    """Run one step in a fresh process; its time and peak resident memory."""
    code = _PRELUDE + textwrap.dedent(_STEPS[step]) + _REPORT
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), str(rows)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{step} on {path} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def panel_file(folder: Path, rows: int, suffix: str) -> Path:
    """The panel of ``rows`` rows in ``folder`` (written unless already there)."""
    from benchmarks.panel import write_panel

    path = folder / f"benefit_months_{rows}{suffix}"
    if not path.exists():
        write_panel(path.with_suffix(".partial" + suffix), rows)
        path.with_suffix(".partial" + suffix).rename(path)
    return path


def best_runs(path: Path, rows: int, repeat: int) -> dict[str, dict[str, float]]:
    """Every step ``repeat`` times, the steps alternating; each step's fastest run (and the
    highest peak memory of its runs)."""
    best: dict[str, dict[str, float]] = {}
    for _ in range(max(1, repeat)):
        for step in _STEPS:
            result = run_step(step, path, rows)
            kept = best.setdefault(step, result)
            kept["seconds"] = min(kept["seconds"], result["seconds"])
            kept["peak_mib"] = max(kept["peak_mib"], result["peak_mib"])
    return best


def data_path(folder: Path, sizes: list[int], repeat: int = 1) -> list[dict[str, object]]:
    """Every size, format and step: one printed line each, and the rows of the table."""
    table: list[dict[str, object]] = []
    print(f"{'rows':>12} {'format':<8} {'step':<9} {'seconds':>9} {'peak MiB':>9} {'x floor':>8}")
    for rows in sizes:
        for suffix in (".csv", ".parquet"):
            path = panel_file(folder, rows, suffix)
            runs = best_runs(path, rows, repeat)
            floor = runs["floor"]["seconds"]
            for step, result in runs.items():
                ratio = result["seconds"] / floor
                print(
                    f"{rows:>12,} {suffix[1:]:<8} {step:<9} {result['seconds']:>9.2f} "
                    f"{result['peak_mib']:>9.0f} {ratio:>8.1f}",
                    flush=True,
                )
                table.append({"rows": rows, "format": suffix[1:], "step": step, **result})
    return table


_ITT_RUNS = """
import sys, time
from typer.testing import CliRunner
from benchmarks.bench_itt import make_data
from participatie_rct.cli import app
argv, runs = sys.argv[1:-1], int(sys.argv[-1])
start = time.perf_counter()
result = CliRunner().invoke(app, argv)
assert result.exit_code == 0, result.output
cold = time.perf_counter() - start
from participatie_rct.estimate import itt
data = make_data()
warm, alone = [], []
for _ in range(runs):  # alternating, so that both see the same load
    start = time.perf_counter()
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    warm.append(time.perf_counter() - start)
    start = time.perf_counter()
    itt(data, outcome="outflow", treatment="arm", strata="stratum")
    alone.append(time.perf_counter() - start)
print(cold, min(warm), min(alone))
"""


def estimate_cli(folder: Path, repeat: int = 1) -> None:
    """``estimate itt`` on a 400,000-row outcome table, beside the estimate alone.

    In one process: the command's first run (with its lazy imports), then the command and
    the estimate on the same data in memory, alternating, each its fastest of ``repeat + 1``
    runs: the difference is what reading the file costs.
    """
    from benchmarks.bench_itt import make_data
    from participatie_rct.data.stamp import write_parquet

    data = make_data()
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for suffix in (".parquet", ".csv"):
        path = folder / f"outcomes_400k{suffix}"
        if suffix == ".parquet":
            write_parquet(data, path, table="outcomes")
        else:
            data.to_csv(path, index=False)
        argv = ["estimate", "itt", str(path), "--outcome", "outflow", "--treatment", "arm"]
        argv += ["--strata", "stratum", str(repeat + 1)]
        done = subprocess.run(
            [sys.executable, "-c", _ITT_RUNS, *argv], capture_output=True, text=True, env=env
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        cold, warm, alone = (float(v) for v in done.stdout.strip().splitlines()[-1].split())
        print(
            f"  estimate itt {suffix[1:]:<8} command {warm:.2f} s, the estimate alone "
            f"{alone:.2f} s "
            f"(+{warm - alone:.2f} s); its first run in a process, with the lazy imports, "
            f"{cold:.2f} s",
            flush=True,
        )


def main() -> None:
    sizes = parse_rows(os.environ.get("PARTICIPATIE_RCT_BENCH_ROWS", DEFAULT_ROWS))
    repeat = int(os.environ.get("PARTICIPATIE_RCT_BENCH_REPEAT", "1"))
    kept = os.environ.get("PARTICIPATIE_RCT_BENCH_DIR")
    print(f"  machine: {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(kept) if kept else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        data_path(folder, sizes, repeat)
        estimate_cli(folder, repeat)


def machine() -> str:
    """Cores, memory and load when the benchmark starts: the figures mean little without it."""
    cores = os.cpu_count() or 0
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        load = os.getloadavg()[0]
    except (ValueError, OSError, AttributeError):  # not a POSIX system
        return f"{cores} cores"
    return f"{cores} cores, {memory:.0f} GiB, load average {load:.1f} at the start"


if __name__ == "__main__":
    main()
