"""Fixtures of the report tests: one demo run shared by the tests that read its output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """The demo run once into a temporary folder (register, data, interim and final reports)."""
    from participatie_rct.trial.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo") / "out")


@pytest.fixture(scope="session")
def demo_inputs(demo):
    """The demo's register and data read back as report inputs."""
    from participatie_rct.trial import load_inputs
    from participatie_rct.trial.demo import DEMO_SECRET

    return load_inputs(demo.db_url, demo.data_dir, secret=DEMO_SECRET)


def _read_outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def read_outputs():
    """Read every file of a report folder, by relative name."""
    return _read_outputs


@pytest.fixture
def tool():
    """Path of an external program, or skip the test saying what is missing."""

    def _tool(name: str) -> str:
        path = shutil.which(name)
        if path is None:
            pytest.skip(f"{name} is not installed (the CI script .ci/run installs it)")
        return path

    return _tool
