"""Fixtures of the service tests: a register with users, the app, and a client."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the service extra is not installed (make install)")

with warnings.catch_warnings():
    # starlette asks for httpx2 in newer releases; httpx still works for the test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from participatie_rct.service import ServiceConfig, create_app

from .helpers import KEY, SECRET, Trial, make_trial, sqlite_url


@pytest.fixture
def trial(tmp_path: Path) -> Trial:
    """A fresh SQLite register with one user per role."""
    return make_trial(sqlite_url(tmp_path))


@pytest.fixture
def client(trial: Trial) -> Iterator[TestClient]:
    """A test client of the service over ``trial`` (it holds the key and the secret)."""
    app = create_app(ServiceConfig(db_url=trial.url, secret=SECRET, key=KEY))
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client
