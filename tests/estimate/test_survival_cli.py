"""``estimate survival`` and ``estimate panel`` on the command line: JSON keys, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from participatie_rct.cli import main

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
PBC = REF_DIR / "survival_pbc.csv"
PANEL = REF_DIR / "survival_panel.csv"


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_survival_json_has_the_contract_keys(capsys):
    code, out, err = run(
        capsys,
        "estimate",
        "survival",
        str(PBC),
        "--time",
        "time",
        "--event",
        "status",
        "--treatment",
        "trt",
        "--control",
        "1",
        "--times",
        "365,1461",
        "--format",
        "json",
    )
    assert code == 0, err
    payload = json.loads(out)
    assert {"km", "logrank", "cox"} <= set(payload)
    assert "cif" not in payload and "gray" not in payload
    assert [(r["arm"], r["time"]) for r in payload["km"]] == [
        ("1", 365.0),
        ("1", 1461.0),
        ("2", 365.0),
        ("2", 1461.0),
    ]
    for row in payload["km"]:
        assert {"arm", "time", "survival", "std_error", "ci_low", "ci_high"} <= set(row)
    assert set(payload["logrank"]) == {"statistic", "df", "p_value"}
    assert payload["logrank"]["df"] == 1
    for row in payload["cox"]:
        assert {
            "term",
            "arm",
            "coef",
            "hazard_ratio",
            "std_error",
            "robust_std_error",
            "p_value",
        } <= set(row)


def test_survival_json_with_competing_exits(capsys):
    code, out, err = run(
        capsys,
        "estimate",
        "survival",
        str(PBC),
        "--time",
        "time",
        "--event",
        "status",
        "--treatment",
        "trt",
        "--control",
        "1",
        "--event-of-interest",
        "2",
        "--covariates",
        "age,bili",
        "--times",
        "730,2922",
        "--format",
        "json",
    )
    assert code == 0, err
    payload = json.loads(out)
    assert {"km", "logrank", "cox", "cif", "gray", "fine_gray"} <= set(payload)
    assert [(r["arm"], r["time"]) for r in payload["cif"]] == [
        ("1", 730.0),
        ("1", 2922.0),
        ("2", 730.0),
        ("2", 2922.0),
    ]
    for row in payload["cif"]:
        assert {"arm", "time", "cumulative_incidence", "std_error"} <= set(row)
    assert set(payload["gray"]) == {"statistic", "df", "p_value"}
    assert [r["term"] for r in payload["fine_gray"]] == ["arm", "age", "bili"]
    for row in payload["fine_gray"]:
        assert {"term", "arm", "coef", "std_error", "p_value"} <= set(row)
    assert [r["term"] for r in payload["cox"]] == ["arm", "age", "bili"]


def test_survival_text_output_and_strata(capsys):
    code, out, err = run(
        capsys,
        "estimate",
        "survival",
        str(PBC),
        "--time",
        "time",
        "--event",
        "status",
        "--treatment",
        "trt",
        "--control",
        "1",
        "--strata",
        "sex",
        "--tau",
        "1461",
    )
    assert code == 0, err
    assert "Kaplan-Meier" in out and "Log-rank" in out and "Cox" in out and "Restricted mean" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--time", "days"), "time column 'days' is not in the data"),
        (("--time", "time", "--event-of-interest", "5"), "event code 5 does not occur"),
        (("--time", "time", "--times", "1,x"), "--times: 'x' is not a time since assignment"),
        (("--time", "time", "--times", "-5"), "--times: '-5' is not a time since assignment"),
        (("--time", "time", "--tau", "100000"), "tau 100000 lies beyond the follow-up of arm"),
        (("--time", "time", "--covariates", "time"), "'time' is the time column and also a"),
        (("--time", "trt"), "'trt' is named as both"),
    ],
)
def test_survival_bad_input_exits_2_with_one_line(capsys, args, message):
    code, out, err = run(
        capsys,
        "estimate",
        "survival",
        str(PBC),
        "--event",
        "status",
        "--treatment",
        "trt",
        "--control",
        "1",
        *args,
        "--format",
        "json",
    )
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_panel_json(capsys):
    code, out, err = run(
        capsys,
        "estimate",
        "panel",
        str(PANEL),
        "--outcome",
        "event_by_month",
        "--treatment",
        "trt",
        "--control",
        "1",
        "--time",
        "month",
        "--id",
        "participant",
        "--format",
        "json",
    )
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"effects", "settings", "warnings"}
    assert [r["month"] for r in payload["effects"]] == [1, 2, 3, 4, 5, 6]
    assert payload["settings"]["n_clusters"] == 137
    assert payload["settings"]["se_type"] == "cluster_hc1"
    for row in payload["effects"]:
        assert {
            "arm",
            "term",
            "month",
            "estimate",
            "std_error",
            "p_value",
            "ci_low",
            "ci_high",
        } <= set(row)
