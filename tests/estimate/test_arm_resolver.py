"""One arm resolver: every estimator picks the same control, and orders the arms the same way.

Arms coded as integers (2, 10), as numeric text ("1", "2", "10") and as a Categorical with the
control listed first (usual_care before intervention, against the alphabet) go through
``itt``, ``cox``, ``fine_gray``, ``kaplan_meier``, ``balance``, randomization inference and the
command line; each must report the same control and the treated arms in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from participatie_rct.cli import main
from participatie_rct.errors import EstimationError
from participatie_rct.estimate import (
    balance,
    cox,
    fine_gray,
    itt,
    kaplan_meier,
    randomization_inference,
)
from participatie_rct.estimate.arms import arm_levels, natural_key, resolve_arms

assignment = pytest.importorskip("participatie_rct.assignment")


def trial(levels: list[Any], *, seed: int = 3, per_arm: int = 40) -> pd.DataFrame:
    """A small trial with one row per participant: arm, outcome, exit time and cause, age."""
    rng = np.random.default_rng(seed)
    n = per_arm * len(levels)
    arm = np.repeat(np.array(levels, dtype=object), per_arm)
    time = np.ceil(rng.exponential(8.0, size=n).clip(0.5, 24))
    event = np.where(time < 24, rng.integers(1, 3, size=n), 0)
    return pd.DataFrame(
        {
            "arm": arm,
            "y": rng.normal(size=n),
            "time": time,
            "event": event,
            "age": rng.normal(40, 10, size=n).round(),
        },
        index=pd.RangeIndex(n),
    )


def _ri(data: pd.DataFrame, **control: Any) -> Any:
    labels = tuple(arm_levels(data["arm"]))
    procedure = assignment.CompleteRandomization(arms=labels)
    return randomization_inference(
        data,
        outcome="y",
        treatment="arm",
        procedure=procedure,
        units=data[[]],
        n_draws=20,
        rng=np.random.default_rng(1),
        **control,
    )


#: every estimator the issue names, as (data, control keyword) -> result
ESTIMATORS: dict[str, Callable[..., Any]] = {
    "itt": lambda d, **c: itt(d, outcome="y", treatment="arm", **c),
    "cox": lambda d, **c: cox(d, time="time", event="event", treatment="arm", **c),
    "fine_gray": lambda d, **c: fine_gray(
        d, time="time", event="event", treatment="arm", event_of_interest=1, **c
    ),
    "kaplan_meier": lambda d, **c: kaplan_meier(
        d, time="time", event="event", treatment="arm", times=[6], **c
    ),
    "balance": lambda d, **c: balance(d, treatment="arm", covariates=["age"], **c),
    "randomization_inference": _ri,
}


def _treated(result: Any) -> list[str]:
    """The non-control arms in the order the result lists them."""
    arms = result.to_frame()["arm"].astype(str).tolist()
    control = result.glance()["control"]
    return [a for a in dict.fromkeys(arms) if a != control]


CODINGS = {
    "integers 2, 10": ([2, 10], {"control": 2}, "2", ["10"]),
    "numeric text 1, 2, 10": (["10", "2", "1"], {"control": "1"}, "1", ["2", "10"]),
    "categorical, control first": (
        pd.Categorical(["usual_care", "intervention"], categories=["usual_care", "intervention"]),
        {},
        "usual_care",
        ["intervention"],
    ),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("coding", list(CODINGS))
def test_every_estimator_picks_the_same_control(name: str, coding: str) -> None:
    levels, control, expected_control, expected_treated = CODINGS[coding]
    data = trial(list(levels))
    if isinstance(levels, pd.Categorical):
        data["arm"] = pd.Categorical(data["arm"], categories=list(levels.categories))
    result = ESTIMATORS[name](data, **control)
    assert result.glance()["control"] == expected_control
    assert _treated(result) == expected_treated


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("levels", [[2, 10], ["1", "2", "10"], ["b", "a"]])
def test_every_estimator_refuses_to_guess_the_control(name: str, levels: list[Any]) -> None:
    data = trial(levels)
    with pytest.raises(EstimationError, match=r"column 'arm': which arm is the control\?"):
        ESTIMATORS[name](data)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_a_level_named_control_is_the_control_everywhere(name: str) -> None:
    data = trial(["treated", "control"])
    assert ESTIMATORS[name](data).glance()["control"] == "control"


def test_numbers_sort_as_numbers_and_text_as_text() -> None:
    assert arm_levels(pd.Series([10, 2, 2])) == ["2", "10"]
    assert arm_levels(pd.Series(["10", "2", "1"])) == ["1", "2", "10"]
    assert arm_levels(pd.Series([10.0, 2.0])) == ["2", "10"]
    assert arm_levels(pd.Series(["b", "10", "a", "9"])) == ["9", "10", "a", "b"]
    assert sorted(["1.5", "1", "x"], key=natural_key) == ["1", "1.5", "x"]
    categorical = pd.Series(pd.Categorical(["z", "a"], categories=["z", "a", "unused"]))
    assert arm_levels(categorical) == ["z", "a"]


def test_an_explicit_control_wins_over_the_name_and_the_categorical() -> None:
    values = pd.Series(pd.Categorical(["control", "x", "y"], categories=["y", "control", "x"]))
    assert resolve_arms(values, treatment="arm").control == "control"
    assert resolve_arms(values, treatment="arm", control="x").control == "x"
    assert resolve_arms(pd.Series([1.0, 2.0]), treatment="arm", control="1.0").control == "1"
    with pytest.raises(EstimationError, match=r"control level 'z' does not occur; the levels"):
        resolve_arms(values, treatment="arm", control="z")


def test_an_empty_first_category_is_refused() -> None:
    values = pd.Series(pd.Categorical(["x", "y"], categories=["usual_care", "x", "y"]))
    with pytest.raises(EstimationError, match=r"first category 'usual_care'.*has no rows"):
        resolve_arms(values, treatment="arm")


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_the_command_line_names_the_flag_and_uses_the_same_control(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "trial.csv"
    trial([2, 10]).to_csv(path, index=False)
    itt_argv = ["estimate", "itt", str(path), "--outcome", "y", "--treatment", "arm"]
    code, out, err = _cli(itt_argv, capsys)
    assert code == 2 and out == ""
    assert "which arm is the control? The levels are 2, 10" in err
    assert "with --control ... (e.g. --control '2')" in err and "control=" not in err
    code, out, err = _cli([*itt_argv, "--control", "2", "--format", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["settings"]["control"] == "2"
    survival = ["estimate", "survival", str(path), "--time", "time", "--event", "event"]
    survival += ["--treatment", "arm", "--control", "2", "--format", "json"]
    code, out, err = _cli(survival, capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["settings"]["control"] == "2" and payload["cox"][0]["arm"] == "10"


PROTOCOL = """
[trial]
name = "Arm order test"
seed = 7

[[arms]]
key = "usual_care"
ratio = 1
control = true
label_nl = "Gebruikelijke zorg"
label_en = "Usual care"

[[arms]]
key = "intervention"
ratio = 1
label_nl = "Interventie"
label_en = "Intervention"

[assignment]
method = "complete"
"""


def test_estimate_ri_takes_the_protocols_control(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a register's protocol the control is the one it marks, not the alphabet's first."""
    protocol = tmp_path / "trial.toml"
    protocol.write_text(PROTOCOL, encoding="utf-8")
    data = trial(["usual_care", "intervention"]).assign(sequence=lambda d: range(len(d)))
    path = tmp_path / "outcomes.csv"
    data.to_csv(path, index=False)
    argv = ["estimate", "ri", str(path), "--outcome", "y", "--treatment", "arm"]
    argv += ["--protocol", str(protocol), "--draws", "20", "--seed", "1", "--format", "json"]
    code, out, err = _cli(argv, capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["settings"]["control"] == "usual_care"
    assert [row["arm"] for row in payload["estimates"]] == ["intervention"]
