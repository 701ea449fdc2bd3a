"""Pseudonymisation: keyed HMAC-SHA256, keys from a file or the environment, refusal without one."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from pathlib import Path

import pytest

from participatie_rct.data import load_key, load_table, pseudonym, pseudonymise, require_key
from participatie_rct.data.pseudonym import ENV_VAR, key_fingerprint
from participatie_rct.errors import KeyMissingError

FIXTURES = Path(__file__).parent / "fixtures"


def test_pseudonym_is_hmac_sha256(key: bytes) -> None:
    expected = hmac.new(key, b"111222333", hashlib.sha256).hexdigest()
    assert pseudonym(key, "111222333") == expected
    assert pseudonym(key, " 111222333 ") == expected
    assert pseudonym(key, "111222333") != hashlib.sha256(b"111222333").hexdigest()
    assert pseudonymise(key, ["111222333", "123456782"]) == [
        pseudonym(key, "111222333"),
        pseudonym(key, "123456782"),
    ]
    assert pseudonym(b"another-key-0123456789", "111222333") != expected
    assert key_fingerprint(key) not in {expected, key.hex()}


def test_key_from_file_wins_over_environment(tmp_path: Path) -> None:
    from participatie_rct.keyfiles import encode_key
    from trial_protocols import KEY_BYTES, KEY_TEXT, write_key

    path = write_key(tmp_path / "trial.key")
    environ = {ENV_VAR: encode_key(bytes(32))}
    assert load_key(key_file=path, environ=environ) == KEY_BYTES
    assert load_key(key_file=None, environ=environ) == bytes(32)
    assert load_key(key_file=None, environ={}) is None
    assert KEY_TEXT.startswith("prct-key-v1.")


def test_short_or_missing_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trial.key"
    path.write_bytes(b"short\n")
    path.chmod(0o600)
    with pytest.raises(
        KeyMissingError,
        match=re.escape(f"{path}: not a participatie-rct key")
        + ".*participatie-rct keygen --out trial.key",
    ):
        load_key(key_file=path, environ={})
    with pytest.raises(
        KeyMissingError, match=re.escape(f"{tmp_path / 'none'}: cannot read the key file")
    ):
        load_key(key_file=tmp_path / "none", environ={})
    with pytest.raises(
        KeyMissingError,
        match=re.escape(
            "Assigning needs the pseudonymisation key: pass --key-file FILE or set "
            "$PARTICIPATIE_RCT_KEY."
        ),
    ):
        require_key(None, purpose="Assigning")


def test_a_loaded_table_holds_no_bsn(key: bytes) -> None:
    frame = load_table(
        FIXTURES / "participants_semicolon_cp1252.csv",
        "participants",
        key=key,
        as_of=dt.date(2026, 11, 23),
    )
    text = frame.to_csv(index=False)
    for bsn in ("111222333", "123456782", "011647152", "013809039", "014632615"):
        assert bsn not in text
