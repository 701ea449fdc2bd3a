"""The committed example (reports/example/) is exactly what the code makes now."""

from __future__ import annotations

from pathlib import Path

from participatie_rct.trial.example import example_files

EXAMPLE = Path(__file__).resolve().parents[2] / "reports" / "example"
REGENERATE = "python -m participatie_rct.trial.example reports/example"


def test_committed_example_matches_a_fresh_demo(demo) -> None:
    fresh = example_files(demo.out_dir)
    committed = {p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.rglob("*") if p.is_file()}
    assert committed, f"reports/example/ is empty; make it with: {REGENERATE}"
    assert sorted(committed) == sorted(fresh), (
        f"the example's files differ from the demo's; remake it with: {REGENERATE}"
    )
    drifted = [
        name for name, path in fresh.items() if (EXAMPLE / name).read_bytes() != path.read_bytes()
    ]
    assert not drifted, (
        f"reports/example/ has drifted from the code ({', '.join(drifted)}); "
        f"remake it with: {REGENERATE}"
    )
