"""manifest.json: version, protocol hash, seed, hashes of every input and output, no clock."""

from __future__ import annotations

import hashlib
import json

from participatie_rct import __version__


def test_manifest_records_what_the_report_was_made_from(demo) -> None:
    folder = demo.final.out_dir
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["package_version"] == __version__
    from participatie_rct.registry import Register
    from participatie_rct.report.inputs import assignments_digest

    register = Register.open(demo.db_url)
    try:
        protocol = register.protocol
        digest = assignments_digest(register.assignments())
    finally:
        register.close()
    assert manifest["register"]["assignments_sha256"] == digest
    assert manifest["register"]["n_assigned"] == demo.n_assigned
    assert manifest["protocol_sha256"] == protocol.sha256
    assert manifest["seed"] == protocol.seed
    assert manifest["settings"]["as_of"] == demo.final.as_of
    assert manifest["settings"]["kind"] == "final"
    for name, digest in manifest["inputs"].items():
        path = demo.data_dir / name.removeprefix("data/")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert {"data/participants.csv", "data/benefit_months.csv"} <= set(manifest["inputs"])
    for name, digest in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert "report.html" in manifest["outputs"] and "report.md" in manifest["outputs"]
    text = json.dumps(manifest)
    assert str(demo.out_dir) not in text  # no machine paths


def test_changed_input_changes_the_manifest(demo, demo_inputs, tmp_path) -> None:
    from dataclasses import replace

    from participatie_rct.trial import write_report_from_inputs

    changed = replace(
        demo_inputs, input_files={**demo_inputs.input_files, "data/participants.csv": "0" * 64}
    )
    two = write_report_from_inputs(changed, tmp_path / "two", kind="final", as_of=demo.final.as_of)
    first = json.loads((demo.final.out_dir / "manifest.json").read_text(encoding="utf-8"))
    second = json.loads((two.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert first["inputs"]["data/participants.csv"] != second["inputs"]["data/participants.csv"]
    assert first["outputs"] == second["outputs"]
