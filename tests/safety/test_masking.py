"""No error puts a BSN on screen: every path the command line can reach masks 8-9 digit runs.

The attack of the issue: a participants file exported without its header row makes the first
person the header, and a refusal that lists "columns found" prints that person's BSN. Each
command below is driven into an error with a BSN-like value in it; stderr must hold no run
of 8 or 9 digits (also written ``111.222.333`` or ``111 222 333``).
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest

from participatie_rct.cli.common import error_line, masked_stderr
from participatie_rct.errors import ParticipatieRCTError, RegistryError, mask_identifiers

from .helpers import BSN_RUN, run

#: Test numbers (they pass the elfproef; nobody's).
BSN = "111222333"
DOTTED = "111.222.333"
SPACED = "111 222 333"


@pytest.fixture(scope="module")
def headerless(tmp_path_factory) -> Path:
    """A participants file whose header row was lost in the export: data starts on line 1."""
    folder = tmp_path_factory.mktemp("headerless")
    path = folder / "participants.csv"
    path.write_text(
        f"{BSN},Ede,2018-02-13,1970,v,45+,12\n123456782,Wageningen,2018-02-14,1980,m,18-44,3\n",
        encoding="utf-8",
    )
    (folder / "benefit_months.csv").write_text(f"{BSN},2018-03,true,,0\n", encoding="utf-8")
    return path


def commands(trial, headerless: Path, tmp: Path) -> dict[str, list[str]]:
    """A command line per error path, each carrying a BSN-like value."""
    existing = tmp / BSN
    existing.write_text("x")
    return {
        "validate headerless": ["validate", "participants", str(headerless)],
        "assign headerless": ["assign", "--db", trial.db, str(headerless)],
        "assign --set": ["assign", "--db", trial.db, "--id", "A-1", "--set", f"{BSN}=x"],
        "withdraw unknown": ["withdraw", "--db", trial.db, "--id", BSN, "--reason", "moved"],
        "deviation unknown": [
            "deviation",
            "--db",
            trial.db,
            "--id",
            DOTTED,
            "--kind",
            "other",
            "--reason",
            "wrong",
        ],
        "assign --dry-run headerless": ["assign", "--db", trial.db, "--dry-run", str(headerless)],
        "outcomes headerless": [
            "outcomes",
            "--db",
            trial.db,
            "--data",
            str(headerless.parent),
            "--out",
            str(tmp / "o.csv"),
        ],
        "estimate itt": ["estimate", "itt", str(headerless), "--outcome", BSN, "--treatment", "a"],
        "estimate survival": [
            "estimate",
            "survival",
            str(headerless),
            "--time",
            DOTTED,
            "--event",
            "e",
            "--treatment",
            "a",
        ],
        "balance": ["balance", str(headerless), "--treatment", SPACED, "--covariates", "x"],
        "power bad value": [
            "power",
            "--p-control",
            BSN,
            "--p-treatment",
            "0.2",
            "--n-per-arm",
            "10",
        ],
        "power not a number": [
            "power",
            "--p-control",
            "0.1",
            "--p-treatment",
            "0.2",
            "--n-per-arm",
            DOTTED,
        ],
        "monitor": [
            "monitor",
            "boundaries",
            "--looks",
            "2",
            "--information",
            f"0.5,{BSN}",
            "--spending",
            "pocock",
        ],
        "init missing protocol": [
            "init",
            "--protocol",
            str(tmp / f"{BSN}.toml"),
            "--db",
            f"sqlite:///{tmp / 't.db'}",
        ],
        "export no register": [
            "export",
            "--db",
            f"sqlite:///{tmp / BSN / 'x.db'}",
            "--out",
            str(tmp / "e.csv"),
        ],
        "report no data": [
            "report",
            "final",
            "--db",
            trial.db,
            "--data",
            str(tmp / "no" / BSN),
            "--out",
            str(tmp / "r"),
        ],
        "simulate onto a file": [
            "simulate",
            "--scenario",
            "generic",
            "--seed",
            "1",
            "--out",
            str(existing),
        ],
        "unknown option": ["status", f"--{BSN}"],
    }


#: The error paths of :func:`commands`, one test each.
NAMES = [
    "validate headerless",
    "assign headerless",
    "assign --set",
    "withdraw unknown",
    "deviation unknown",
    "assign --dry-run headerless",
    "outcomes headerless",
    "estimate itt",
    "estimate survival",
    "balance",
    "power bad value",
    "power not a number",
    "monitor",
    "init missing protocol",
    "export no register",
    "report no data",
    "simulate onto a file",
    "unknown option",
]


def test_every_error_path_is_tested(hostile_trial, headerless, tmp_path) -> None:
    assert sorted(commands(hostile_trial, headerless, tmp_path)) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_no_error_path_prints_a_bsn(name, hostile_trial, headerless, tmp_path, capsys) -> None:
    argv = commands(hostile_trial, headerless, tmp_path)[name]
    code, out, err = run(argv, capsys)
    assert code != 0, f"{name}: expected a refusal, got {out!r}"
    assert err.startswith("participatie-rct: error:"), err
    assert not BSN_RUN.search(err), err
    assert BSN not in out and DOTTED not in out and SPACED not in out


def test_the_headerless_refusal_still_says_what_to_fix(headerless, capsys) -> None:
    code, _, err = run(["validate", "participants", str(headerless)], capsys)
    # the reader names the problem without echoing the header row at all
    assert code == 2 and "no header line" in err and "Add a header line" in err
    assert not re.search(r"\d{8,9}", err.replace("8-9", ""))


def test_the_error_family_masks_its_message_and_arguments() -> None:
    error = RegistryError(f"unknown participant {BSN} (also {DOTTED})")
    assert str(error) == "unknown participant ********* (also ***.***.***)"
    assert BSN not in repr(error.args)
    assert isinstance(error, ParticipatieRCTError)


def test_an_internal_error_is_masked_too() -> None:
    line, code = error_line(KeyError(f"participant {BSN}"))
    assert code == 2 and "internal error" in line and BSN not in line


def test_other_stderr_lines_are_masked(capsys) -> None:
    with masked_stderr():
        print(f"note: {SPACED} was skipped", file=sys.stderr)
        sys.stderr.write(warnings.formatwarning(f"column {BSN}", UserWarning, "x.py", 1))
    err = capsys.readouterr().err
    assert not BSN_RUN.search(err) and "was skipped" in err


@pytest.mark.parametrize(
    "text",
    [
        "lines 19, 241, 242",
        "enrolled_on 2018-02-13 and 13-02-2018",
        "protocol SHA-256 3e00515d518e47f4123456789abcdef0",
        "pseudonym 0f8c1234567890ab1234567890abcdef1234567890abcdef1234567890abcd",
        "1234567 people and 1234567890 euros",
        "e.g. seed = 20170901; or --seed 123456789",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_identifiers(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("verhuisd, bsn111222333", "verhuisd, bsn*********"),
        ("id=111222333x", "id=*********x"),
        ("P11222335 (zero lost)", "P******** (zero lost)"),
        ("ids P00012345 and P12345678", "ids P00012345 and P12345678"),
    ],
)
def test_a_bsn_glued_to_letters_is_masked_other_ids_are_not(text: str, masked: str) -> None:
    """Typed without a space a BSN still passes the elfproef; ids that do not stay readable."""
    assert mask_identifiers(text) == masked
