"""Fixtures of the register tests: a register URL per back end.

``db_url`` is parametrized over SQLite (a file in ``tmp_path``) and PostgreSQL (a fresh
schema with a random name in the server of ``PARTICIPATIE_RCT_TEST_PG_URL``, dropped
afterwards; skipped when that variable is unset).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import pg_schema_url

PG_ENV = "PARTICIPATIE_RCT_TEST_PG_URL"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'trial.db'}"


@pytest.fixture
def postgres_url(pg_url: str) -> Iterator[str]:
    yield from pg_schema_url(pg_url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty register location on each back end."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trial.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    yield from pg_schema_url(base)
