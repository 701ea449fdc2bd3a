"""Shared fixtures: a temporary key, protocol files, and the PostgreSQL URL when there is one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from participatie_rct.keyfiles import SECRET_ENV
from trial_protocols import KEY_BYTES, SECRET_BYTES, SECRET_TEXT, protocol_text

PG_ENV = "PARTICIPATIE_RCT_TEST_PG_URL"


@pytest.fixture
def write_protocol(tmp_path: Path):
    """Write a four-arm protocol with a given ``[assignment]`` body; returns its path."""

    def _write(
        assignment: str,
        *,
        seed: int | None = None,
        identifiers: str = "",
        name: str = "trial.toml",
    ) -> Path:
        path = tmp_path / name
        path.write_text(
            protocol_text(assignment, seed=seed, identifiers=identifiers), encoding="utf-8"
        )
        return path

    return _write


@pytest.fixture(autouse=True)
def _trial_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with a trial secret in the environment, as a drawing desk would."""
    monkeypatch.setenv(SECRET_ENV, SECRET_TEXT)


@pytest.fixture
def secret() -> bytes:
    """The trial secret of the tests (the bytes behind ``$PARTICIPATIE_RCT_SECRET``)."""
    return SECRET_BYTES


@pytest.fixture
def key() -> bytes:
    """A fixed pseudonymisation key for tests (the bytes of a keygen-form key)."""
    return KEY_BYTES


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL URL for tests; skips with the reason when none is configured."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    return url
