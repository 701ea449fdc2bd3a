"""Shared fixtures: a temporary key, protocol files, and the PostgreSQL URL when there is one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trial_protocols import protocol_text

PG_ENV = "PARTICIPATIE_RCT_TEST_PG_URL"


@pytest.fixture
def write_protocol(tmp_path: Path):
    """Write a four-arm protocol with a given ``[assignment]`` body; returns its path."""

    def _write(
        assignment: str, *, seed: int = 20170901, identifiers: str = "", name: str = "trial.toml"
    ) -> Path:
        path = tmp_path / name
        path.write_text(
            protocol_text(assignment, seed=seed, identifiers=identifiers), encoding="utf-8"
        )
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
