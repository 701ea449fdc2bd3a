"""``participatie-rct simulate`` and ``simulate-power``: files, JSON, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from participatie_rct.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def test_simulate_writes_the_files_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "sim"
    code, out, err = run(
        ["simulate", "--scenario", "apeldoorn", "--effects", "evaluation", "--seed", "7",
         "--out", str(out_dir), "--format", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    payload = json.loads(out)
    assert payload["files"] == [
        "benefit_months.csv",
        "participants.csv",
        "protocol.toml",
        "survey.csv",
        "truth.json",
        "truth_arms.csv",
    ]
    assert payload["n"] == 450 and payload["effects"] == "evaluation" and payload["seed"] == 7
    assert sorted(p.name for p in out_dir.iterdir()) == payload["files"]
    truth = json.loads((out_dir / "truth.json").read_text(encoding="utf-8"))
    assert truth["protocol_sha256"] == payload["protocol_sha256"]
    for table in ("participants", "benefit_months", "survey"):
        code, out, err = run(["validate", table, str(out_dir / f"{table}.csv")], capsys)
        assert code == 0, err


def test_simulate_generic_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["simulate", "--scenario", "generic", "--seed", "3", "--out", str(tmp_path), "--n", "120",
         "--arms", "control,intensive_support,earn_more_and_intensive_support", "--ratios", "2,1,1",
         "--control-rate", "0.08", "--arm-rate", "intensive_support=0.12", "--intake", "rolling",
         "--intake-months", "4", "--sites", "Nijmegen,Deventer"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "consented 120" in out
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["arms"]["control"]["itt"]["work_12"] == pytest.approx(0.08, abs=1e-8)
    assert truth["arms"]["intensive_support"]["itt"]["work_12"] == pytest.approx(0.12, abs=1e-8)
    assert "ratio = 2" in (tmp_path / "protocol.toml").read_text(encoding="utf-8")


def test_simulate_refuses_bad_options_writing_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "nothing"
    code, out, err = run(
        [
            "simulate",
            "--scenario",
            "generic",
            "--seed",
            "1",
            "--out",
            str(out_dir),
            "--arm-rate",
            "coaching",
        ],
        capsys,
    )
    assert code == 2 and out == ""
    assert "--arm-rate is 'coaching'; give ARM=SHARE" in err
    code, out, err = run(
        [
            "simulate",
            "--scenario",
            "generic",
            "--seed",
            "1",
            "--out",
            str(out_dir),
            "--arms",
            "control,coaching",
        ],
        capsys,
    )
    assert code == 2 and "arm 'coaching' is neither a measure" in err
    assert not out_dir.exists()


def test_simulate_new_options_reach_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        ["simulate", "--scenario", "generic", "--seed", "2", "--out", str(tmp_path), "--n", "300",
         "--sites", "Noord=0.75,Zuid=0.25", "--waves", "0,3", "--follow-up", "36",
         "--earn-more-rule", "0.3,150,12", "--format", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["intake"] == "waves" and truth["follow_up_months"] == 36
    assert truth["model"]["earn_more_rule"] == {"share": 0.3, "cap_euros": 150.0, "months": 12}
    people = (tmp_path / "participants.csv").read_text(encoding="utf-8")
    assert "2018-06-01" in people and "2018-09-01" in people
    months = (tmp_path / "benefit_months.csv").read_text(encoding="utf-8").splitlines()
    assert months[0] == "id,month,on_benefit,exit_reason,earnings,hours_band,benefit_amount"


def test_simulate_power_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["simulate-power", "--scenario", "apeldoorn", "--trials", "6", "--seed", "5",
         "--workers", "1", "--no-progress", "--format", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert err == ""
    payload = json.loads(out)
    assert [a["arm"] for a in payload["arms"]] == ["intensive_support", "no_application_duty"]
    assert set(payload["arms"][0]) >= {
        "arm",
        "true_effect",
        "power",
        "power_mcse",
        "mean_estimate",
        "coverage",
    }
    assert payload["settings"]["n_trials"] == 6 and payload["settings"]["seed"] == 5
    assert 0.0 <= payload["power_any_arm"] <= 1.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--seed", "-5"], "--seed is -5; give a whole number >= 0"),
        (["--seed", "1", "--n", "5000000"], "n is 5000000; give from 1 to 1,000,000"),
        (["--seed", "1", "--intake-months", "10000"], "intake months is 10000; give from 1 to 60"),
        (["--seed", "1", "--sites", "Ede,Ede"], "sites are 'Ede', 'Ede'; give each municipality"),
        (
            ["--seed", "1", "--arms", "control,Coaching Plus", "--arm-rate", "Coaching Plus=0.1"],
            "arm 'Coaching Plus' is not a snake_case key",
        ),
        (
            ["--seed", "1", "--arms", "control,earn_more", "--ratios", "1000,1"],
            "the ratios [1000, 1] sum to 1001, but a block",
        ),
        (["--seed", "1", "--intake", "batch", "--intake-months", "3"], "one lottery on one day"),
        (["--seed", "1", "--sites", "Ede=0.5,Epe=0.4"], "must be positive and sum to 1"),
        (["--seed", "1", "--sites", "Ede=half"], "share 'half', which is not a number"),
        (["--seed", "1", "--follow-up", "12"], "follow-up is 12 months; give from 24"),
        (["--seed", "1", "--waves", "0,0"], "the waves are [0, 0]"),
        (["--seed", "1", "--earn-more-rule", "0.5,199"], "--earn-more-rule is '0.5,199'"),
        (["--seed", "1", "--earn-more-rule", "2,199,24"], "the earn-more rule is (2.0, 199.0"),
        (
            [
                "--seed",
                "1",
                "--arms",
                "control,earn_more_and_intensive_support_and_no_application_duty",
            ],
            "combines 3 measures",
        ),
    ],
)
def test_simulate_refuses_hostile_numbers(
    options: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "nothing"
    code, out, err = run(["simulate", *options, "--out", str(out_dir)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert message in err and "internal error" not in err
    assert not out_dir.exists()


def test_simulate_power_too_small_trial_gives_nan_not_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # four participants over three arms and strata: no trial yields an estimate
    code, out, err = run(
        ["simulate-power", "--n", "4", "--trials", "2", "--seed", "1", "--workers", "1",
         "--no-progress", "--format", "json"],
        capsys,
    )  # fmt: skip
    assert code == 0 and err == ""
    arm = json.loads(out)["arms"][0]
    assert arm["power"] == 0.0 and arm["mean_estimate"] is None and arm["coverage"] is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--trials", "1000000000"], "n_trials must be a whole number from 1 to 100,000"),
        (["--looks", "3", "--information", "0.5,1"], "looks = 3 but 2 information fractions"),
        (["--seed", "-1"], "--seed is -1; give a whole number >= 0"),
    ],
)
def test_simulate_power_refuses_hostile_settings(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["simulate-power", "--seed", "1", "--workers", "1", "--no-progress", *options]
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert message in err


def test_simulate_trial_refuses_a_seed_instead_of_a_generator() -> None:
    from participatie_rct.simulate import simulate_trial

    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator .*; got int"):
        simulate_trial("generic", rng=5)  # type: ignore[arg-type]
