"""A BSN-keyed trial: the report links the files through the key and prints no BSN."""

from __future__ import annotations

import pandas as pd
import pytest

from participatie_rct.data.bsn import passes_elfproef
from trial_protocols import KEY_BYTES


def bsns(count: int) -> list[str]:
    """``count`` distinct 9-digit numbers that pass the elfproef (test numbers, nobody's)."""
    found = []
    number = 100_000_000
    while len(found) < count:
        number += 7
        text = f"{number:09d}"
        if passes_elfproef(text):
            found.append(text)
    return found


@pytest.fixture(scope="module")
def bsn_trial(demo, tmp_path_factory):
    """The demo's data with BSNs instead of pseudonyms, assigned from the file with a key."""
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

    folder = tmp_path_factory.mktemp("bsn")
    data = folder / "data"
    data.mkdir()
    people = pd.read_csv(demo.data_dir / "participants.csv", dtype=str)
    mapping = dict(zip(people["id"], bsns(len(people)), strict=True))
    for name in ("participants.csv", "benefit_months.csv", "survey.csv"):
        frame = pd.read_csv(demo.data_dir / name, dtype=str, keep_default_na=False)
        frame.insert(0, "bsn", frame.pop("id").map(mapping))
        frame.to_csv(data / name, index=False)
    text = (demo.data_dir / "protocol.toml").read_text(encoding="utf-8")
    text = text.replace('column = "id"', 'column = "bsn"').replace(
        'kind = "pseudonym"', 'kind = "bsn"'
    )
    key = KEY_BYTES
    url = f"sqlite:///{(folder / 'trial.db').as_posix()}"
    from participatie_rct.trial.demo import DEMO_SECRET

    register = Register.create(url, Protocol.from_text(text), key=key, secret=DEMO_SECRET)
    try:
        register.assign_file(data / "participants.csv", key=key)
    finally:
        register.close()
    return url, data, key, list(mapping.values())


def test_report_links_bsn_files_with_the_key_and_prints_no_bsn(bsn_trial, demo, tmp_path) -> None:
    from participatie_rct.errors import KeyMissingError
    from participatie_rct.trial import write_report

    url, data, key, numbers = bsn_trial
    with pytest.raises(KeyMissingError):
        write_report(url, data, tmp_path / "nokey", kind="final", as_of="2019-12-31")
    result = write_report(
        url, data, tmp_path / "r", kind="final", language="en", as_of="2019-12-31", key=key
    )
    assert result.settings["n_analysed"] == demo.n_assigned
    shown = set(numbers)
    for path in result.out_dir.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not any(number in text for number in shown), path.name
