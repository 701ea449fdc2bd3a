"""Blinded reports: arms are letters, and no arm key or label appears anywhere in the output."""

from __future__ import annotations

import base64
import json
import re

import pytest

from participatie_rct.report.blinding import blind_mapping, blinding_secret


def test_mapping_is_a_fixed_permutation_that_depends_on_the_secret() -> None:
    arms = ("control", "earn_more", "intensive_support", "no_application_duty")
    first = blind_mapping(arms, secret=b"one secret")
    assert sorted(first.values()) == ["A", "B", "C", "D"]
    assert blind_mapping(arms, secret=b"one secret") == first
    assert (
        blind_mapping(tuple(reversed(arms)), secret=b"one secret") == first
    )  # not the protocol order
    others = {tuple(sorted(blind_mapping(arms, secret=bytes([i]) * 8).items())) for i in range(20)}
    assert len(others) > 1


def test_secret_comes_from_the_key_when_there_is_one() -> None:
    plain = blinding_secret(key=None, protocol_sha256="ab" * 32, seed=1)
    keyed = blinding_secret(key=b"k" * 32, protocol_sha256="ab" * 32, seed=1)
    assert plain != keyed
    assert blinding_secret(key=None, protocol_sha256="ab" * 32, seed=2) != plain


def _texts(folder):
    """Every text in a report folder, with the figures embedded in the HTML decoded."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".md", ".json", ".svg"}:
            text = path.read_text(encoding="utf-8")
            texts[path.name] = text
            for i, blob in enumerate(re.findall(r"base64,([A-Za-z0-9+/=]+)", text)):
                texts[f"{path.name}#figure{i}"] = base64.b64decode(blob).decode("utf-8")
    return texts


@pytest.mark.parametrize("language", ["nl", "en"])
def test_blinded_report_names_no_arm(demo_inputs, tmp_path, language) -> None:
    from participatie_rct.trial import write_report_from_inputs

    result = write_report_from_inputs(
        demo_inputs,
        tmp_path / language,
        kind="interim",
        language=language,
        blinded=True,
        as_of="2018-10-31",
    )
    protocol = demo_inputs.protocol
    forbidden = set(protocol.arm_keys)
    for arm in protocol.arms:
        forbidden |= {arm.label_nl, arm.label_en}
    forbidden |= {key.replace("_", " ") for key in protocol.arm_keys}
    texts = _texts(result.out_dir)
    assert any("#figure" in name for name in texts)  # the figures were searched too
    for name, text in texts.items():
        for word in forbidden:
            assert word.lower() not in text.lower(), f"{word!r} appears in {name}"
    assert {row["arm"] for row in result.headline} <= {"A", "B", "C", "D"}
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["blinded"] is True
    html = texts["report.html"]
    for letter in "ABCD":
        assert f"<td>{letter}</td>" in html
