"""Fixtures of the ``Trial`` tests: one hand-made trial per test module."""

from __future__ import annotations

import pytest

from trial_handmade import HandMade, make_trial


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory: pytest.TempPathFactory) -> HandMade:
    """The hand-made trial, made once per test module."""
    return make_trial(tmp_path_factory.mktemp("trial"))
