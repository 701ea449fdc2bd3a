"""A small trial made by hand for the tests of ``Trial``: a register with declines, a
withdrawal and a deviation, and data files that lack one assigned participant (a module, not
conftest, so test files can import its names)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from trial_protocols import SECRET_BYTES, protocol_text

HORIZON = 6
N = 80
#: assigned, but left out of participants.csv (the report must name this)
MISSING = "p0003"
DECLINED = ("d0001", "d0002")


@dataclass(frozen=True)
class HandMade:
    url: str
    data: Path
    assignments: pd.DataFrame


def make_trial(root: Path, *, only_one_in: str | None = None, analysis: str = "") -> HandMade:
    """Register ``N`` people (and two who decline) and write their data files into root/data.

    With ``only_one_in`` an arm, only one person of that arm has benefit months, so the ITT
    of a report has a single analysed person there and its HC2 variance refuses. ``analysis``
    is added to the protocol after its ``[analysis]`` table.
    """
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

    text = (
        protocol_text(
            'method = "permuted_blocks"\nstrata = ["site"]\nblock_sizes = [4]',
            identifiers='column = "id"\nkind = "pseudonym"',
        )
        + f'\n[analysis]\nhorizon_months = {HORIZON}\ninterim_looks = 2\nspending = "pocock"\n'
        + analysis
    )
    protocol = Protocol.from_text(text, source="trial.toml")
    ids = [f"p{i:04d}" for i in range(N)]
    people = pd.DataFrame(
        {
            "participant": [*ids, *DECLINED],
            "site": ["Ede" if i % 2 else "Tiel" for i in range(N + len(DECLINED))],
            "enrolled_on": pd.to_datetime(["2018-02-13"] * (N + len(DECLINED))),
            "consent": [True] * N + [False] * len(DECLINED),
        }
    )
    url = f"sqlite:///{root / 'trial.db'}"
    with Register.create(url, protocol, key=None, secret=SECRET_BYTES) as register:
        register.assign_frame(people)
        register.withdraw("p0001", "moved away", key=None)
        register.record_event("p0002", "deviation", "received coaching by mistake", key=None)
        assignments = register.assignments()
    data = root / "data"
    data.mkdir()
    listed = people[people["participant"] != MISSING].rename(columns={"participant": "id"})
    listed = listed.assign(
        enrolled_on=listed["enrolled_on"].dt.strftime("%Y-%m-%d"),
        birth_year=[1970 + i % 30 for i in range(len(listed))],
        sex=["v" if i % 3 else "m" for i in range(len(listed))],
        months_on_benefit=[12 + i % 40 for i in range(len(listed))],
    )
    listed.to_csv(data / "participants.csv", index=False)
    _benefit_months(data, assignments, only_one_in)
    return HandMade(url, data, assignments)


def _benefit_months(folder: Path, assignments: pd.DataFrame, only_one_in: str | None) -> None:
    start = pd.Period("2018-02", freq="M")
    rows = []
    seen_sparse = 0
    for i, (participant, arm) in enumerate(
        zip(assignments["participant"], assignments["arm"], strict=True)
    ):
        if arm == only_one_in:
            seen_sparse += 1
            if seen_sparse > 1:
                continue
        leaves = (i % 2 == 0) if arm == "intensive_support" else (i % 5 == 0)
        exit_month = 2 + i % 4
        reason = "work" if i % 3 else "other"
        for k in range(1, HORIZON + 3):
            if leaves and k >= exit_month:
                rows.append(f"{participant};{start + k};nee;{reason if k == exit_month else ''}")
            else:
                rows.append(f"{participant};{start + k};ja;")
    (folder / "benefit_months.csv").write_text(
        "id;month;on_benefit;exit_reason\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )


@pytest.fixture(scope="module", name="hand_made")
def hand_made_fixture(tmp_path_factory: pytest.TempPathFactory) -> HandMade:
    """The hand-made trial, once per test module (import ``hand_made_fixture`` to use it)."""
    return make_trial(tmp_path_factory.mktemp("trial"))
