"""One interim look: ``monitor status`` and ``report interim`` give the same z, information and
boundary, and both say that the z is not covariate-adjusted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from participatie_rct.cli import main
from participatie_rct.trial import Trial
from trial_handmade import hand_made_fixture  # noqa: F401 (the hand_made fixture)

AS_OF = "2018-12-31"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    captured = capsys.readouterr()
    return int(stop.value.code or 0), captured.out, captured.err


def test_command_and_report_show_the_same_look(
    hand_made, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", hand_made.url, "--data", str(hand_made.data), "--as-of", AS_OF]
    code, out, err = run(["monitor", "status", *base, "--format", "json"], capsys)
    assert code == 0, err
    status = json.loads(out)
    assert status["adjusted"] is False
    assert "not covariate-adjusted" in run(["monitor", "status", *base], capsys)[1]

    folder = tmp_path / "interim"
    code, out, err = run(
        ["report", "interim", *base, "--out", str(folder), "--lang", "en", "--formats", "md"],
        capsys,
    )
    assert code == 0, err
    text = (folder / "report.md").read_text(encoding="utf-8")
    section = text[text.index("## Interim") :]
    assert "not adjusted for baseline characteristics" in section
    assert f"Information fraction {status['information']:.2f}" in section
    assert f"|z| ≥ {status['z_boundary']:.2f}" in section
    rows = re.findall(r"^\| ([^|]+) \| (−?[0-9.]+) \| ([0-9.]+) \|", section, flags=re.M)
    printed = {label.strip(): float(z.replace("−", "-")) for label, z, _ in rows}
    boundaries = {label.strip(): float(b) for label, _, b in rows}
    labels = {a.key: a.label("en") for a in Trial.open(hand_made.url, hand_made.data).protocol.arms}
    assert status["correction"] == "holm"  # the one default, in the command and the report
    for comparison in status["comparisons"]:
        assert printed[labels[comparison["arm"]]] == pytest.approx(
            round(comparison["statistic"], 2), abs=1e-9
        )
        assert boundaries[labels[comparison["arm"]]] == pytest.approx(
            round(comparison["critical"], 2), abs=1e-9
        )
    assert len({round(c["critical"], 6) for c in status["comparisons"]}) > 1  # Holm's steps


def test_library_look_and_report_context_are_one_result(hand_made) -> None:
    trial = Trial.open(hand_made.url, hand_made.data, as_of=AS_OF)
    status = trial.monitor()
    interim = trial.report_context("interim", language="en").values["interim"]
    assert interim["information"] == pytest.approx(status.information, abs=1e-6)
    assert interim["boundary"] == status.z_boundary
    assert interim["adjusted"] is status.adjusted is False
    by_label = {p["label"]: p["z"] for p in interim["points"]}
    for c in status.comparisons:
        arm = next(a for a in trial.protocol.arms if a.key == c.arm)
        assert by_label[arm.label("en")] == c.statistic


def test_earlier_looks_move_both_alike(hand_made) -> None:
    trial = Trial.open(hand_made.url, hand_made.data, as_of=AS_OF)
    status = trial.monitor(previous_information=(0.2,))
    interim = trial.report_context("interim", previous_information=(0.2,)).values["interim"]
    assert interim["boundary"] == status.z_boundary
    assert status.z_boundary != trial.monitor().z_boundary


def test_library_names_parameters_and_the_command_names_options(
    hand_made, capsys: pytest.CaptureFixture[str]
) -> None:
    from participatie_rct.errors import DesignError

    trial = Trial.open(hand_made.url, hand_made.data, as_of=AS_OF)
    with pytest.raises(DesignError, match=r"^previous_information: 0\.5, 0\.2 must be fractions"):
        trial.monitor(previous_information=(0.5, 0.2))
    base = ["--db", hand_made.url, "--data", str(hand_made.data), "--as-of", AS_OF]
    code, _, err = run(["monitor", "status", *base, "--previous-information", "0.5,0.2"], capsys)
    assert code == 2
    assert "error: --previous-information: 0.5, 0.2 must be fractions" in err
