"""Hostile DATA files on the command line: each refusal is one stderr line naming the file,
column, row and value, with exit code 2 and nothing on stdout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from participatie_rct.cli import main


def trial(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame(
        {
            "arm": np.resize(["control", "earn_more"], n),
            "y": (rng.random(n) < 0.4).astype(int),
            "x": rng.normal(size=n),
            "t": rng.integers(1, 20, n),
            "ev": rng.choice([0, 1, 2], n),
        }
    )


def refusal(tmp_path: Path, capsys: pytest.CaptureFixture[str], frame, *argv: str) -> str:
    """Write ``frame`` as CSV, run the command with the file; return stderr of a refusal."""
    path = tmp_path / "hostile.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SystemExit) as stop:
        words = next(i for i, a in enumerate(argv) if a.startswith("--"))  # the command's words
        main([*argv[:words], str(path), *argv[words:], "--format", "json"])
    out = capsys.readouterr()
    assert stop.value.code == 2 and out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and "internal error" not in lines[0] and "Traceback" not in out.err
    assert str(path) in lines[0]
    return lines[0]


ITT = ("estimate", "itt", "--treatment", "arm", "--outcome", "y")
SURV = ("estimate", "survival", "--treatment", "arm", "--time", "t", "--event", "ev")


def with_value(column: str, value: object) -> pd.DataFrame:
    frame = trial()
    frame[column] = frame[column].astype(object)
    frame.loc[3, column] = value
    return frame


CASES = {
    "text in the outcome": (
        with_value("y", "abc"),
        ITT,
        "column 'y': 1 value(s) are not numbers (data row 4: 'abc')",
    ),
    "infinite outcome": (with_value("y", "inf"), ITT, "are infinite or too large (data row 4"),
    "huge outcome": (with_value("y", 1e300), ITT, "(data row 4: 1e+300). Correct them"),
    "constant outcome": (trial().assign(y=1), ITT, "the outcome is 1 in every row used"),
    "covariate is the treatment": (
        trial(),
        (*ITT, "--covariates", "x,arm"),
        "column 'arm' is the treatment and also a covariate",
    ),
    "covariate is the outcome (logit)": (
        trial(),
        (*ITT, "--covariates", "y", "--logit"),
        "column 'y' is the outcome and also a covariate",
    ),
    "subgroup is the treatment": (
        trial(),
        (*ITT, "--subgroup", "arm"),
        "column 'arm' is the treatment and cannot also define the subgroups",
    ),
    "constant outcome (logit)": (
        trial().assign(y=0),
        (*ITT, "--logit"),
        "the outcome is 0 in every row used",
    ),
    "one level only": (trial().assign(arm="control"), ITT, "only one arm (control)"),
    "unknown control": (trial(), (*ITT, "--control", "nope"), "control level 'nope' does not"),
    "text time": (
        with_value("t", "abc"),
        SURV,
        "column 't': 1 row has text where a time belongs (line 5, e.g. 'abc')",
    ),
    "negative time": (with_value("t", -3), SURV, "1 row has a negative or infinite time (line 5"),
    "event word": (with_value("ev", "ja"), SURV, "1 row has no valid event code (line 5, e.g."),
    "all censored": (trial().assign(ev=0), SURV, "no exits at all"),
    "event code not in the data": (
        trial(),
        (*SURV, "--event-of-interest", "7"),
        "event code 7 does not occur",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_file_is_refused_in_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame, argv, message = CASES[case]
    assert message in refusal(tmp_path, capsys, frame, *argv)


def panel() -> pd.DataFrame:
    people = np.repeat(np.arange(20), 4)
    return pd.DataFrame(
        {
            "pid": people,
            "arm": np.where(people % 2 == 0, "control", "earn_more"),
            "month": np.tile([1, 2, 3, 4], 20),
            "off": (np.arange(80) % 3 == 0).astype(int),
        }
    )


PANEL = ("estimate", "panel", "--outcome", "off", "--treatment", "arm", "--time", "month")


@pytest.mark.parametrize(
    ("frame", "argv", "message"),
    [
        (
            pd.concat([panel(), panel().iloc[:1]]),
            (*PANEL, "--id", "pid"),
            "columns 'pid' and 'month': 1 row(s) repeat a person and month (line 82)",
        ),
        (panel(), (*PANEL, "--id", "arm"), "the id column 'arm' is also the treatment"),
        (panel(), (*PANEL, "--id", "month"), "column 'month': id 1 has rows in more than one arm"),
        (
            panel().assign(month=lambda d: np.where(d.index == 0, 9, d["month"])),
            (*PANEL, "--id", "pid"),
            "arm 'earn_more' has no person-months in month 9 of column 'month'",
        ),
        (
            panel().assign(off=lambda d: np.where(d.index == 2, np.inf, d["off"])),
            (*PANEL, "--id", "pid"),
            "column 'off': 1 row has no finite number (line 4, e.g. 'inf')",
        ),
    ],
    ids=["repeated month", "id is the arm", "id is not a person", "empty cell", "inf"],
)
def test_hostile_panel_is_refused_in_one_line(
    frame: pd.DataFrame,
    argv: tuple[str, ...],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert message in refusal(tmp_path, capsys, frame, *argv)


def test_balance_refuses_the_treatment_as_covariate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("balance", "--treatment", "arm", "--covariates", "x,arm")
    message = refusal(tmp_path, capsys, trial(), *argv)
    assert "column 'arm' is the treatment: it cannot also be a covariate" in message


@pytest.mark.parametrize(
    "argv",
    [
        (*ITT, "--covariates", "x"),
        (*SURV, "--covariates", "x"),
        ("balance", "--treatment", "arm", "--covariates", "x"),
    ],
    ids=["itt", "survival", "balance"],
)
def test_stray_text_in_a_numeric_covariate_is_named(
    argv: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = refusal(tmp_path, capsys, with_value("x", "onbekend"), *argv)
    assert "column 'x': mostly numbers, but data row 4 holds 'onbekend'" in message


def test_numeric_arms_read_the_same_in_control_and_dropped_counts(tmp_path: Path) -> None:
    """Arms 0/1 with an empty cell become floats in the file; labels stay "0" and "1"."""
    from participatie_rct.data import read_frame
    from participatie_rct.estimate import itt

    frame = trial().assign(arm=lambda d: np.where(d["arm"] == "control", 0, 1))
    frame["arm"] = frame["arm"].astype(float)
    frame.loc[0, "arm"] = np.nan
    path = tmp_path / "numeric_arms.csv"
    frame.to_csv(path, index=False)
    result = itt(read_frame(path), outcome="y", treatment="arm", control="0.0")
    assert result.settings["control"] == "0" and result.settings["arms"] == ["1"]
    assert result.settings["n_dropped_by_arm"] == {"(missing)": 1, "0": 0, "1": 0}
