"""Shared fixtures: a temporary key, protocol files, and the PostgreSQL URL when there is one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PG_ENV = "PARTICIPATIE_RCT_TEST_PG_URL"

FOUR_ARMS = """
[[arms]]
key = "control"
ratio = 1
label_nl = "Controlgroep"
label_en = "Control"

[[arms]]
key = "earn_more"
ratio = 1
label_nl = "Bijverdienen"
label_en = "Earn more"

[[arms]]
key = "intensive_support"
ratio = 1
label_nl = "Intensieve begeleiding"
label_en = "Intensive support"

[[arms]]
key = "no_application_duty"
ratio = 1
label_nl = "Ontheffing sollicitatieplicht"
label_en = "No application duty"
"""


def protocol_text(assignment: str, *, seed: int = 20170901, identifiers: str = "") -> str:
    """A four-arm protocol with the given ``[assignment]`` body."""
    return (
        f'[trial]\nname = "Test trial"\nseed = {seed}\n{FOUR_ARMS}\n[assignment]\n{assignment.strip()}\n'
        + (f"\n[identifiers]\n{identifiers.strip()}\n" if identifiers else "")
    )


@pytest.fixture
def write_protocol(tmp_path: Path):
    """Write a four-arm protocol with a given ``[assignment]`` body; returns its path."""

    def _write(assignment: str, *, seed: int = 20170901, identifiers: str = "", name: str = "trial.toml") -> Path:
        path = tmp_path / name
        path.write_text(protocol_text(assignment, seed=seed, identifiers=identifiers), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def key() -> bytes:
    """A fixed pseudonymisation key for tests."""
    return b"test-key-0123456789abcdef0123456789abcdef"


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL URL for tests; skips with the reason when none is configured."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    return url
