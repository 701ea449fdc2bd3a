"""Disclosure control: cells below 10 hidden, and a second cell where a total would reveal one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participatie_rct.report.disclosure import (
    count_text,
    share_text,
    suppress_counts,
    suppress_table,
)


def test_nine_is_hidden_and_ten_is_printed() -> None:
    assert count_text(9) == "<10"
    assert count_text(10) == "10"
    assert count_text(0) == "0"
    table = suppress_table([[9, 10, 30]])
    assert table.cell(0, 0) == "<10"
    assert table.cell(0, 1) == "·"  # hidden too: 49 - 10 - 30 would give the 9 away
    assert table.cell(0, 2) == "30"
    assert table.row_total(0) == "49"


def test_a_row_of_tens_is_printed_whole() -> None:
    table = suppress_table([[10, 10, 12], [11, 10, 25]])
    assert table.n_hidden == 0
    assert [table.cell(1, j) for j in range(3)] == ["11", "10", "25"]
    assert table.total_text() == "78"


def test_total_that_would_reveal_a_cell_gets_a_second_cell_hidden() -> None:
    # 7 is hidden; its row total 57 and column total 27 would reveal it unless a second cell
    # in its row and in its column is hidden as well.
    table = suppress_table([[7, 50], [20, 40]])
    assert table.cell(0, 0) == "<10"
    assert table.hidden[0][1] and table.hidden[1][0]
    assert table.hidden[1][1]  # and then column 2 and row 2 each need a second hidden cell
    assert table.row_total(0) == "57" and table.column_total(0) == "27"


def test_small_total_is_hidden_and_protected_in_the_margin() -> None:
    table = suppress_table([[3, 2], [40, 30], [20, 25]])
    assert table.row_total(0) == "<10"
    # the grand total minus the other row totals would give it: another row total is hidden
    assert sum(table.row_totals_hidden) >= 2


def test_suppress_counts_of_one_line() -> None:
    cells, total = suppress_counts([12, 9, 15, 30])
    assert cells == ["·", "<10", "15", "30"]  # the smallest other cell, 12, protects the 9
    assert total == "66"


def test_share_hidden_when_either_group_is_small() -> None:
    assert share_text(9, 100) == "·"
    assert share_text(10, 100) == "10.0%"
    assert share_text(91, 100) == "·"  # 100 - 91 = 9 people without
    assert share_text(90, 100) == "90.0%"
    assert share_text(12, 100, language="nl") == "12,0%"


def test_refuses_negative_or_ragged_tables() -> None:
    with pytest.raises(ValueError, match="never negative"):
        suppress_table([[1, -1]])
    with pytest.raises(ValueError, match="rectangular"):
        suppress_table([[1, 2], [3]])


def _recoverable(table) -> bool:
    """True if some sum has exactly one hidden term (that term could be recomputed)."""
    n_rows, n_cols = len(table.counts), len(table.counts[0])
    sums = [
        [table.hidden[i][j] for j in range(n_cols)] + [table.row_totals_hidden[i]]
        for i in range(n_rows)
    ]
    sums += [
        [table.hidden[i][j] for i in range(n_rows)] + [table.column_totals_hidden[j]]
        for j in range(n_cols)
    ]
    sums.append([*table.row_totals_hidden, table.total_hidden])
    sums.append([*table.column_totals_hidden, table.total_hidden])
    return any(sum(flags) == 1 for flags in sums)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda c: st.lists(
            st.lists(st.integers(0, 40), min_size=c, max_size=c), min_size=1, max_size=4
        )
    )
)
def test_no_small_cell_printed_and_none_recoverable(body) -> None:
    table = suppress_table(body)
    for i, row in enumerate(body):
        for j, value in enumerate(row):
            text = table.cell(i, j)
            assert not (0 < value < 10 and text == str(value))
            if not table.hidden[i][j]:
                assert text == str(value)
    for i, total in enumerate(table.row_totals):
        assert not (0 < total < 10 and table.row_total(i) == str(total))
    # a hidden cell can only be recovered when its partners are all zeros (nothing to hide behind)
    if _recoverable(table):
        assert any(v == 0 for row in body for v in row)


def test_no_count_table_of_a_report_prints_fewer_than_ten(demo_inputs) -> None:
    import datetime as dt

    from participatie_rct.choices import ReportKind
    from participatie_rct.trial import Trial

    context = Trial(demo_inputs, as_of=dt.date(2018, 10, 31), key=None).report_context(
        kind=ReportKind.INTERIM,
        language="en",
        blinded=False,
        package_version="test",
    )
    checked = 0
    for name in ("consort_table", "intake_table", "competing_table", "dq_table", "outflow_table"):
        table = context.values[name]
        columns = range(1, len(table.header)) if name != "outflow_table" else (1, 2)
        for row in table.rows:
            for j in columns:
                checked += 1
                count = row[j].replace(",", "")  # an English report groups thousands: 1,230
                assert row[j] in {"<10", "·", "0"} or int(count) >= 10, f"{name}: {row}"
    assert checked > 40
    for row in context.values["balance_table"].rows:
        if "·" in row[2:]:
            assert row[1] == "·", row  # the largest SMD would give a hidden share away
    # the demo's interim has small cells (withdrawals per arm, early exits): shown as <10
    small = ("consort_table", "outflow_table", "competing_table")
    assert any("<10" in row for name in small for row in context.values[name].rows)
