"""Concealed allocation, tried as an insider would: predict, read, truncate, rewrite.

Each test plays one attack of docs/threat-model.md with only what the attacker has: read access
to the database and every output (the insider), raw SQL rights (the tamperer), a weak or
exposed key (the guesser). The sealed trial must hold; where it cannot (the secret holder),
the threat model says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from participatie_rct.assignment import procedure_from_protocol
from participatie_rct.concealment import chain_key, seed_entropy
from participatie_rct.errors import KeyMissingError, RegistryError
from participatie_rct.keyfiles import encode_key
from participatie_rct.registry import Register
from participatie_rct.registry.chain import assignment_hash, event_hash
from participatie_rct.registry.migrations import SCHEMA_VERSION
from trial_protocols import SECRET_BYTES, SECRET_TEXT, write_key

from .helpers import frame_of, make_protocol, run

MINIMIZATION = 'method = "minimization"\nfactors = ["site", "age_group"]'
BLOCKS_4_8 = 'method = "permuted_blocks"\nstrata = ["site", "age_group"]\nblock_sizes = [4, 8]'
UNITS = [
    {"site": ("Ede", "Tiel")[i % 2], "age_group": ("<27", "27-44", "45+")[i % 3]} for i in range(40)
]


def _sealed(url: str, assignment: str = BLOCKS_4_8, secret: bytes = SECRET_BYTES) -> Register:
    reg = Register.create(url, make_protocol(assignment, seed=None), key=None, secret=secret)
    for i, unit in enumerate(UNITS):
        reg.assign_one(f"p{i:03d}", unit, key=None)
    return reg


def _secret_forms(secret: bytes, protocol_sha256: str) -> list[bytes]:
    """The secret and what is derived from it, in every spelling a leak might take."""
    derived = [chain_key(secret)]
    entropy = seed_entropy(secret, protocol_sha256)
    out = [str(entropy).encode(), f"{entropy:x}".encode(), SECRET_TEXT.encode()]
    for raw in (secret, *derived):
        out += [
            raw,
            raw.hex().encode(),
            raw.hex().upper().encode(),
            base64.b64encode(raw).rstrip(b"="),
            base64.urlsafe_b64encode(raw).rstrip(b"="),
        ]
    return out


def _replay(protocol_text: str, seed: int, units: list[dict[str, str]]) -> list[str]:
    """The insider's old 30-line script: a fresh sequencer from a seed, arrivals in order."""
    from participatie_rct.protocol import Protocol

    protocol = Protocol.from_text(protocol_text)
    sequencer = procedure_from_protocol(protocol).sequencer(
        rng=np.random.default_rng(seed), history=None
    )
    return [sequencer.next(u).arm for u in units]


@pytest.mark.parametrize("assignment", [BLOCKS_4_8, MINIMIZATION], ids=["blocks", "minimization"])
def test_the_insider_cannot_reproduce_the_sequence_nor_find_the_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], assignment: str
) -> None:
    db_path = tmp_path / "trial.db"
    url = f"sqlite:///{db_path}"
    protocol_file = tmp_path / "trial.toml"
    protocol_file.write_text(make_protocol(assignment, seed=None).text, encoding="utf-8")
    outputs = [run(["init", "--protocol", str(protocol_file), "--db", url], capsys)[1]]
    for i, unit in enumerate(UNITS):
        sets = [x for c, v in unit.items() for x in ("--set", f"{c}={v}")]
        argv = ["assign", "--db", url, "--id", f"p{i:03d}", "--new-level", *sets]
        code, out, err = run(argv, capsys)
        assert code == 0 and "probability" not in out
        outputs += [out, err]
    for args in (
        ["status", "--db", url],
        ["status", "--db", url, "--format", "json"],
        ["verify", "--db", url, "--format", "json"],
        ["export", "--db", url, "--out", str(tmp_path / "export.csv")],
    ):
        code, out, err = run(args, capsys)
        assert code == 0, err
        outputs += [out, err]
    with Register.open(url, read_only=True) as reg:
        actual = list(reg.assignments()["arm"])
        text, sha = reg.protocol.text, reg.protocol.sha256
        assert reg.protocol.seed is None
    # every number and every hash the insider can read is tried as the seed
    readable = "\n".join(outputs) + text
    readable += "\n".join(p.read_bytes().decode("latin-1") for p in tmp_path.iterdir())
    candidates = {int(n) for n in re.findall(r"\b\d{1,19}\b", readable)}
    candidates |= {int(h, 16) for h in re.findall(r"\b[0-9a-f]{64}\b", readable)}
    assert len(candidates) > 20
    for seed in candidates:
        assert _replay(text, seed, UNITS) != actual, f"the sequence replays from {seed}"
    # and no byte of the secret, nor of what is derived from it, is in any file or output
    haystack = "\n".join(outputs).encode() + b"".join(
        p.read_bytes() for p in tmp_path.iterdir() if p.is_file()
    )
    for form in _secret_forms(SECRET_BYTES, sha):
        assert form not in haystack
    assert '"seed": null' in "\n".join(outputs)


def test_two_secrets_give_two_sequences_and_one_secret_one(tmp_path: Path) -> None:
    other = hashlib.sha256(b"another trial secret").digest()
    arms = {}
    for name, secret in (("a", SECRET_BYTES), ("b", other), ("c", SECRET_BYTES)):
        with _sealed(f"sqlite:///{tmp_path / name}.db", secret=secret) as reg:
            arms[name] = list(reg.assignments()["arm"])
    assert arms["a"] != arms["b"]
    assert arms["a"] == arms["c"]


def test_drawing_needs_the_right_secret(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    with pytest.raises(
        KeyMissingError, match=r"sealed trial draws from its secret.*--secret-file FILE or"
    ):
        Register.create(url, make_protocol(seed=None), key=None)
    _sealed(url).close()
    with (
        Register.open(url) as reg,
        pytest.raises(KeyMissingError, match=r"--secret-file FILE or \$PARTICIPATIE_RCT_SECRET"),
    ):
        reg.assign_one("new", UNITS[0], key=None)
    with pytest.raises(RegistryError, match="not this trial's secret"):
        Register.open(url, secret=bytes(32))
    with Register.open(url) as reg, pytest.raises(KeyMissingError, match="trial secret"):
        reg.withdraw("p001", "moved", key=None)


def test_verify_without_the_secret_says_what_it_could_not_check(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    _sealed(url).close()
    with Register.open(url, read_only=True) as reg:
        blind = reg.verify()
    with Register.open(url, read_only=True, secret=SECRET_BYTES) as reg:
        full = reg.verify()
    assert blind.ok and full.ok
    assert blind.unchecked and not full.unchecked
    assert "not checked without the trial secret" in blind.message
    assert "replays from the trial secret" in full.message
    assert json.loads(json.dumps(blind.to_dict()))["intact"] is True


def _drop_triggers(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in [
            r[0]
            for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")
        ]:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        for table in ("assignment", "audit_log", "protocol"):
            for name in ("append_only", "no_truncate"):
                conn.exec_driver_sql(f"DROP TRIGGER {table}_{name} ON {table}")


def test_truncation_is_caught_by_an_earlier_anchor(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    with _sealed(db_url) as reg:
        anchor = reg.status()["anchor"]
        assert anchor.startswith("prct-anchor-v1 assignment=40:")
        assert reg.verify(anchor=anchor).ok
        with reg.engine.begin() as conn:
            _drop_triggers(conn)
            conn.exec_driver_sql("DELETE FROM assignment WHERE sequence > 36")
            conn.exec_driver_sql("DELETE FROM audit_log WHERE seq > 37")
    code, out, _ = run(["verify", "--db", db_url, "--anchor", anchor, "--format", "json"], capsys)
    report = json.loads(out)
    assert code == 1 and report["intact"] is False
    assert any("no longer holds it" in p for p in report["problems"])
    assert any("trigger" in p for p in report["problems"])


def test_dropped_triggers_alone_fail_verify(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    with _sealed(db_url) as reg, reg.engine.begin() as conn:
        _drop_triggers(conn)
    code, out, _ = run(["verify", "--db", db_url], capsys)
    assert code == 1 and "triggers" in out and "is gone" in out


def test_a_rewrite_with_recomputed_plain_chains_is_caught(db_url: str, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Swap two participants' arms and recompute the chain as the old register did."""
    with _sealed(db_url) as reg:
        anchor = reg.anchor()
        with reg.engine.connect() as conn:
            query = sa.text("SELECT * FROM assignment ORDER BY sequence")
            rows = [dict(r) for r in conn.execute(query).mappings()]
        i, j = next(
            (a, b) for a in range(40) for b in range(a + 1, 40) if rows[a]["arm"] != rows[b]["arm"]
        )
        rows[i]["arm"], rows[j]["arm"] = rows[j]["arm"], rows[i]["arm"]
        for k in range(len(rows)):
            if k:
                rows[k]["prev_hash"] = rows[k - 1]["hash"]
            rows[k]["hash"] = assignment_hash(rows[k])
        with reg.engine.begin() as conn:
            _drop_triggers(conn)
            for r in rows:
                conn.execute(
                    sa.text(
                        "UPDATE assignment SET arm = :arm, prev_hash = :prev_hash, hash = :hash "
                        "WHERE sequence = :sequence"
                    ),
                    r,
                )
    # with the secret (the statistician, the service): the keyed hashes no longer match
    code, out, _ = run(["verify", "--db", db_url], capsys)
    assert code == 1 and "no longer match its hash" in out
    # without it (an auditor with an earlier report): the anchor no longer holds
    monkeypatch.delenv("PARTICIPATIE_RCT_SECRET")
    code, out, _ = run(["verify", "--db", db_url, "--anchor", anchor, "--format", "json"], capsys)
    report = json.loads(out)
    assert code == 1 and not report["intact"]
    assert any("was rewritten since the anchor" in p for p in report["problems"])


def test_a_nulled_fingerprint_is_caught_and_the_key_refused(db_url: str, key: bytes) -> None:
    protocol = make_protocol(identifiers='column = "bsn"\nkind = "bsn"', seed=None)
    with Register.create(db_url, protocol, key=key, secret=SECRET_BYTES) as reg:
        reg.assign_one("123456782", UNITS[0], key=key)
        with reg.engine.begin() as conn:
            _drop_triggers(conn)
            conn.exec_driver_sql("UPDATE protocol SET key_fingerprint = NULL")
    with Register.open(db_url) as reg:
        report = reg.verify()
        assert not report.ok and any("fingerprint is missing" in p for p in report.problems)
        assert any("does not carry the hash" in p for p in report.problems)
    with (
        Register.open(db_url, secret=SECRET_BYTES) as reg,
        pytest.raises(RegistryError, match="key fingerprint is missing"),
    ):
        reg.assign_one("111222333", UNITS[1], key=b"another-key-of-32-bytes-000000000")


@pytest.mark.postgres
def test_replication_mode_does_not_silence_the_triggers(postgres_url: str) -> None:
    with _sealed(postgres_url) as reg, reg.engine.connect() as conn:
        conn.exec_driver_sql("SET session_replication_role = replica")
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.exec_driver_sql("UPDATE assignment SET arm = 'control'")
        conn.rollback()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.exec_driver_sql("DELETE FROM audit_log")
        conn.rollback()
        conn.exec_driver_sql("ALTER TABLE assignment ENABLE TRIGGER assignment_append_only")
        conn.commit()
    with Register.open(postgres_url, read_only=True) as reg:
        report = reg.verify()
    assert not report.ok and any("does not fire always" in p for p in report.problems)


def test_weak_and_exposed_keys_are_refused(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from participatie_rct.keyfiles import load_key, load_secret

    password = tmp_path / "password.key"
    password.write_text("Wageningen2017!!\n")
    password.chmod(0o600)
    weak = r"not a participatie-rct key.*keygen --out trial\.key"
    with pytest.raises(KeyMissingError, match=weak):
        load_key(password)
    exposed = write_key(tmp_path / "exposed.key")
    exposed.chmod(0o644)
    with pytest.raises(KeyMissingError, match=re.escape(f"chmod 600 {exposed}")):
        load_secret(exposed)
    damaged = write_key(
        tmp_path / "damaged.key", SECRET_TEXT[:-1] + ("0" if SECRET_TEXT[-1] != "0" else "1")
    )
    with pytest.raises(KeyMissingError, match="checksum does not match"):
        load_secret(damaged)
    monkeypatch.setenv("PARTICIPATIE_RCT_SECRET", "a-password-of-24-letters")
    with pytest.raises(
        KeyMissingError, match=r"\$PARTICIPATIE_RCT_SECRET: not a participatie-rct key"
    ):
        load_secret(None)
    monkeypatch.delenv("PARTICIPATIE_RCT_SECRET")
    with pytest.raises(KeyMissingError, match="No trial secret"):
        load_secret(None)


def test_keygen_writes_0600_and_never_overwrites(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from participatie_rct.keyfiles import load_secret

    out = tmp_path / "trial.key"
    code, text, _ = run(["keygen", "--out", str(out)], capsys)
    assert code == 0 and out.stat().st_mode & 0o777 == 0o600
    first = out.read_bytes()
    assert first.decode() not in text and len(load_secret(out)) == 32
    code, _, err = run(["keygen", "--out", str(out)], capsys)
    assert code == 2 and "never overwrites" in err and out.read_bytes() == first
    target = tmp_path / "elsewhere"
    (tmp_path / "planted.key").symlink_to(target)
    code, _, err = run(["keygen", "--out", str(tmp_path / "planted.key")], capsys)
    assert code == 2 and not target.exists()
    second = tmp_path / "second.key"
    run(["keygen", "--out", str(second)], capsys)
    assert second.read_bytes() != first


def test_the_fingerprint_is_keyed_not_a_hash_of_the_key() -> None:
    from participatie_rct.keyfiles import key_fingerprint

    key = bytes(range(32))
    plain = {hashlib.sha256(key).hexdigest(), hashlib.sha256(encode_key(key).encode()).hexdigest()}
    assert key_fingerprint(key) not in plain


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_verify_leaves_a_read_only_copy_and_a_backup_unchanged(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    with _sealed(url) as reg:
        anchor = reg.anchor()
        reg.backup(tmp_path / "backup.db")
    archive = tmp_path / "archive"
    archive.mkdir()
    copy = archive / "copy.db"
    copy.write_bytes((tmp_path / "backup.db").read_bytes())
    copy.chmod(0o400)
    archive.chmod(0o500)
    try:
        for path in (tmp_path / "backup.db", copy):
            before = _sha(path)
            listing = sorted(p.name for p in path.parent.iterdir())
            for args in (
                ["verify"],
                ["status", "--format", "json"],
                ["verify", "--anchor", anchor],
            ):
                code, _, err = run([*args[:1], "--db", f"sqlite:///{path}", *args[1:]], capsys)
                assert code == 0, err
            assert _sha(path) == before
            assert sorted(p.name for p in path.parent.iterdir()) == listing
    finally:
        archive.chmod(0o700)


def test_unseal_records_the_secret_and_closes_the_trial(
    tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    _sealed(url).close()
    secret_file = write_key(tmp_path / "trial.secret", SECRET_TEXT)
    monkeypatch.delenv("PARTICIPATIE_RCT_SECRET")
    code, _, err = run(["unseal", "--db", url], capsys)
    assert code == 2 and "--secret-file" in err
    wrong = write_key(tmp_path / "wrong.secret", encode_key(bytes(32)))
    code, _, err = run(["unseal", "--db", url, "--secret-file", str(wrong)], capsys)
    assert code == 2 and "not this trial's secret" in err
    code, out, _ = run(["unseal", "--db", url, "--secret-file", str(secret_file)], capsys)
    assert code == 0 and "unsealed" in out
    code, out, _ = run(["verify", "--db", url, "--format", "json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["intact"] and report["unchecked"] == []
    with (
        Register.open(url, secret=SECRET_BYTES) as reg,
        pytest.raises(RegistryError, match="unsealed"),
    ):
        reg.assign_one("late", UNITS[0], key=None)


def test_an_event_chain_rewritten_without_the_key_is_caught(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    _sealed(url).close()
    with Register.open(url, secret=SECRET_BYTES) as reg:
        reg.withdraw("p003", "moved away", key=None)
        with reg.engine.begin() as conn:
            _drop_triggers(conn)
            row = dict(
                conn.execute(sa.text("SELECT * FROM audit_log WHERE kind = 'withdrawal'"))
                .mappings()
                .one()
            )
            row["reason"] = "changed my mind"
            row["hash"] = event_hash(row)
            conn.execute(
                sa.text("UPDATE audit_log SET reason = :reason, hash = :hash WHERE seq = :seq"), row
            )
    with Register.open(url, secret=SECRET_BYTES, read_only=True) as reg:
        report = reg.verify()
    assert not report.ok and report.first_broken is not None and "audit_log" in report.first_broken


def test_open_trials_say_that_the_next_arm_is_predictable(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    protocol = tmp_path / "open.toml"
    protocol.write_text(make_protocol().text, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'open.db'}"
    code, _, err = run(["init", "--protocol", str(protocol), "--db", url], capsys)
    assert code == 0 and "can predict the next arm" in err
    frame = frame_of(["a", "b"])
    with Register.open(url) as reg:
        reg.assign_frame(frame)
    code, out, err = run(
        ["assign", "--db", url, "--id", "c", "--set", "site=Ede", "--set", "age_group=<27"], capsys
    )
    assert code == 0 and "can predict the next arm" in err and "probability" not in out


def test_a_pseudonym_register_refuses_bsn_looking_ids(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    with Register.create(url, make_protocol(), key=None) as reg:
        with pytest.raises(RegistryError, match=r'looks like a BSN.*Use kind = "bsn"') as info:
            reg.assign_one("111222333", UNITS[0], key=None)
        assert "111222333" not in str(info.value)
        frame = frame_of(["p1", "123456782", "p3"])
        with pytest.raises(RegistryError, match=r"line 3\).*Use kind = \"bsn\"") as info:
            reg.assign_frame(frame)
        assert "123456782" not in str(info.value)
        reg.assign_one("12345678", UNITS[0], key=None)  # 8 digits: not a BSN
        assert reg.status()["n_assigned"] == 1


def test_withdraw_prints_the_pseudonym_not_the_bsn(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from participatie_rct.data.pseudonym import pseudonym
    from trial_protocols import KEY_BYTES, KEY_TEXT

    monkeypatch.setenv("PARTICIPATIE_RCT_KEY", KEY_TEXT)
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    protocol = make_protocol(identifiers='column = "bsn"\nkind = "bsn"')
    with Register.create(url, protocol, key=KEY_BYTES) as reg:
        reg.assign_one("123456782", UNITS[0], key=KEY_BYTES)
    code, out, _ = run(["withdraw", "--db", url, "--id", "123456782", "--reason", "moved"], capsys)
    assert code == 0 and "123456782" not in out
    assert pseudonym(KEY_BYTES, "123456782")[:12] in out


def test_a_bsn_typed_into_a_withdrawal_reason_is_masked_before_the_log_keeps_it(
    tmp_path: Path,
    capsys,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from trial_protocols import KEY_BYTES, KEY_TEXT

    monkeypatch.setenv("PARTICIPATIE_RCT_KEY", KEY_TEXT)
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    protocol = make_protocol(identifiers='column = "bsn"\nkind = "bsn"')
    with Register.create(url, protocol, key=KEY_BYTES) as reg:
        reg.assign_one("123456782", UNITS[0], key=KEY_BYTES)
        reg.assign_one("111222333", UNITS[1], key=KEY_BYTES)
        reg.withdraw("111222333", "duplicate of 111.222.333", key=KEY_BYTES)
    reason = "moved; partner has BSN 123456782"
    code, _, _ = run(["withdraw", "--db", url, "--id", "123456782", "--reason", reason], capsys)
    assert code == 0
    with Register.open(url, read_only=True) as reg:
        stored = " ".join(reg.events()["reason"].astype(str))
    assert "123456782" not in stored and "111.222.333" not in stored
    assert "moved; partner has BSN" in stored


def test_a_pseudonym_protocol_may_be_replaced_by_a_bsn_one_before_anyone_is_assigned(
    tmp_path: Path, key: bytes
) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    Register.create(url, make_protocol(seed=None), key=None, secret=SECRET_BYTES).close()
    bsn = make_protocol(identifiers='column = "bsn"\nkind = "bsn"', seed=None)
    with Register.create(url, bsn, key=key, secret=SECRET_BYTES) as reg:
        reg.assign_one("123456782", UNITS[0], key=key)
        assert reg.verify().ok
    with pytest.raises(RegistryError, match="not this trial's secret"):
        Register.create(url, bsn, key=key, secret=bytes(32))


def _as_version_3(url: str) -> None:
    """Turn a fresh open register into what version 3 wrote: plain SHA-256 chains, no columns."""
    from participatie_rct.registry.chain import GENESIS, canonical_json
    from participatie_rct.registry.migrations import MIGRATIONS

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        _drop_triggers(conn)
        prev = conn.exec_driver_sql("SELECT sha256 FROM protocol").scalar()
        heads = {}
        query = "SELECT * FROM assignment ORDER BY sequence"
        for row in [dict(r) for r in conn.execute(sa.text(query)).mappings()]:
            row["prev_hash"] = prev
            row["hash"] = prev = heads[row["sequence"]] = assignment_hash(row)
            update = "UPDATE assignment SET prev_hash = :prev_hash, hash = :hash WHERE id = :id"
            conn.execute(sa.text(update), row)
        prev = GENESIS
        for row in [
            dict(r)
            for r in conn.execute(sa.text("SELECT * FROM audit_log ORDER BY seq")).mappings()
        ]:
            details = json.loads(row["details"])
            if row["kind"] == "intake" and "head" in details:
                details["head"] = heads[details["last"]]
                row["details"] = canonical_json(details)
            row["prev_hash"] = prev
            row["hash"] = prev = event_hash(row)
            update = (
                "UPDATE audit_log SET details = :details, prev_hash = :prev_hash, hash = :hash "
                "WHERE id = :id"
            )
            conn.execute(sa.text(update), row)
        conn.exec_driver_sql("ALTER TABLE protocol DROP COLUMN commitment")
        conn.exec_driver_sql("ALTER TABLE protocol DROP COLUMN chain")
        conn.exec_driver_sql("DROP TABLE IF EXISTS service_user")
        conn.exec_driver_sql("DELETE FROM schema_migration WHERE version >= 4")
        MIGRATIONS[1].apply(conn)  # the triggers, as version 2 made them
    engine.dispose()


def test_a_version_3_register_is_read_migrated_and_still_verifies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    with Register.create(url, make_protocol(), key=None) as reg:
        for i, unit in enumerate(UNITS[:3]):
            reg.assign_one(f"p{i}", unit, key=None, new_level=True)
    _as_version_3(url)
    with Register.open(url, read_only=True) as reg:
        assert reg.status()["schema_version"] == 3  # read-only: not migrated
    with Register.open(url) as reg:
        assert reg.status()["schema_version"] == SCHEMA_VERSION
        reg.assign_one("p9", UNITS[5], key=None, new_level=True)
        reg.withdraw("p1", "moved", key=None)
        report = reg.verify()
    assert report.ok, report.message


def test_a_saved_status_json_serves_as_the_anchor(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    _sealed(url).close()
    code, out, _ = run(["status", "--db", url, "--format", "json"], capsys)
    saved = tmp_path / "status.json"
    saved.write_text(out, encoding="utf-8")
    assert run(["verify", "--db", url, "--anchor", str(saved)], capsys)[0] == 0
    forged = json.loads(out)
    forged["anchor"] = forged["anchor"].replace("assignment=40:", "assignment=41:")
    saved.write_text(json.dumps(forged), encoding="utf-8")
    code, out, _ = run(["verify", "--db", url, "--anchor", str(saved)], capsys)
    assert code == 1 and "assignment 41" in out
    code, _, err = run(["verify", "--db", url, "--anchor", "not-an-anchor"], capsys)
    assert code == 2 and "neither an anchor line nor an existing file" in err
