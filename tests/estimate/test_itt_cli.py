"""``estimate itt`` and ``balance`` on the command line: the JSON contract and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from participatie_rct.cli import main

ESTIMATE_KEYS = {
    "arm",
    "term",
    "estimate",
    "std_error",
    "df",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
    "p_holm",
    "n",
}
SETTINGS_KEYS = {
    "estimator",
    "adjust",
    "se_type",
    "strata",
    "cluster",
    "covariates",
    "control",
    "alpha",
    "correction",
    "n",
    "n_dropped_by_arm",
}


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(12)
    n = 240
    team = np.repeat(np.arange(24), n // 24)
    arm_of_team = np.resize(["control", "earn_more", "intensive_support"], 24)[rng.permutation(24)]
    frame = pd.DataFrame(
        {
            "arm": arm_of_team[team],
            "team": team,
            "site": np.where(team % 2 == 0, "Tilburg", "Utrecht"),
            "age": rng.normal(45, 10, n).round(1),
            "long_term": rng.random(n) < 0.4,
        }
    )
    frame["outflow"] = (rng.random(n) < 0.1 + 0.05 * (frame["arm"] != "control")).astype(int)
    frame["cohort"] = np.tile([2018, 2019], n // 2)
    frame["took_up"] = np.where(frame["arm"] == "control", 0, (rng.random(n) < 0.8).astype(int))
    path = tmp_path_factory.mktemp("cli") / "trial.csv"
    frame.to_csv(path, index=False)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out, out.err


COMBINATIONS = [
    [],
    ["--se", "hc0"],
    ["--se", "hc1"],
    ["--se", "hc3"],
    ["--se", "classical"],
    ["--covariates", "age,long_term"],
    ["--covariates", "age,long_term", "--adjust", "linear"],
    ["--covariates", "age", "--adjust", "none"],
    ["--strata", "site"],
    ["--strata", "site", "--covariates", "age", "--se", "hc3"],
    ["--cluster", "team"],
    ["--cluster", "team", "--se", "cr0"],
    ["--cluster", "team", "--se", "stata"],
    ["--cluster", "team", "--strata", "site", "--covariates", "age"],
    ["--estimator", "dim"],
    ["--estimator", "dim", "--strata", "site"],
    ["--estimator", "dim", "--cluster", "team"],
    ["--estimator", "dim", "--cluster", "team", "--strata", "site"],
    ["--control", "earn_more", "--correction", "bonferroni"],
    ["--received", "took_up"],
    ["--received", "took_up", "--cluster", "team", "--strata", "site"],
    ["--subgroup", "long_term"],
    ["--subgroup", "site", "--cluster", "team"],
    ["--logit", "--covariates", "age"],
]


@pytest.mark.parametrize("options", COMBINATIONS, ids=lambda o: " ".join(o) or "defaults")
def test_itt_json_has_the_contract_keys(
    options: list[str], data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        [
            "estimate",
            "itt",
            str(data_file),
            "--outcome",
            "outflow",
            "--treatment",
            "arm",
            *options,
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"estimates", "settings", "warnings"} and payload["warnings"] == []
    per_level = 2 if "--subgroup" in options else 1
    assert len(payload["estimates"]) == 2 * per_level
    for row in payload["estimates"]:
        assert set(row) >= ESTIMATE_KEYS and isinstance(row["arm"], str)
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert set(payload["settings"]) >= SETTINGS_KEYS


def test_itt_text_output(data_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["estimate", "itt", str(data_file), "--outcome", "outflow", "--treatment", "arm"], capsys
    )
    assert code == 0 and "earn_more" in out and "se_type: hc2" in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--se", "cr2"], "needs clusters"),
        (["--outcome", "nope"], "'nope' not in the data"),
        (["--estimator", "dim", "--covariates", "age"], "does not adjust for covariates"),
        (["--se", "hc9"], "hc9"),
        (["--logit", "--received", "took_up"], "choose one"),
        (["--logit", "--cluster", "team"], "leave out --cluster"),
    ],
)
def test_itt_bad_input_exits_2_with_one_line(
    options: list[str], message: str, data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["estimate", "itt", str(data_file), "--treatment", "arm", *options]
    if "--outcome" not in options:
        argv += ["--outcome", "outflow"]
    code, out, err = run([*argv, "--format", "json"], capsys)
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1


def test_balance_json(data_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        [
            "balance",
            str(data_file),
            "--treatment",
            "arm",
            "--covariates",
            "age,long_term",
            "--by",
            "site,cohort",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"balance", "joint", "settings", "warnings"}
    groups = {row["group"] for row in payload["balance"]}
    assert groups == {"all", "site=Tilburg", "site=Utrecht", "cohort=2018", "cohort=2019"}
    assert {"term", "arm", "mean", "mean_control", "std_difference", "p_value"} <= set(
        payload["balance"][0]
    )
