"""Reading a trial's register and files once: the manifest's digests and register facts."""

from __future__ import annotations

import pytest

from participatie_rct.registry import Register
from participatie_rct.report.manifest import file_sha256
from participatie_rct.trial.inputs import load_inputs
from trial_handmade import hand_made_fixture  # noqa: F401 (the hand_made fixture)


def test_inputs_keep_the_registers_facts_without_its_status(
    hand_made, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Register.open(hand_made.url, read_only=True) as register:
        status = register.status()

    def no_status(self: Register) -> dict[str, object]:
        raise AssertionError("status() counts everything; the inputs need two facts")

    monkeypatch.setattr(Register, "status", no_status)
    inputs = load_inputs(hand_made.url, hand_made.data)
    assert inputs.register["n_withdrawn"] == status["n_withdrawn"] == 1
    assert inputs.register["anchor"] == status["anchor"]


def test_every_file_is_hashed_once_beside_its_reading(hand_made) -> None:
    inputs = load_inputs(hand_made.url, hand_made.data)
    assert inputs.input_files == {
        f"data/{name}": file_sha256(hand_made.data / name)
        for name in ("participants.csv", "benefit_months.csv")
    }
