"""The register's library interface on SQLite and PostgreSQL: init, assign, events, reading."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from participatie_rct.data.pseudonym import key_fingerprint, pseudonym
from participatie_rct.errors import InputFileError, KeyMissingError, RegistryError
from participatie_rct.registry import Register
from participatie_rct.registry.models import ASSIGNMENT, AUDIT_LOG

from .helpers import BLOCKS, elfproef_bsns, frame_of, make_protocol, participants_csv

BSN_IDS = 'column = "bsn"\nkind = "bsn"'


def test_create_is_idempotent_and_open_reads_the_protocol(db_url: str) -> None:
    protocol = make_protocol()
    with Register.create(db_url, protocol, key=None) as reg:
        assert reg.protocol.sha256 == protocol.sha256
    with Register.create(db_url, protocol, key=None) as reg:  # same protocol again: no change
        assert len(reg.events()) == 1
    with Register.open(db_url) as reg:
        assert reg.protocol.text == protocol.text
        assert reg.status()["schema_version"] >= 2


def test_a_different_protocol_replaces_before_assignment_and_is_refused_after(db_url: str) -> None:
    first, second = make_protocol(seed=1), make_protocol(seed=2)
    Register.create(db_url, first, key=None).close()
    with Register.create(db_url, second, key=None) as reg:
        assert reg.protocol.seed == 2
        kinds = reg.events()["kind"].tolist()
        assert kinds == ["protocol", "protocol_replaced"]
        reg.assign_frame(frame_of(["a", "b"]))
    with pytest.raises(RegistryError, match=r"locked to protocol .* 2 participants are assigned"):
        Register.create(db_url, first, key=None)
    with Register.open(db_url) as reg:
        assert reg.protocol.seed == 2
        assert reg.verify().ok


def test_open_refuses_a_missing_register(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"no register there.*participatie-rct init"):
        Register.open(f"sqlite:///{tmp_path / 'none.db'}")
    assert not (tmp_path / "none.db").exists()


def test_assign_is_idempotent_and_returning_clients_keep_their_arm(db_url: str) -> None:
    with Register.create(db_url, make_protocol(), key=None) as reg:
        ids = [f"p{i:03d}" for i in range(30)]
        first = reg.assign_frame(frame_of(ids[:20]))
        assert (first.n_new, first.n_existing, first.n_declined) == (20, 0, 0)
        second = reg.assign_frame(frame_of(ids))  # 20 return, 10 are new
        assert (second.n_new, second.n_existing) == (10, 20)
        merged = first.frame.merge(second.frame, on="participant")
        assert (merged["arm_x"] == merged["arm_y"]).all()
        assert (merged["sequence_x"] == merged["sequence_y"]).all()
        # a returning client at intake, even with a different site, keeps the original arm
        again = reg.assign_one("p005", {"site": "Wageningen", "age_group": "45+"}, key=None)
        assert not again.is_new
        assert again.arm == first.frame.set_index("participant").at["p005", "arm"]
        assert reg.status()["n_assigned"] == 30
        sequences = reg.assignments()["sequence"].tolist()
        assert sequences == list(range(1, 31))
        # asking again wrote nothing: only the protocol and two intakes are in the log
        assert reg.events()["kind"].tolist() == ["protocol", "intake", "intake"]


def test_each_assignment_stores_what_the_draw_was(db_url: str) -> None:
    with Register.create(db_url, make_protocol(), key=None) as reg:
        reg.assign_frame(frame_of([f"p{i}" for i in range(12)]))
        one = reg.assign_one(
            "x1", {"site": "Ede", "age_group": "<27"}, key=None, enrolled_on="13-02-2018"
        )
        frame = reg.assignments()
    assert list(frame.columns[:8]) == [
        "participant",
        "arm",
        "probability",
        "sequence",
        "assigned_at",
        "withdrawn",
        "site",
        "age_group",
    ]
    for column in ("enrolled_on", "stratum", "batch", "procedure_version", "position"):
        assert column in frame.columns
    assert str(frame["assigned_at"].dt.tz) == "UTC"
    assert frame["probability"].between(0, 1).all()
    assert (frame["procedure_version"] == 1).all()
    row = frame.set_index("participant").loc["x1"]
    assert row["arm"] == one.arm and row["sequence"] == one.sequence == 13
    assert row["stratum"] == "site=Ede|age_group=<27"
    assert row["enrolled_on"] == pd.Timestamp("2018-02-13")


def test_permuted_blocks_keep_every_stratum_within_its_block(db_url: str) -> None:
    with Register.create(db_url, make_protocol(), key=None) as reg:
        reg.assign_frame(frame_of([f"p{i}" for i in range(40)]))
        for i in range(17):
            reg.assign_one(f"q{i}", {"site": "Ede", "age_group": "45+"}, key=None)
        frame = reg.assignments()
    for _, group in frame.groupby("stratum"):
        counts = group["arm"].value_counts().reindex(reg.protocol.arm_keys, fill_value=0)
        # blocks of 4 or 8 with 1:1:1:1: within a stratum no arm leads by more than 2 at any time
        assert counts.max() - counts.min() <= 2


def test_declined_participants_are_recorded_not_assigned(db_url: str) -> None:
    frame = frame_of(["a", "b", "c", "d"])
    frame["consent"] = [True, False, True, False]
    with Register.create(db_url, make_protocol(), key=None) as reg:
        outcome = reg.assign_frame(frame)
        assert (outcome.n_new, outcome.n_declined) == (2, 2)
        again = reg.assign_frame(frame)
        assert (again.n_new, again.n_existing, again.n_declined) == (0, 2, 2)
        people = reg.participants()
        assert people.set_index("participant")["consent"].to_dict() == {
            "a": True,
            "b": False,
            "c": True,
            "d": False,
        }
        assert people["arm"].isna().sum() == 2
        assert reg.status()["n_declined"] == 2
        assert reg.events()["kind"].tolist().count("declined") == 2  # logged once each
        assert reg.verify().ok


def test_a_file_with_one_bad_row_is_refused_whole(db_url: str) -> None:
    frame = frame_of([f"p{i}" for i in range(10)])
    frame.loc[[3, 7], "age_group"] = None
    with Register.create(db_url, make_protocol(), key=None) as reg:
        with pytest.raises(
            RegistryError, match=r"column 'age_group': 2 rows are empty \(lines 5, 9\)"
        ):
            reg.assign_frame(frame, source="intake.csv")
        assert reg.status()["n_assigned"] == 0
        assert reg.events()["kind"].tolist() == ["protocol"]
        twice = frame_of(["a", "b", "a"])
        with pytest.raises(
            RegistryError, match=r"1 row is a repeat of a participant listed earlier \(line 4\)"
        ):
            reg.assign_frame(twice, source="intake.csv")


def test_assign_one_names_the_missing_strata(db_url: str) -> None:
    with Register.create(db_url, make_protocol(), key=None) as reg:
        with pytest.raises(
            RegistryError, match=r"no value for age_group\. Give --set age_group=VALUE"
        ):
            reg.assign_one("p1", {"site": "Ede"}, key=None)
        future = dt.date.today() + dt.timedelta(days=3)
        with pytest.raises(RegistryError, match="in the future"):
            reg.assign_one("p1", {"site": "Ede", "age_group": "45+"}, key=None, enrolled_on=future)


def test_bsn_trials_need_the_right_key(db_url: str, key: bytes) -> None:
    protocol = make_protocol(identifiers=BSN_IDS)
    with pytest.raises(KeyMissingError, match="needs the pseudonymisation key"):
        Register.create(db_url, protocol, key=None)
    bsn = elfproef_bsns(1)[0]
    with Register.create(db_url, protocol, key=key) as reg:
        got = reg.assign_one(bsn, {"site": "Ede", "age_group": "<27"}, key=key)
        assert got.participant == pseudonym(key, bsn)
        with pytest.raises(KeyMissingError):
            reg.assign_one(bsn, {"site": "Ede", "age_group": "<27"}, key=None)
        with pytest.raises(RegistryError, match="not the key this register was initialised with"):
            reg.assign_one(
                bsn, {"site": "Ede", "age_group": "<27"}, key=b"another-key-0123456789abcdef"
            )
        with pytest.raises(RegistryError, match="fails the elfproef") as caught:
            reg.assign_one("123456789", {"site": "Ede", "age_group": "<27"}, key=key)
        assert "123456789" not in str(caught.value)


def test_assign_file_reads_through_the_data_layer(db_url: str, key: bytes, tmp_path: Path) -> None:
    protocol = make_protocol(identifiers=BSN_IDS)
    bsns = elfproef_bsns(9)
    path = participants_csv(
        tmp_path / "deelnemers.csv", bsns, column="bsn", consent=["ja"] * 8 + ["nee"]
    )
    with Register.create(db_url, protocol, key=key) as reg:
        outcome = reg.assign_file(path, key=key)
        assert (outcome.n_new, outcome.n_declined) == (8, 1)
        assert sum(outcome.by_arm().values()) == 8
        assert set(reg.assignments()["participant"]) == {pseudonym(key, b) for b in bsns[:8]}
        assert reg.status()["by_site"] == {"Ede": 4, "Tiel": 4}


def test_a_bad_file_changes_nothing(db_url: str, tmp_path: Path) -> None:
    path = participants_csv(tmp_path / "p.csv", [f"id{i}" for i in range(6)], blanks=(2,))
    with Register.create(db_url, make_protocol(), key=None) as reg:
        with pytest.raises(
            RegistryError, match=r"p\.csv, column 'age_group': 1 row is empty \(line 4\)"
        ):
            reg.assign_file(path, key=None)
        bad = tmp_path / "q.csv"
        bad.write_text("id;site\nx;\n", encoding="utf-8")
        with pytest.raises(InputFileError, match="site"):
            reg.assign_file(bad, key=None)
        assert reg.status()["n_assigned"] == 0


def test_events_are_appended_with_a_reason(db_url: str) -> None:
    with Register.create(db_url, make_protocol(), key=None) as reg:
        reg.assign_frame(frame_of(["a", "b", "c"]))
        reg.withdraw("a", "moved to another municipality", key=None)
        reg.record_event(
            "b",
            "crossover",
            "received coaching anyway",
            key=None,
            details={"arm_received": "intensive_support"},
        )
        reg.record_event("c", "deviation", "intake interview skipped", key=None)
        with pytest.raises(RegistryError, match="already withdrew"):
            reg.withdraw("a", "again", key=None)
        with pytest.raises(RegistryError, match="needs a reason"):
            reg.withdraw("b", "  ", key=None)
        with pytest.raises(RegistryError, match="No assigned participant"):
            reg.withdraw("zzz", "unknown", key=None)
        with pytest.raises(RegistryError, match="kind must be one of"):
            reg.record_event("b", "deletion", "no", key=None)
        status = reg.status()
        assert (status["n_withdrawn"], status["n_crossovers"], status["n_deviations"]) == (1, 1, 1)
        frame = reg.assignments().set_index("participant")
        assert frame["withdrawn"].to_dict() == {"a": True, "b": False, "c": False}
        events = reg.events()
        assert events.iloc[-2]["details"] == {"arm_received": "intensive_support"}
        assert reg.verify().ok


def test_status_has_the_contract_keys(db_url: str) -> None:
    with Register.create(db_url, make_protocol(), key=None) as reg:
        reg.assign_frame(frame_of([f"p{i}" for i in range(8)]))
        reg.withdraw("p3", "moved", key=None)
        status = reg.status()
        with reg.engine.connect() as conn:
            chain = conn.execute(sa.select(ASSIGNMENT.c.sequence, ASSIGNMENT.c.hash)).all()
            log = conn.execute(sa.select(AUDIT_LOG.c.seq, AUDIT_LOG.c.hash)).all()
    # the heads are the hashes of the highest-numbered records, found here by a plain max
    assert status["head_hash"] == max(chain)[1] and len(chain) == 8
    assert status["audit_head_hash"] == max(log)[1] and max(log)[0] == status["n_events"]
    assert f"assignment=8:{max(chain)[1]}" in status["anchor"]
    for name, kind in {
        "trial": str,
        "protocol_sha256": str,
        "n_assigned": int,
        "by_arm": dict,
        "n_withdrawn": int,
    }.items():
        assert isinstance(status[name], kind)
    assert list(status["by_arm"]) == [
        "control",
        "earn_more",
        "intensive_support",
        "no_application_duty",
    ]
    assert sum(status["by_arm"].values()) == status["n_assigned"] == 8


def test_export_writes_the_contract_columns(db_url: str, tmp_path: Path) -> None:
    with Register.create(db_url, make_protocol(), key=None) as reg:
        reg.assign_frame(frame_of([f"p{i}" for i in range(5)]))
        reg.withdraw("p1", "moved", key=None)
        assert reg.export(tmp_path / "export.csv") == 5
    text = (tmp_path / "export.csv").read_text(encoding="utf-8").splitlines()
    assert text[0] == "participant,arm,probability,sequence,assigned_at,withdrawn,site,age_group"
    second = text[2].split(",")
    assert second[0] == "p1" and second[5] == "true"
    assert dt.datetime.fromisoformat(second[4]).utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "assignment",
    [
        'method = "complete"',
        'method = "stratified"\nstrata = ["site"]',
        BLOCKS,
        'method = "minimization"\nfactors = ["site", "age_group"]\np_best = 0.8',
    ],
    ids=["complete", "stratified", "blocks", "minimization"],
)
def test_every_method_assigns_and_verifies(sqlite_url: str, assignment: str) -> None:
    with Register.create(sqlite_url, make_protocol(assignment), key=None) as reg:
        reg.assign_frame(frame_of([f"p{i}" for i in range(13)]))
        reg.assign_one("one", {"site": "Ede", "age_group": "45+"}, key=None)
        reg.assign_frame(frame_of([f"r{i}" for i in range(7)]))
        reg.assign_one("two", {"site": "Tiel", "age_group": "<27"}, key=None)
        report = reg.verify()
        assert report.ok, report.message
        assert report.n_assignments == 22
        assert reg.assignments()["method"].eq(reg.protocol.assignment.method.value).all()


def test_the_key_fingerprint_not_the_key_is_stored(sqlite_url: str, key: bytes) -> None:
    Register.create(sqlite_url, make_protocol(identifiers=BSN_IDS), key=key).close()
    raw = Path(sqlite_url.removeprefix("sqlite:///")).read_bytes()
    wal = Path(sqlite_url.removeprefix("sqlite:///") + "-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    assert key not in raw
    assert key_fingerprint(key).encode() in raw
