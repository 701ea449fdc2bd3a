"""Interim reports after earlier looks: the boundary spends what those looks spent.

The expected boundaries are computed here directly with
:func:`participatie_rct.design.boundaries.group_sequential_boundaries` over the looks
``[*earlier, t]`` (alpha split over the comparisons, Bonferroni), taking the last look's z.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from participatie_rct.cli import main
from participatie_rct.design.boundaries import group_sequential_boundaries

AS_OF = "2018-10-31"  # the demo's interim date: information fraction about a third
LATE = "2018-11-30"  # information fraction ~0.65: above 0.5, the plan's fraction of look 1 of 2


def run(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    captured = capsys.readouterr()
    return stop.value.code, captured.out, captured.err


def report_args(demo, out, *extra: str) -> list[str]:
    return [
        "report",
        "interim",
        "--db",
        demo.db_url,
        "--data",
        str(demo.data_dir),
        "--out",
        str(out),
        "--lang",
        "en",
        "--formats",
        "md",
        "--format",
        "json",
        *extra,
    ]


def expected_z(earlier: list[float], t: float, plan, comparisons: int) -> float:
    """The boundary of this look; at the last planned look all the remaining alpha is spent
    (as ``monitor status`` does: the report shows the same look)."""
    import numpy as np

    from participatie_rct.design.boundaries import critical_values
    from participatie_rct.design.spending import spent_alpha

    alpha = plan.alpha / comparisons
    if len(earlier) + 1 < plan.interim_looks + 1 and t < 1:
        result = group_sequential_boundaries(
            information=[*earlier, t], alpha=alpha, spending=plan.spending, gamma=plan.gamma
        )
        return result.looks[-1].z
    fractions = np.array([*earlier, t])
    cumulative = spent_alpha(fractions, alpha=alpha, spending=plan.spending, gamma=plan.gamma)
    cumulative[-1] = alpha
    return float(critical_values(fractions, cumulative)[-1])


def printed_boundary(folder) -> str:
    """The boundary as the report's interim text prints it (|z| >= x.xx)."""
    match = re.search(r"\|z\| ≥ ([0-9.]+)", (folder / "report.md").read_text(encoding="utf-8"))
    assert match is not None
    return match.group(1)


def information(settings) -> float:
    # the monitor's denominator: the planned target_n, else everyone the register assigned
    # (demo: no target; everyone is assigned by the interim date)
    return settings["n_analysed"] / settings["n_assigned"]


def test_observed_earlier_look_moves_the_boundary(demo, demo_inputs, tmp_path, capsys) -> None:
    plan = demo_inputs.protocol.analysis
    comparisons = len(demo_inputs.protocol.arm_keys) - 1
    code, out, err = run(
        report_args(
            demo,
            tmp_path / "r",
            "--as-of",
            LATE,
            "--looks-done",
            "1",
            "--previous-information",
            "0.5",
        ),
        capsys,
    )
    assert code == 0, err
    settings = json.loads(out)["settings"]
    t = information(settings)
    later = expected_z([0.5], t, plan, comparisons)
    first = expected_z([], t, plan, comparisons)
    assert f"{later:.2f}" != f"{first:.2f}"  # earlier spending shows in the printed figure
    assert printed_boundary(tmp_path / "r") == f"{later:.2f}"
    assert settings["looks_done"] == 1 and settings["previous_information"] == [0.5]
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["previous_information"] == [0.5]
    text = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "This is look 2" in text and "0.500" in text


def test_looks_done_alone_assumes_the_planned_fractions(
    demo, demo_inputs, tmp_path, capsys
) -> None:
    plan = demo_inputs.protocol.analysis
    comparisons = len(demo_inputs.protocol.arm_keys) - 1
    code, out, err = run(
        report_args(demo, tmp_path / "r", "--as-of", LATE, "--looks-done", "1"), capsys
    )
    assert code == 0, err
    settings = json.loads(out)["settings"]
    t = information(settings)
    assert 0.5 < t < 1
    planned = [1 / (plan.interim_looks + 1)]
    assert settings["previous_information"] == pytest.approx(planned)
    assert printed_boundary(tmp_path / "r") == f"{expected_z(planned, t, plan, comparisons):.2f}"
    assert "planned information fractions" in (tmp_path / "r" / "report.md").read_text(
        encoding="utf-8"
    )


def test_first_look_records_no_looks(demo, tmp_path, capsys) -> None:
    code, out, err = run(report_args(demo, tmp_path / "r", "--as-of", AS_OF), capsys)
    assert code == 0, err
    settings = json.loads(out)["settings"]
    assert "looks_done" not in settings and "previous_information" not in settings
    assert "This is look" not in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")


def test_context_boundary_is_the_last_look_and_blinded_text_names_no_arm(demo_inputs) -> None:
    from participatie_rct.choices import ReportKind
    from participatie_rct.trial import Trial

    plan = demo_inputs.protocol.analysis
    keys = demo_inputs.protocol.arm_keys
    context = Trial(demo_inputs, as_of=dt.date.fromisoformat(AS_OF), key=None).report_context(
        kind=ReportKind.INTERIM,
        language="nl",
        blinded=True,
        package_version="0",
        previous_information=(0.2,),  # the demo plans two looks: this is the last
    )
    interim = context.values["interim"]
    t = context.settings["n_analysed"] / len(demo_inputs.assignments)  # the register's total
    assert interim["boundary"] == pytest.approx(
        expected_z([0.2], t, plan, len(keys) - 1), rel=1e-12
    )
    assert "Dit is kijk 2" in interim["text"]
    assert not any(k in interim["text"] for k in keys)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (("--previous-information", "0.9"), "0.9"),  # above this look's fraction (~0.31)
        (("--previous-information", "0.1,zero"), "'zero' is not a number"),
        (("--previous-information", "0.2,0.1"), "increase"),
        (("--looks-done", "2", "--previous-information", "0.2"), "one fraction per earlier look"),
        (("--looks-done", "1"), "0.5"),  # the planned 0.5 is above this look's ~0.31
    ],
)
def test_bad_looks_exit_2_with_one_line(demo, tmp_path, capsys, extra, needle) -> None:
    code, out, err = run(report_args(demo, tmp_path / "r", "--as-of", AS_OF, *extra), capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]
    assert not (tmp_path / "r" / "report.md").exists()
