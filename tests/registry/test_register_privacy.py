"""No BSN, nor a plain SHA-256 of one, in the database, WAL, exports, backups, output or logs."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from participatie_rct.cli import main
from trial_protocols import KEY_BYTES, KEY_TEXT

from .helpers import BLOCKS, elfproef_bsns, participants_csv

KEY = KEY_TEXT


def _needles(bsns: list[str]) -> list[bytes]:
    out: list[bytes] = []
    for bsn in bsns:
        digest = hashlib.sha256(bsn.encode()).digest()
        out += [bsn.encode(), digest, digest.hex().encode(), digest.hex().upper().encode()]
        out.append(bsn.encode("utf-16-le"))
    return out


def test_no_bsn_is_stored_exported_or_printed(
    tmp_path: Path, write_protocol, capsys, caplog, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PARTICIPATIE_RCT_KEY", KEY)
    protocol = write_protocol(BLOCKS, identifiers='column = "bsn"\nkind = "bsn"')
    db_path = tmp_path / "trial.db"
    db = f"sqlite:///{db_path}"
    bsns = elfproef_bsns(25, start=234_000_000)
    (tmp_path / "in").mkdir()
    participants = participants_csv(tmp_path / "in" / "p.csv", bsns[:20], column="bsn")
    outputs: list[str] = []

    def run(*args: str) -> None:
        with pytest.raises(SystemExit):
            main(list(args))
        out, err = capsys.readouterr()
        outputs.extend([out, err])

    run("init", "--protocol", str(protocol), "--db", db)
    run("assign", "--db", db, str(participants))
    run("assign", "--db", db, str(participants), "--format", "json")
    for bsn in bsns[20:23]:
        run(
            "assign",
            "--db",
            db,
            "--id",
            bsn,
            "--set",
            "site=Ede",
            "--set",
            "age_group=45+",
            "--format",
            "json",
        )
    run(
        "assign", "--db", db, "--id", bsns[23], "--set", "site=Ede"
    )  # refused: names the column, not the BSN
    run("withdraw", "--db", db, "--id", bsns[3], "--reason", "verhuisd")
    run("withdraw", "--db", db, "--id", bsns[24], "--reason", "never assigned")  # refused
    run("status", "--db", db, "--format", "json")
    run("verify", "--db", db, "--format", "json")
    run("export", "--db", db, "--out", str(tmp_path / "export.csv"))
    run("backup", "--db", db, "--out", str(tmp_path / "backup.db"))

    haystack = (
        b"".join(o.encode() for o in outputs)
        + "".join(r.getMessage() for r in caplog.records).encode()
    )
    for path in tmp_path.iterdir():
        if path.is_file() and path.suffix != ".toml":
            haystack += path.read_bytes()
    assert (
        db_path.exists()
        and (tmp_path / "export.csv").exists()
        and (tmp_path / "backup.db").exists()
    )
    found = [n for n in _needles(bsns) if n in haystack]
    assert not found, f"{len(found)} BSN traces found"
    # the scan is not blind: pseudonyms are there
    from participatie_rct.data.pseudonym import pseudonym

    assert pseudonym(KEY_BYTES, bsns[0]).encode() in haystack


def test_a_bsn_in_a_stratum_column_is_refused_and_never_stored(
    tmp_path: Path, write_protocol, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A BSN column mapped to a stratum by mistake would be stored in clear: the file is
    refused whole, naming column and line but not the value, and so is ``--set``."""
    from .helpers import PSEUDONYMS, run

    protocol = write_protocol(BLOCKS, identifiers=PSEUDONYMS)
    db_path = tmp_path / "trial.db"
    db = f"sqlite:///{db_path}"
    bsns = elfproef_bsns(3, start=345_000_000)
    code, _, err = run(["init", "--protocol", str(protocol), "--db", db], capsys)
    assert code == 0, err
    ids = [f"P{i:03d}" for i in range(12)]
    participants = participants_csv(tmp_path / "p.csv", ids, sites=("Ede", bsns[0], "Tiel"))
    before = db_path.read_bytes()
    code, out, err = run(["assign", "--db", db, str(participants)], capsys)
    assert code == 2
    assert "column 'site'" in err and "looks like a BSN" in err and "line" in err
    assert db_path.read_bytes() == before
    code, out, err = run(
        ["assign", "--db", db, "--id", "P900", "--set", f"site={bsns[1]}",
         "--set", "age_group=45+", "--new-level"],
        capsys,
    )  # fmt: skip
    assert code == 2 and "--set site" in err and "looks like a BSN" in err
    assert db_path.read_bytes() == before
    assert not any(b.encode() in (out + err).encode() for b in bsns)
