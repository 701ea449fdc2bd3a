"""The ``power`` and ``monitor`` commands: JSON contract, text output, refusals, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from participatie_rct.cli import main
from participatie_rct.design import group_sequential_boundaries, power_two_proportions
from trial_protocols import SECRET_BYTES, protocol_text


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


def test_power_json_is_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        [
            "power",
            "--p-control",
            "0.06",
            "--p-treatment",
            "0.115",
            "--arms",
            "3",
            "--correction",
            "bonferroni",
            "--power",
            "0.8",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert list(payload)[:5] == [
        "n_per_arm",
        "n_per_arm_ceil",
        "n_total",
        "power",
        "alpha_per_comparison",
    ]
    expected = power_two_proportions(
        p_control=0.06, p_treatment=0.115, power=0.8, arms=3, correction="bonferroni"
    )
    assert payload["n_per_arm"] == pytest.approx(expected.n_per_arm)
    assert payload["n_total"] == expected.n_per_arm_ceil * 4
    assert payload["alpha_per_comparison"] == pytest.approx(0.05 / 3)


def test_power_text_for_a_given_size(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["power", "--p-control", "0.12", "--p-treatment", "0.22", "--n-per-arm", "190"], capsys
    )
    assert code == 0
    assert "power per comparison 0.7" in out


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["power", "--p-control", "0.1", "--p-treatment", "0.2"], "Give exactly one of --power"),
        (
            ["power", "--p-control", "0.1", "--p-treatment", "0.1", "--power", "0.8"],
            "p_treatment equals p_control",
        ),
        (
            [
                "power",
                "--p-control",
                "0.1",
                "--p-treatment",
                "0.2",
                "--power",
                "0.8",
                "--correction",
                "sidak",
            ],
            "sidak",
        ),
        (
            [
                "monitor",
                "boundaries",
                "--looks",
                "3",
                "--spending",
                "pocock",
                "--information",
                "0.3,0.6,0.9",
            ],
            "must end at 1",
        ),
        (
            [
                "monitor",
                "boundaries",
                "--looks",
                "2",
                "--spending",
                "pocock",
                "--information",
                "0.5,x",
            ],
            "'x' is not a number",
        ),
        (
            [
                "monitor",
                "boundaries",
                "--looks",
                "3",
                "--spending",
                "pocock",
                "--information",
                "0.5,1",
            ],
            "looks = 3 but 2 information fractions",
        ),
        (
            ["power", "--p-control", "0.06", "--p-treatment", "0.115", "--power", "0.04"],
            "power 0.04 is not above the significance level per comparison (0.05)",
        ),
        (
            [
                "power",
                "--p-control",
                "0.06",
                "--p-treatment",
                "0.115",
                "--power",
                "0.8",
                "--arms",
                "1000",
                "--correction",
                "holm",
            ],
            "arms must be a whole number from 1 to 50",
        ),
        (
            [
                "monitor",
                "boundaries",
                "--looks",
                "3",
                "--information",
                "0.5,0.3,1",
                "--spending",
                "pocock",
            ],
            "information fractions must increase strictly from look to look; got 0.5, 0.3, 1",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert match in err


def test_monitor_boundaries_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "monitor",
            "boundaries",
            "--looks",
            "3",
            "--information",
            "0.3,0.55,1",
            "--spending",
            "hsd",
            "--gamma",
            "-2",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    payload = json.loads(out)
    assert [set(look) for look in payload["looks"]] == [
        {"information", "z", "alpha_cumulative", "p_nominal"}
    ] * 3
    expected = group_sequential_boundaries(information=[0.3, 0.55, 1], spending="hsd", gamma=-2)
    assert [look["z"] for look in payload["looks"]] == pytest.approx(list(expected.z))
    code, out, _ = run(
        ["monitor", "boundaries", "--looks", "4", "--spending", "obrien-fleming"], capsys
    )
    assert code == 0 and "obrien-fleming" in out and out.count("\n") == 6


def test_help_imports_no_heavy_library() -> None:
    script = (
        "import sys\n"
        "from participatie_rct.cli import main\n"
        "commands = (['power'], ['monitor', 'status'], ['monitor', 'boundaries'])\n"
        "for argv in commands:\n"
        "    try:\n"
        "        main([*argv, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "names = ('pandas', 'numpy', 'scipy', 'statsmodels', 'sqlalchemy')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:"
    assert "--p-control" in done.stdout and "--looks-done" in done.stdout


# ------------------------------------------------------------------------------ end to end

HORIZON = 6


def _trial(tmp_path: Path) -> tuple[str, pd.DataFrame]:
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

    text = (
        protocol_text(
            'method = "permuted_blocks"\nstrata = ["site"]\nblock_sizes = [4]',
            identifiers='column = "id"\nkind = "pseudonym"',
        )
        + f'\n[analysis]\nhorizon_months = {HORIZON}\ninterim_looks = 2\nspending = "pocock"\n'
    )
    protocol = Protocol.from_text(text, source="trial.toml")
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    ids = [f"p{i:04d}" for i in range(240)]
    frame = pd.DataFrame(
        {
            "participant": ids,
            "site": ["Ede" if i % 2 else "Tiel" for i in range(len(ids))],
            "enrolled_on": pd.to_datetime(["2018-02-13"] * len(ids)),
        }
    )
    with Register.create(url, protocol, key=None, secret=SECRET_BYTES) as register:
        register.assign_frame(frame)
        assignments = register.assignments()
    return url, assignments


def _benefit_months(folder: Path, assignments: pd.DataFrame) -> pd.Period:
    # follow-up counts from the intake date (enrolled_on), not from when the record was written
    start = pd.Timestamp(assignments["enrolled_on"].min()).to_period("M")
    rows = []
    for i, (participant, arm) in enumerate(
        zip(assignments["participant"], assignments["arm"], strict=True)
    ):
        # intensive support: every other participant leaves for work in month 2; others one in ten
        leaves = (i % 2 == 0) if arm == "intensive_support" else (i % 10 == 0)
        for k in range(1, HORIZON + 2):
            month = start + k
            if leaves and k >= 2:
                rows.append(f"{participant};{month};nee;{'work' if k == 2 else ''}")
            else:
                rows.append(f"{participant};{month};ja;")
    folder.mkdir()
    (folder / "benefit_months.csv").write_text(
        "id;month;on_benefit;exit_reason\n" + "\n".join(rows) + "\n"
    )
    return start + HORIZON + 1


def test_monitor_status_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, assignments = _trial(tmp_path)
    end = _benefit_months(tmp_path / "data", assignments)
    as_of = (end.to_timestamp(how="end")).date().isoformat()
    argv = [
        "monitor",
        "status",
        "--db",
        url,
        "--data",
        str(tmp_path / "data"),
        "--as-of",
        as_of,
        "--target-n",
        "480",
        "--planned-effect",
        "0.1",
        "--format",
        "json",
    ]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["look"] == 1 and payload["n_observed"] == 240
    assert payload["information"] == pytest.approx(0.5)
    assert payload["spending"] == "pocock" and payload["horizon_months"] == HORIZON
    expected = group_sequential_boundaries(information=[0.5], alpha=0.05 / 3, spending="pocock")
    assert payload["z_boundary"] == pytest.approx(expected.z[0])
    by_arm = {c["arm"]: c for c in payload["comparisons"]}
    assert set(by_arm) == {"earn_more", "intensive_support", "no_application_duty"}
    assert by_arm["intensive_support"]["crossed"] is True
    assert by_arm["intensive_support"]["outflow"] == pytest.approx(0.5, abs=0.1)
    assert 0 <= by_arm["earn_more"]["conditional_power_design"] <= 1
    # a second look, after the first at the planned 1/3
    code, out, _ = run([*argv[:-2], "--looks-done", "1"], capsys)
    assert code == 0
    assert "Look 2 (interim look)" in out
    # the last planned look is the final analysis
    code, out, _ = run([*argv[:-2], "--previous-information", "0.2,0.4"], capsys)
    assert code == 0 and "Look 3 (final analysis)" in out


def test_monitor_status_refuses_a_folder_without_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = _trial(tmp_path)
    (tmp_path / "empty").mkdir()
    code, out, err = run(
        ["monitor", "status", "--db", url, "--data", str(tmp_path / "empty")], capsys
    )
    assert code == 2 and out == ""
    assert "no benefit_months file there" in err


_MDE_CASES = [
    c
    for c in json.loads(
        (Path(__file__).parents[1] / "reference" / "power_prop_test.json").read_text("utf-8")
    )["prop"]
    if set(c["given"]) == {"n", "p1", "sig.level", "power", "strict"} and not c["strict"]
]


@pytest.mark.reference
@pytest.mark.parametrize("case", _MDE_CASES, ids=lambda c: f"n{c['n']}-p{c['p1']}")
def test_power_mde_equals_power_prop_test_solved_for_p2(
    case: dict[str, float], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        [
            "power",
            "--p-control",
            str(case["p1"]),
            "--n-per-arm",
            str(case["n"]),
            "--power",
            str(case["power"]),
            "--alpha",
            repr(case["sig.level"]),
            "--mde",
            "--correction",
            "none",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)["p_treatment"] == pytest.approx(case["p2"], rel=1e-6)


def test_power_mde_refuses_a_treatment_proportion(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        ["power", "--p-control", "0.12", "--p-treatment", "0.2", "--n-per-arm", "190", "--mde"],
        capsys,
    )
    assert code == 2 and "leave out --p-treatment" in err


def test_power_counts_treatment_arms_and_defaults_to_holm(
    capsys: pytest.CaptureFixture[str],
) -> None:
    common = ["power", "--p-control", "0.06", "--p-treatment", "0.115", "--power", "0.8"]
    _, new_name, _ = run([*common, "--treatment-arms", "3", "--format", "json"], capsys)
    _, old_name, _ = run([*common, "--arms", "3", "--format", "json"], capsys)
    _, holm, _ = run([*common, "--arms", "3", "--correction", "holm", "--format", "json"], capsys)
    assert json.loads(new_name) == json.loads(old_name) == json.loads(holm)
    _, out, _ = run(["power", "--help"], capsys)
    assert "NOT counting the control" in " ".join(out.split())
