"""Fixtures of the output-safety tests: a small trial whose names and values are hostile.

The trial is the simulator's Apeldoorn scenario with its protocol and participants file
edited the way an attacker (or a careless export) would: a trial name and an arm label with
HTML, a script link and a table-breaking pipe, and site names that are a spreadsheet formula
and an ``<img onerror>``. Everything the tool writes from it must keep those values as text.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from .helpers import FORMULA_SITE, HOSTILE_LABEL, HOSTILE_NAME, HOSTILE_SITE, HostileTrial


@pytest.fixture
def open_umask():
    """The worst umask (000): any mode the tool does not set itself would be world-writable."""
    old = os.umask(0)
    yield
    os.umask(old)


def _edit_protocol(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith("name = "):
            line = f"name = {HOSTILE_NAME!r}".replace("'", '"')
        if line in ('label_nl = "Intensieve begeleiding"', 'label_en = "Intensive support"'):
            line = f'{line.split(" = ")[0]} = "{HOSTILE_LABEL}"'
        lines.append(line)
    return "\n".join(lines) + "\n"


def _edit_participants(text: str) -> str:
    text = text.replace(",Apeldoorn,", f",{HOSTILE_SITE},")
    return text


@pytest.fixture(scope="session")
def hostile_trial(tmp_path_factory: pytest.TempPathFactory) -> HostileTrial:
    """Simulate, edit the names, init and assign (pseudonyms: no key needed)."""
    from typer.testing import CliRunner

    from participatie_rct.cli import app
    from participatie_rct.data import load_table
    from participatie_rct.registry import Register
    from participatie_rct.simulate import simulate_trial, write_simulation

    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    write_simulation(simulate_trial("apeldoorn", rng=np.random.default_rng(3)), data)
    protocol = data / "protocol.toml"
    protocol.write_text(_edit_protocol(protocol.read_text(encoding="utf-8")), encoding="utf-8")
    participants = data / "participants.csv"
    original = participants.read_text(encoding="utf-8")
    participants.write_text(_edit_participants(original), encoding="utf-8")
    db = f"sqlite:///{(root / 'trial.db').as_posix()}"
    done = CliRunner().invoke(app, ["init", "--protocol", str(protocol), "--db", db])
    assert done.exit_code == 0, done.output
    # Intake refuses a value that starts like a formula (data/hostile_text), so the file on
    # disk keeps a plain name and the formula reaches the register the way only a script
    # could put it there: through the library, past the file reader. Every writer must
    # still neutralize it.
    with Register.open(db) as register:
        frame = load_table(
            participants,
            "participants",
            key=None,
            id_kind=register.protocol.identifier_kind.value,
            id_column=register.protocol.identifier_column,
        )
        frame["site"] = frame["site"].astype(object).replace("Epe", FORMULA_SITE)
        assert (frame["site"] == FORMULA_SITE).any()
        register.assign_frame(frame, source=participants.name)
    return HostileTrial(root=root, db=db, data=data, protocol=protocol)
