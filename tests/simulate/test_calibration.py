"""Every published figure a scenario claims, held within sampling error on a large cohort.

The figures, their sources and the tolerance rule live in
:mod:`participatie_rct.simulate.calibration_table`, which also writes the table of
docs/simulation_tables.md; these tests check the same rows, so the table cannot claim what
the tests do not hold.
"""

from __future__ import annotations

import pytest

from participatie_rct.simulate.calibration_table import Figure, Z, calibration_figures
from participatie_rct.simulate.published import DESIGNS


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(DESIGNS))
def test_every_published_figure_holds_within_sampling_error(scenario: str) -> None:
    figures = calibration_figures(scenario)
    assert figures, scenario
    failed = [
        (f.name, f.published, round(f.simulated, 4), round(f.std_error, 4))
        for f in figures
        if not f.holds
    ]
    assert not failed, failed
    names = {f.name for f in figures}
    # the survival of work spells is claimed by every scenario (docs/domain.md, staying in work)
    assert "still working 18 months after leaving for work" in names
    # and every design figure the scenario publishes has a row
    published = {name for name, _, _ in DESIGNS[scenario].published}
    effect_rows = {"control_work_12", "treated_work_12", "control_working_12h_24",
                   "exemption_working_12h_24"}  # fmt: skip
    assert published - effect_rows <= names


def test_the_rule_fails_a_figure_that_is_off() -> None:
    """A figure five standard errors away from the published value does not hold."""
    off = Figure("x", "share", 0.5, "source", 0.5 + 5 * 0.01, None, 0.01)
    near = Figure("x", "share", 0.5, "source", 0.5 + (Z - 0.5) * 0.01, None, 0.01)
    rounded = Figure("x", "share", 0.13, "about 13%", 0.138, None, 0.001, rounding=0.01)
    assert not off.holds and near.holds and rounded.holds


def test_the_docs_table_covers_every_scenario_and_every_row_holds() -> None:
    from pathlib import Path

    table = Path(__file__).parents[2] / "docs" / "simulation_tables.md"
    text = table.read_text(encoding="utf-8")
    for scenario in DESIGNS:
        assert f"## {scenario} (effects:" in text, scenario
    assert "| NO |" not in text
