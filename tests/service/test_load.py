"""The service under load: 8 concurrent clients x 100 assignments on SQLite and PostgreSQL.

The service runs as ``participatie-rct serve`` in its own process on 127.0.0.1. Bounded by
count (800 requests) and by a per-request timeout, never by a wall-clock assertion. Checked:
nobody is assigned twice (two desks at a site send the same 5 people at the same moment),
every completed block is balanced, ``verify`` is intact, and no BSN, key, secret or token
appears in the access log.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from participatie_rct.registry import Register
from participatie_rct.service.loadtest import drive, running_service, summary

from .helpers import SECRET_NEEDLES, pg_schema_url, sqlite_url
from .load import N_CLIENTS, PER_CLIENT, SHARED, SITES, load_trial

PG_ENV = "PARTICIPATIE_RCT_TEST_PG_URL"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def load_url(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    yield from pg_schema_url(base)


@pytest.mark.slow
def test_eight_desks_at_once(load_url: str, tmp_path: Path) -> None:
    key_file, secret_file, work = load_trial(load_url, tmp_path)
    log = tmp_path / "service.log"
    with running_service(
        load_url, key_file=key_file, secret_file=secret_file, log_path=log
    ) as base:
        result = drive(base, work)
    print(summary(result))
    assert result.errors == []
    assert len(result.latencies) == N_CLIENTS * PER_CLIENT
    # the same person sent by two desks at once gets one arm
    for identifier, answers in result.answers.items():
        assert len({arm for _status, arm in answers}) == 1, identifier
    with Register.open(load_url) as reg:
        frame = reg.assignments()
        report = reg.verify()
    distinct = N_CLIENTS * (PER_CLIENT - SHARED) + len(SITES) * SHARED
    assert len(frame) == frame["participant"].nunique() == distinct
    assert report.ok, report.message
    # permuted blocks of 4 with two arms: every completed block holds two of each
    for stratum, rows in frame.sort_values("position").groupby("stratum"):
        arms = list(rows["arm"])
        for start in range(0, len(arms) - len(arms) % 4, 4):
            assert Counter(arms[start : start + 4]) == {"control": 2, "earn_more": 2}, stratum
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /api/v1/assign" in text  # the access log was captured
    needles = [*SECRET_NEEDLES, *(t for t, _ in work)]
    needles += [i.identifier for _t, intakes in work for i in intakes]
    assert not [n for n in needles if n in text]
