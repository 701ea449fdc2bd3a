"""Reports of a sealed trial: no seed or secret in any file, an anchor that catches truncation,
and blinded letters that only the secret orders."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from participatie_rct.assignment import procedure_from_protocol
from participatie_rct.concealment import blinding_key, chain_key
from participatie_rct.errors import ReportError
from participatie_rct.report.blinding import blind_mapping, blinding_secret
from participatie_rct.trial.demo import DEMO_SECRET, SECRET_FILE


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from participatie_rct.cli import main

    with pytest.raises(SystemExit) as caught:
        main(args)
    out, err = capsys.readouterr()
    return int(caught.value.code or 0), out, err


def test_no_report_file_holds_the_secret_or_a_seed(demo) -> None:  # type: ignore[no-untyped-def]
    forms = []
    for raw in (DEMO_SECRET, chain_key(DEMO_SECRET), blinding_key(DEMO_SECRET)):
        forms += [raw, raw.hex().encode(), base64.urlsafe_b64encode(raw).rstrip(b"=")]
    files = [p for p in demo.out_dir.rglob("*") if p.is_file() and p.name != SECRET_FILE]
    assert any(p.name == "trial.db" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not any(form in data for form in forms), path
    for part in ("interim", "final"):
        manifest = json.loads((demo.out_dir / part / "manifest.json").read_text())
        assert manifest["seed"] is None
        assert manifest["anchor"].startswith("prct-anchor-v1 assignment=")
        text = (demo.out_dir / part / "report.md").read_text(encoding="utf-8")
        assert "seed" not in text.lower()


def test_a_truncated_register_fails_the_anchor_of_an_earlier_report(  # type: ignore[no-untyped-def]
    demo, tmp_path: Path, capsys, monkeypatch
) -> None:
    """An auditor holding only the final report's manifest.json: no secret, no database rights."""
    import sqlalchemy as sa

    monkeypatch.delenv("PARTICIPATIE_RCT_SECRET")
    copy = tmp_path / "trial.db"
    shutil.copyfile(demo.out_dir / "trial.db", copy)
    manifest = demo.out_dir / "final" / "manifest.json"
    url = f"sqlite:///{copy}"
    code, out, err = _run(["verify", "--db", url, "--anchor", str(manifest)], capsys)
    assert code == 0, err
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for (name,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).all():
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
        conn.exec_driver_sql("DELETE FROM assignment WHERE sequence > 400")
        conn.exec_driver_sql("DELETE FROM audit_log WHERE seq > 410")
    engine.dispose()
    code, out, _ = _run(
        ["verify", "--db", url, "--anchor", str(manifest), "--format", "json"], capsys
    )
    report = json.loads(out)
    assert code == 1 and report["intact"] is False
    assert any("no longer holds it" in p for p in report["problems"])


def test_blinded_letters_come_from_the_secret_only() -> None:
    arms = ["control", "earn_more", "intensive_support", "no_application_duty"]
    sha = "ab" * 32
    with pytest.raises(ReportError, match="needs the trial secret"):
        blinding_secret(key=None, protocol_sha256=sha, seed=None)
    mappings = set()
    for n in range(12):
        secret, concealed = blinding_secret(
            key=blinding_key(bytes([n]) * 32), protocol_sha256=sha, seed=None
        )
        assert concealed
        letters = blind_mapping(arms, secret=secret)
        mappings.add(tuple(letters[a] for a in arms))
    assert len(mappings) > 1  # the letters depend on the secret, not on what is printed
    _, concealed = blinding_secret(key=None, protocol_sha256=sha, seed=7)
    assert not concealed  # an open trial without a blinding key: said so in the report


def test_no_number_or_hash_in_the_reports_replays_the_sequence(demo) -> None:  # type: ignore[no-untyped-def]
    """The insider's replay from every number and hash the reports and manifests print."""
    import re

    import numpy as np
    import pandas as pd

    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register

    with Register.open(demo.db_url, read_only=True) as reg:
        assigned = reg.assignments()
        text = reg.protocol.text
    protocol = Protocol.from_text(text)
    units = pd.DataFrame(
        [{c: str(assigned.at[i, c]) for c in protocol.unit_columns} for i in assigned.index]
    )
    actual = list(assigned["arm"])
    readable = text
    for part in ("interim", "final"):
        for name in ("manifest.json", "report.md"):
            readable += (demo.out_dir / part / name).read_text(encoding="utf-8")
    candidates = {int(n) for n in re.findall(r"\b\d{1,19}\b", readable)}
    candidates |= {int(h, 16) for h in re.findall(r"\b[0-9a-f]{64}\b", readable)}
    assert len(candidates) > 50
    procedure = procedure_from_protocol(protocol)
    for seed in candidates:
        sequencer = procedure.sequencer(rng=np.random.default_rng(seed), history=None)
        replayed = [d.arm for d in sequencer.next_batch(units)]
        assert replayed != actual, f"the sequence replays from {seed}"


def test_after_unseal_the_final_report_prints_the_secret(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from participatie_rct.keyfiles import encode_key
    from participatie_rct.registry import Register
    from participatie_rct.trial import write_report

    copy = tmp_path / "trial.db"
    shutil.copyfile(demo.out_dir / "trial.db", copy)
    url = f"sqlite:///{copy}"
    with Register.open(url, secret=DEMO_SECRET) as reg:
        reg.unseal(DEMO_SECRET)
        assert reg.verify().ok
    final = write_report(
        url, demo.data_dir, tmp_path / "final", kind="final", formats="md", as_of=demo.final.as_of
    )
    interim = write_report(
        url,
        demo.data_dir,
        tmp_path / "interim",
        kind="interim",
        formats="md",
        as_of=demo.interim.as_of,
    )
    text = encode_key(DEMO_SECRET)
    assert text in (final.out_dir / "report.md").read_text(encoding="utf-8")
    assert text not in (interim.out_dir / "report.md").read_text(encoding="utf-8")
    assert text not in (final.out_dir / "manifest.json").read_text(encoding="utf-8")
