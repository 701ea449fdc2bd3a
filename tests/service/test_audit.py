"""The audit trail of an assignment through the service: one transaction writes the draw and
the intake entry that names the user, so an assignment commits once, and the chain that
``verify`` checks covers the user's name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import sqlalchemy as sa
from starlette.testclient import TestClient

from participatie_rct.registry import Register

from .helpers import Trial, elfproef_bsns


@contextmanager
def _commits(client: TestClient) -> Iterator[list[int]]:
    """Count the service's commits (write transactions) while the block runs."""
    engine = client.app.state.service.service.register.engine  # type: ignore[attr-defined]
    seen: list[int] = []

    def count(conn: sa.Connection) -> None:
        if conn.info.get("wrote"):
            seen.append(1)
        conn.info.pop("wrote", None)

    def wrote(conn: sa.Connection, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            conn.info["wrote"] = True

    sa.event.listen(engine, "before_cursor_execute", wrote)
    sa.event.listen(engine, "commit", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", wrote)
        sa.event.remove(engine, "commit", count)


def _events(trial: Trial) -> pd.DataFrame:
    with Register.open(trial.url) as reg:
        return reg.events()


def _assign(client: TestClient, trial: Trial, who: str, bsn: str, site: str | None = None) -> int:
    values = {"age_group": "<27", **({"site": site} if site else {})}
    body = {"id": bsn, "values": values, "new_level": True}
    answer = client.post(
        "/api/v1/assign", json=body, headers={"Authorization": f"Bearer {trial.tokens[who]}"}
    )
    return answer.status_code


def test_an_assignment_commits_once_with_the_users_name(client: TestClient, trial: Trial) -> None:
    bsn = elfproef_bsns(1, start=970_000_000)[0]
    before = len(_events(trial))
    with _commits(client) as commits:
        assert _assign(client, trial, "ede", bsn) == 200
    assert len(commits) == 1
    events = _events(trial)
    added = events.iloc[before:]
    assert list(added["kind"]) == ["intake"]
    details = added["details"].iloc[0]
    assert details["user"] == "ede" and details["n_new"] == 1
    with Register.open(trial.url) as reg:
        record = reg.assignments().iloc[-1]
        assert added["participant"].iloc[0] == record["participant"]
        assert details["first"] == details["last"] == record["sequence"]
        assert reg.verify().ok


def test_asking_again_is_recorded_once_with_the_users_name(
    client: TestClient, trial: Trial
) -> None:
    """Assigning someone assigned before shows their arm: that, too, is in the audit log."""
    bsn = elfproef_bsns(1, start=971_000_000)[0]
    assert _assign(client, trial, "ede", bsn) == 200
    before = len(_events(trial))
    with _commits(client) as commits:
        assert _assign(client, trial, "both", bsn, site="Ede") == 200
    assert len(commits) == 1
    added = _events(trial).iloc[before:]
    assert list(added["kind"]) == ["intake"]
    assert added["details"].iloc[0]["user"] == "both"
    assert added["details"].iloc[0]["n_new"] == 0 and added["participant"].iloc[0]
    with Register.open(trial.url) as reg:
        assert reg.verify().ok


def test_other_requests_keep_their_own_audit_entries(client: TestClient, trial: Trial) -> None:
    bsn = elfproef_bsns(1, start=972_000_000)[0]
    assert _assign(client, trial, "tiel", bsn) == 200
    before = len(_events(trial))
    assert _assign(client, trial, "ede", bsn) == 403  # enrolled at Tiel
    lookup = client.post(
        "/api/v1/lookup",
        json={"id": bsn},
        headers={"Authorization": f"Bearer {trial.tokens['stats']}"},
    )
    assert lookup.status_code == 200
    added = _events(trial).iloc[before:]
    assert list(added["kind"]) == ["service", "service"]
    assert [d["user"] for d in added["details"]] == ["ede", "stats"]
    assert [d["action"] for d in added["details"]] == [
        "assign refused: enrolled at another site",
        "lookup",
    ]


def test_a_file_through_the_service_names_the_user_in_its_intake(
    client: TestClient, trial: Trial
) -> None:
    bsns = elfproef_bsns(3, start=973_000_000)
    content = "bsn;site;age_group;consent;enrolled_on\n" + "".join(
        f"{b};Ede;27-44;ja;2019-03-01\n" for b in bsns
    )
    before = len(_events(trial))
    with _commits(client) as commits:
        answer = client.post(
            "/api/v1/assign-file?name=p.csv",
            content=content.encode(),
            headers={"Authorization": f"Bearer {trial.tokens['ede']}"},
        )
    assert answer.status_code == 200, answer.text
    assert len(commits) == 1
    added = _events(trial).iloc[before:]
    assert list(added["kind"]) == ["intake"]
    assert added["details"].iloc[0]["user"] == "ede" and added["details"].iloc[0]["n_new"] == 3


def test_the_chain_covers_the_users_name(client: TestClient, trial: Trial) -> None:
    bsn = elfproef_bsns(1, start=974_000_000)[0]
    assert _assign(client, trial, "ede", bsn) == 200
    with Register.open(trial.url) as reg:
        assert reg.verify().ok
        seq = int(reg.events().query("kind == 'intake'")["seq"].iloc[-1])
        with reg.engine.begin() as conn:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            details = conn.execute(
                sa.text("SELECT details FROM audit_log WHERE seq = :s"), {"s": seq}
            ).scalar_one()
            assert '"user":"ede"' in details
            conn.execute(
                sa.text("UPDATE audit_log SET details = :d WHERE seq = :s"),
                {"d": details.replace('"user":"ede"', '"user":"tiel"'), "s": seq},
            )
        report = reg.verify()
    assert not report.ok
    assert f"audit_log {seq}" in report.message or "audit" in report.message
