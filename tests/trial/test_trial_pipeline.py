"""The path register + data -> outcomes -> analyses -> report, walked once by ``Trial``."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from participatie_rct.cli import main
from participatie_rct.errors import InputFileError
from participatie_rct.trial import Trial
from trial_handmade import hand_made_fixture, make_trial  # noqa: F401 (the hand_made fixture)

README = Path(__file__).resolve().parents[2] / "README.md"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    captured = capsys.readouterr()
    return int(stop.value.code or 0), captured.out, captured.err


def test_outcomes_are_built_once_per_horizon(hand_made, monkeypatch) -> None:
    import participatie_rct.estimate.outcomes as module

    calls = []
    real = module.build_outcomes
    monkeypatch.setattr(module, "build_outcomes", lambda *a, **k: calls.append(k) or real(*a, **k))
    trial = Trial.open(hand_made.url, hand_made.data, as_of="2018-12-31")
    first = trial.outcomes()
    trial.itt()
    trial.consort()
    trial.monitor()
    first.loc[:, "outflow_work"] = np.nan  # a caller's copy: the cache is not touched
    assert trial.outcomes()["outflow_work"].notna().any()
    assert len(calls) == 1
    trial.outcomes(12)
    assert len(calls) == 2


def test_files_named_one_by_one_equal_the_folder(hand_made) -> None:
    folder = Trial.open(hand_made.url, hand_made.data, as_of="2018-12-31")
    named = Trial.open(
        hand_made.url,
        participants=hand_made.data / "participants.csv",
        benefit_months=hand_made.data / "benefit_months.csv",
        as_of="2018-12-31",
    )
    assert named.outcomes().equals(folder.outcomes())
    with pytest.raises(InputFileError, match="no benefit_months table: give a data folder"):
        Trial.open(hand_made.url, participants=hand_made.data / "participants.csv")


def test_an_estimator_that_refuses_is_shown_as_a_sentence(tmp_path: Path) -> None:
    made = make_trial(tmp_path, only_one_in="earn_more")
    trial = Trial.open(made.url, made.data, as_of="2018-12-31")
    analyses = trial.report_analyses("final")
    assert not isinstance(analyses.itt, type(trial.outcomes()))  # the ITT refused
    assert "leverage 1" in analyses.itt.reason
    trial.write_report(tmp_path / "r", kind="final", language="en", formats="md")
    text = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert text.count("Cannot be estimated: 1 row has leverage 1") >= 2  # headline and ITT
    assert "| Arm | n | Difference" not in text  # no empty ITT table
    # the site whose lone earn_more participant makes its ITT refuse says so under the table
    assert re.search(r"(Ede|Tiel): Cannot be estimated: 1 row has leverage 1", text)


def test_readme_script_runs(hand_made, tmp_path: Path, monkeypatch) -> None:
    """The statistician's script of the README, run on a register and its data folder."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index("### A statistician's script") :]
    script = re.search(r"```python\n(.*?)```", block, flags=re.S)
    assert script is not None
    code = script.group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 6
    root = Path(hand_made.url.removeprefix("sqlite:///")).parent
    monkeypatch.chdir(root)
    exec(compile(code.replace("2019-06-30", "2018-12-31"), "README.md", "exec"), {})
    assert (root / "reports" / "interim" / "report.md").is_file()
    os.remove(root / "reports" / "interim" / "report.md")


def test_ri_with_a_register_equals_the_library(
    hand_made, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["estimate", "ri", str(hand_made.data), "--db", hand_made.url]
    argv += ["--outcome", "outflow_work", "--draws", "30", "--seed", "3", "--format", "json"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    trial = Trial.open(hand_made.url, hand_made.data)
    expected = trial.randomization_inference(n_draws=30, rng=np.random.default_rng(3))
    assert json.loads(out)["estimates"] == json.loads(json.dumps(expected.to_dict()["estimates"]))
    code, _, err = run([*argv, "--protocol", "trial.toml"], capsys)
    assert code == 2 and "not both" in err
    code, _, err = run([*argv, "--treatment", "arm", "--order", "sequence"], capsys)
    assert code == 2 and "leave out --treatment, --order" in err


def test_every_analysis_takes_the_protocols_control(hand_made) -> None:
    trial = Trial.open(hand_made.url, hand_made.data, as_of="2018-12-31")
    assert trial.control == "control"
    for result in (
        trial.itt(),
        trial.cox(),
        trial.kaplan_meier(),
        trial.cumulative_incidence(times=[3, 6]),
        trial.balance(),
    ):
        arms = set(result.to_frame()["arm"].astype(str))
        assert "earn_more" in arms, type(result).__name__
    assert "control" not in set(trial.itt().to_frame()["arm"])
    family = trial.survival(times=[3, 6])
    assert family.cif is not None and family.fine_gray is not None
    assert "invited 82, declined 2, assigned 80" in trial.consort().summary()
    assert repr(trial) == "Trial('Test trial', as_of=2018-12-31, assigned=80)"


def test_two_sections_cannot_claim_one_key() -> None:
    from participatie_rct.errors import ReportError
    from participatie_rct.report.context import _merge
    from participatie_rct.report.sections.common import Section

    values, figures = _merge([Section({"a": 1}, {"f": b""}), Section({"b": 2})])
    assert values == {"a": 1, "b": 2} and figures == {"f": b""}
    with pytest.raises(ReportError, match=r"report sections both define \['a'\]"):
        _merge([Section({"a": 1}), Section({"a": 2})])
