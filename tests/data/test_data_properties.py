"""Properties on generated input: the elfproef, decimal commas, and CSV dialect detection."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participatie_rct.data import bsn_problem, passes_elfproef, read_raw, validate_file
from participatie_rct.data.dialect import detect_delimiter
from participatie_rct.data.values import parse_number

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def valid_bsns(draw: st.DrawFn, leading_zero: bool = False) -> str:
    """Eight digits and the one check digit that makes the weighted sum divisible by 11.

    With ``leading_zero`` the first digit is 0 (drawn so, not filtered: filtering nine in ten
    draws away trips Hypothesis' filter health check).
    """
    digits = draw(st.lists(st.integers(0, 9), min_size=8, max_size=8))
    if leading_zero:
        digits[0] = 0
    check = sum(w * d for w, d in zip(WEIGHTS, digits, strict=True)) % 11
    bsn = "".join(map(str, digits)) + str(check)
    if check == 10 or bsn == "000000000":
        return "011222335" if leading_zero else "111222333"
    return bsn


@SETTINGS
@given(valid_bsns())
def test_constructed_bsns_pass(bsn: str) -> None:
    assert passes_elfproef(bsn)
    assert bsn_problem(bsn) is None


@SETTINGS
@given(valid_bsns(), st.integers(0, 8), st.integers(1, 9))
def test_every_single_digit_error_is_caught(bsn: str, position: int, shift: int) -> None:
    """The weights are non-zero mod 11 (a prime), so changing one digit always breaks the sum."""
    changed = bsn[:position] + str((int(bsn[position]) + shift) % 10) + bsn[position + 1 :]
    assert not passes_elfproef(changed)
    assert bsn_problem(changed) is not None


@SETTINGS
@given(valid_bsns(), st.integers(0, 7))
def test_every_adjacent_swap_is_caught(bsn: str, position: int) -> None:
    """Neighbouring weights differ by 1 (3 for the last pair): a swap of distinct digits fails."""
    a, b = bsn[position], bsn[position + 1]
    swapped = bsn[:position] + b + a + bsn[position + 2 :]
    assert passes_elfproef(swapped) == (a == b)


@SETTINGS
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_elfproef_matches_its_definition(text: str) -> None:
    total = sum(w * int(d) for w, d in zip((*WEIGHTS, -1), text, strict=True))
    assert passes_elfproef(text) == (total % 11 == 0 and text != "000000000")
    assert (bsn_problem(text) is None) == passes_elfproef(text)


@SETTINGS
@given(valid_bsns(leading_zero=True))
def test_lost_leading_zero_gets_the_spreadsheet_hint(bsn: str) -> None:
    problem = bsn_problem(bsn[1:])
    assert problem is not None and "leading zero" in problem


@SETTINGS
@given(
    st.decimals(
        min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
    )
)
def test_decimal_comma_and_point_read_the_same(value) -> None:
    text = f"{value:.2f}"
    dutch = text.replace(".", ",")
    grouped = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    numbers, bad = parse_number(pd.Series([text, dutch, grouped]))
    assert not bad.any()
    assert numbers.tolist() == [float(text)] * 3


WORDS = [
    "Ede",
    "Zoë",
    "Café",
    "Súdwest-Fryslân",
    "één",
    "naïef",
    "€ 12,50",
    "a;b",
    "x,y",
    'zegt "ja"',
    "regel\ntwee",
    "1.234,5",
    "12,5",
    "0012",
    "ja",
    "13-02-2018",
    "tab\there",
    "",
    "straße",
    "Jürgen",
]
NAMES = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=6, unique=True
)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    names = draw(NAMES)
    n_rows = draw(st.integers(1, 8))
    rows = []
    for i in range(n_rows):
        first = f"P{i}"  # the first cell is never empty, so no row is blank
        rows.append([first] + [draw(st.sampled_from(WORDS)) for _ in names[1:]])
    return names, rows


@SETTINGS
@given(
    tables(),
    st.sampled_from([";", ",", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_dialect_detection_recovers_what_was_written(
    table, delimiter: str, encoding: str, newline: str
) -> None:
    names, rows = table
    buffer = io.StringIO(newline="")
    # csv.writer quotes only the line terminator's own characters: quote all when "\n" would
    # otherwise stand bare in a file whose lines end in "\r" (a spreadsheet always quotes it).
    quoting = csv.QUOTE_ALL if newline == "\r" else csv.QUOTE_MINIMAL
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=quoting).writerows(
        [names, *rows]
    )
    text = buffer.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(text.encode(encoding))
        raw = read_raw(path)
    if len(names) > 1:
        assert raw.delimiter == delimiter
    ascii_only = text.isascii()
    expected_encoding = {
        "utf-8-sig": "utf-8-sig",
        "utf-8": "utf-8",
        "cp1252": "utf-8" if ascii_only else "cp1252",
    }
    assert raw.encoding == expected_encoding[encoding]
    assert list(raw.columns) == names
    expected = [[cell.strip() or None for cell in row] for row in rows]
    assert raw.cells.to_numpy().tolist() == expected
    # positions are the physical lines: header on line 1, quoted newlines counted
    line = 2
    for row, position in zip(rows, raw.positions.tolist(), strict=True):
        assert position == line
        line += 1 + sum(cell.count("\n") for cell in row)


@SETTINGS
@given(tables(), st.sampled_from([";", ",", "\t"]))
def test_delimiter_detection_on_text(table, delimiter: str) -> None:
    names, rows = table
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows([names, *rows])
    detected = detect_delimiter(buffer.getvalue())
    assert detected == (delimiter if len(names) > 1 else ",")


@SETTINGS
@given(st.lists(valid_bsns(), min_size=1, max_size=20, unique=True), st.sampled_from([";", ","]))
def test_generated_participants_validate(bsns: list[str], delimiter: str) -> None:
    text = (
        "\n".join([delimiter.join(["bsn", "site"]), *(delimiter.join([b, "Ede"]) for b in bsns)])
        + "\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "participants.csv"
        path.write_text(text, encoding="utf-8")
        assert validate_file(path, "participants").n_rows == len(bsns)
