"""``estimate ri``: randomization inference on a simulated trial, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from participatie_rct.assignment import procedure_from_protocol
from participatie_rct.cli import app, main
from participatie_rct.cli.estimate import read_data
from participatie_rct.protocol import Protocol
from participatie_rct.simulate import simulate_trial, write_simulation
from participatie_rct.trial.ri import arrival_order

#: few re-draws keep the tests fast; the p-value's granularity is then 1/201
DRAWS = 200


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A simulated Apeldoorn trial assigned through the register, and its outcomes table."""
    root = tmp_path_factory.mktemp("ri")
    write_simulation(simulate_trial("apeldoorn", rng=np.random.default_rng(5)), root / "sim")
    db = f"sqlite:///{root / 'trial.db'}"
    runner = CliRunner()
    protocol = root / "sim" / "protocol.toml"
    steps = (
        ["init", "--protocol", str(protocol), "--db", db],
        ["assign", "--db", db, str(root / "sim" / "participants.csv")],
        ["outcomes", "--db", db, "--data", str(root / "sim"), "--out", str(root / "outcomes.csv")],
    )
    for argv in steps:
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, result.output
    return {"root": root, "protocol": protocol, "outcomes": root / "outcomes.csv"}


def ri_argv(trial: dict[str, Path], data: Path | None = None, *extra: str) -> list[str]:
    return [
        "estimate",
        "ri",
        str(data or trial["outcomes"]),
        "--outcome",
        "outflow_work",
        "--treatment",
        "arm",
        "--protocol",
        str(trial["protocol"]),
        "--draws",
        str(DRAWS),
        *extra,
    ]


def run_json(argv: list[str]) -> dict:
    result = CliRunner().invoke(app, [*argv, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run through ``main``: exit 2 and exactly one line on stderr, which is returned."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.out == ""
    return captured.err


def test_json_has_the_contract_keys_and_valid_p_values(trial: dict[str, Path]) -> None:
    out = run_json(ri_argv(trial, None, "--seed", "1"))
    assert set(out) == {"estimates", "omnibus", "settings", "warnings"}
    arms = [row["arm"] for row in out["estimates"]]
    assert arms == ["intensive_support", "no_application_duty"]
    table = pd.read_csv(trial["outcomes"])
    control_mean = table.loc[table["arm"] == "control", "outflow_work"].mean()
    for row in out["estimates"]:
        assert {"arm", "statistic", "p_value", "n_draws"} <= set(row)
        assert row["n_draws"] == DRAWS
        # p = (1 + k) / (1 + draws): in (0, 1] and on that grid
        assert 0 < row["p_value"] <= 1
        k = row["p_value"] * (DRAWS + 1) - 1
        assert k == pytest.approx(round(k))
        arm_mean = table.loc[table["arm"] == row["arm"], "outflow_work"].mean()
        assert row["statistic"] == pytest.approx(arm_mean - control_mean)
    settings = out["settings"]
    assert settings["seed"] == 1 and settings["n_draws"] == DRAWS
    assert settings["method"] == "permuted_blocks" and settings["control"] == "control"
    assert settings["order"] == "sequence"
    assert settings["protocol_sha256"] == Protocol.from_toml(trial["protocol"]).sha256
    assert settings["n"] + settings["n_missing_outcome"] == len(table)


def test_same_seed_same_json_and_another_seed_other_draws(trial: dict[str, Path]) -> None:
    first = run_json(ri_argv(trial, None, "--seed", "11"))
    again = run_json(ri_argv(trial, None, "--seed", "11"))
    other = run_json(ri_argv(trial, None, "--seed", "12"))
    assert first == again
    # the observed statistics do not depend on the seed; the re-drawn null distribution does
    assert [r["statistic"] for r in first["estimates"]] == [
        r["statistic"] for r in other["estimates"]
    ]
    assert [r["null_mean"] for r in first["estimates"]] != [
        r["null_mean"] for r in other["estimates"]
    ]


def test_rows_are_put_in_arrival_order_whatever_the_file_order(trial: dict[str, Path]) -> None:
    table = pd.read_csv(trial["outcomes"])
    shuffled = trial["root"] / "shuffled.csv"
    table.sample(frac=1.0, random_state=3).to_csv(shuffled, index=False)
    assert run_json(ri_argv(trial, shuffled, "--seed", "4")) == run_json(
        ri_argv(trial, None, "--seed", "4")
    )


def test_arrival_order_lets_the_procedure_replay_the_register(trial: dict[str, Path]) -> None:
    """In arrival order, the protocol's procedure with the protocol's seed gives every arm the
    register gave: the re-draws come from the very distribution the trial drew from."""
    protocol = Protocol.from_toml(trial["protocol"])
    data = read_data(trial["outcomes"]).sample(frac=1.0, random_state=8)
    ordered, column = arrival_order(data, None, str(trial["outcomes"]))
    assert column == "sequence"
    replay = procedure_from_protocol(protocol).draw(
        ordered, rng=np.random.default_rng(protocol.seed)
    )
    assert (replay == ordered["arm"]).all()


def test_missing_outcomes_are_counted_and_left_out(trial: dict[str, Path]) -> None:
    table = pd.read_csv(trial["outcomes"])
    table.loc[[0, 5, 9], "outflow_work"] = np.nan
    holed = trial["root"] / "holed.csv"
    table.to_csv(holed, index=False)
    out = run_json(ri_argv(trial, holed, "--seed", "2"))
    assert out["settings"]["n_missing_outcome"] == 3
    assert out["settings"]["n"] == len(table) - 3
    kept = table.dropna(subset=["outflow_work"])
    control_mean = kept.loc[kept["arm"] == "control", "outflow_work"].mean()
    arm_mean = kept.loc[kept["arm"] == "intensive_support", "outflow_work"].mean()
    assert out["estimates"][0]["statistic"] == pytest.approx(arm_mean - control_mean)


def test_text_output_names_each_arm_and_its_p_value(trial: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ri_argv(trial, None, "--seed", "1"))
    assert result.exit_code == 0, result.output
    assert "intensive_support" in result.stdout and "no_application_duty" in result.stdout
    assert "p_value" in result.stdout and f"{DRAWS} re-draws, seed 1" in result.stdout


def test_refuses_without_a_seed(trial: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    err = refusal(ri_argv(trial), capsys)
    assert "--seed" in err


def test_refuses_a_text_outcome_naming_the_row(
    trial: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    table = pd.read_csv(trial["outcomes"])
    table["outflow_work"] = table["outflow_work"].astype(object)
    table.loc[6, "outflow_work"] = "onbekend"
    bad = trial["root"] / "text_outcome.csv"
    table.to_csv(bad, index=False)
    err = refusal([*ri_argv(trial, bad), "--seed", "1"], capsys)
    assert "text_outcome.csv" in err and "'onbekend'" in err and "outflow_work" in err


def test_refuses_an_arm_the_protocol_does_not_have(
    trial: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    table = pd.read_csv(trial["outcomes"])
    table.loc[2, "arm"] = "coaching"
    bad = trial["root"] / "stray_arm.csv"
    table.to_csv(bad, index=False)
    err = refusal([*ri_argv(trial, bad), "--seed", "1"], capsys)
    assert "'coaching'" in err and "not an arm of the protocol" in err


def test_refuses_data_without_the_strata_columns(
    trial: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    table = pd.read_csv(trial["outcomes"]).drop(columns=["age_group"])
    bad = trial["root"] / "no_strata.csv"
    table.to_csv(bad, index=False)
    err = refusal([*ri_argv(trial, bad), "--seed", "1"], capsys)
    assert "no_strata.csv" in err and "'age_group'" in err


def test_refuses_an_unknown_order_column(
    trial: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    err = refusal([*ri_argv(trial), "--seed", "1", "--order", "volgorde"], capsys)
    assert "'volgorde'" in err and "arrival order" in err


def test_statistics_batches_and_intervals_on_the_command_line(trial: dict[str, Path]) -> None:
    table = pd.read_csv(trial["outcomes"])
    plain = run_json(ri_argv(trial, None, "--seed", "3"))
    assert plain["settings"]["statistic"] == "dim"
    expected_batch = "batch" if "batch" in table.columns else None
    assert plain["settings"]["batch"] == expected_batch
    assert {"p_value", "mc_se", "ci_low", "ci_high"} <= set(plain["estimates"][0])
    assert 0 < plain["omnibus"]["p_value"] <= 1
    for row in plain["estimates"]:
        assert row["ci_low"] <= row["statistic"] <= row["ci_high"]
    numeric = [c for c in ("age",) if c in table.columns]
    if numeric:
        lin = run_json(
            ri_argv(trial, None, "--seed", "3", "--statistic", "lin", "--covariates", numeric[0])
        )
        assert lin["settings"]["covariates"] == numeric
    one = table.assign(wave=1)
    path = trial["root"] / "one_wave.csv"
    one.to_csv(path, index=False)
    waved = run_json(ri_argv(trial, path, "--seed", "3", "--batch", "wave"))
    assert waved["settings"]["batch"] == "wave" and waved["settings"]["n_batches"] == 1


def test_bad_statistic_options_are_refused(trial: dict[str, Path], capsys) -> None:
    err = refusal(ri_argv(trial, None, "--seed", "1", "--statistic", "median"), capsys)
    assert "--statistic 'median'" in err
    err = refusal(ri_argv(trial, None, "--seed", "1", "--statistic", "logrank"), capsys)
    assert "--time" in err
    err = refusal(ri_argv(trial, None, "--seed", "1", "--batch", "golf"), capsys)
    assert "'golf'" in err


def _with_family(trial: dict[str, Path], line: str) -> Path:
    text = trial["protocol"].read_text(encoding="utf-8")
    if "[analysis]" in text:
        text = text.replace("[analysis]", f"[analysis]\n{line}", 1)
    else:
        text += f"\n[analysis]\n{line}\n"
    path = trial["root"] / "sim" / "protocol_family.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_family_from_the_protocol(trial: dict[str, Path], capsys) -> None:
    protocol = _with_family(trial, 'family = ["outflow_work", "outflow_any"]')
    argv = ri_argv(trial, None, "--seed", "5", "--family")
    argv[argv.index("--protocol") + 1] = str(protocol)
    out = run_json(argv)
    rows = out["family"]
    assert len(rows) == 2 * 2 and out["settings"]["family_size"] == 4
    assert {r["outcome"] for r in rows} == {"outflow_work", "outflow_any"}
    for r in rows:
        assert r["p_westfall_young"] >= r["p_value"] - 1e-12
        assert r["p_romano_wolf"] >= r["p_value"] - 1e-12
    assert out["settings"]["statistic"] == "studentized"
    bare = ri_argv(trial, None, "--seed", "5", "--family")
    assert "no family" in refusal(bare, capsys)


def test_register_path_takes_the_statistic_options(trial: dict[str, Path]) -> None:
    db = f"sqlite:///{trial['root'] / 'trial.db'}"
    argv = ["estimate", "ri", str(trial["root"] / "sim"), "--db", db, "--outcome", "outflow_work"]
    out = run_json(
        [*argv, "--statistic", "lin", "--covariates", "birth_year", "--draws", "50", "--seed", "2"]
    )
    assert out["settings"]["statistic"] == "lin" and out["settings"]["batch"] == "batch"
    assert out["settings"]["covariates"] == ["birth_year"]
    for row in out["estimates"]:
        assert row["ci_low"] <= row["statistic"] <= row["ci_high"]
