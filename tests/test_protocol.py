"""The protocol file: what it holds, its hash, and every refusal with its exact message."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest

from participatie_rct.choices import AssignmentMethod, IdentifierKind
from participatie_rct.errors import ProtocolError
from participatie_rct.protocol import Protocol
from trial_protocols import FOUR_ARMS

TWO_ARMS = '[[arms]]\nkey = "control"\n\n[[arms]]\nkey = "treated"\n'


def trial(
    arms: str = FOUR_ARMS,
    assignment: str = 'method = "complete"',
    head: str = 'name = "T"\nseed = 1',
) -> str:
    return f"[trial]\n{head}\n{arms}\n[assignment]\n{assignment}\n"


def test_reads_the_contract_example(write_protocol) -> None:
    path = write_protocol(
        'method = "permuted_blocks"\nstrata = ["site", "age_group"]\nblock_sizes = [8, 4]',
        identifiers='column = "bsn"\nkind = "bsn"',
    )
    protocol = Protocol.from_toml(path)
    assert protocol.name == "Test trial"
    assert protocol.seed is None and protocol.sealed  # the default: no seed, a trial secret
    assert protocol.arm_keys == ("control", "earn_more", "intensive_support", "no_application_duty")
    assert protocol.ratios == (1, 1, 1, 1)
    assert protocol.control == "control"
    assert protocol.assignment.method is AssignmentMethod.PERMUTED_BLOCKS
    assert protocol.assignment.strata == ("site", "age_group")
    assert protocol.assignment.block_sizes == (4, 8)
    assert protocol.unit_columns == ("site", "age_group")
    assert protocol.identifier_column == "bsn"
    assert protocol.identifier_kind is IdentifierKind.BSN
    assert protocol.arm("earn_more").label("nl") == "Bijverdienen"
    text = path.read_text(encoding="utf-8")
    assert protocol.text == text
    assert protocol.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_is_frozen(write_protocol) -> None:
    protocol = Protocol.from_toml(write_protocol('method = "complete"'))
    with pytest.raises(dataclasses.FrozenInstanceError):
        protocol.seed = 2  # type: ignore[misc]


def test_a_changed_byte_changes_the_hash() -> None:
    one = Protocol.from_text(trial())
    other = Protocol.from_text(trial() + "# a comment\n")
    assert one.sha256 != other.sha256 and one.arms == other.arms


def test_pseudonym_identifiers_default_to_the_id_column() -> None:
    protocol = Protocol.from_text(trial() + '[identifiers]\nkind = "pseudonym"\n')
    assert (protocol.identifier_column, protocol.identifier_kind) == (
        "id",
        IdentifierKind.PSEUDONYM,
    )


def test_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "trial.toml"
    path.write_bytes(b"\xef\xbb\xbf" + trial().encode("utf-8"))
    assert Protocol.from_toml(path).seed == 1


REFUSALS = {
    "open without seed": (
        trial(head='name = "T"\nconcealment = "open"'),
        '[trial] declares concealment = "open" but has no seed; an open trial draws from a '
        'public seed (e.g. seed = 20170901). Add one, or declare concealment = "sealed".',
    ),
    "sealed with seed": (
        trial(head='name = "T"\nconcealment = "sealed"\nseed = 5'),
        '[trial] declares concealment = "sealed" and a seed; a sealed trial draws from its '
        "secret (init --secret-file), and a seed in the protocol would let anyone predict the "
        'next arm. Remove the seed, or declare concealment = "open".',
    ),
    "unknown concealment": (
        trial(head='name = "T"\nconcealment = "hidden"'),
        "[trial] concealment is 'hidden'; it must be one of 'sealed', 'open'.",
    ),
    "negative seed": (
        trial(head='name = "T"\nseed = -1'),
        "[trial] seed is -1; it must be at least 0.",
    ),
    "seed as text": (
        trial(head='name = "T"\nseed = "abc"'),
        "[trial] seed is 'abc'; it must be a whole number.",
    ),
    "missing name": (
        trial(head="seed = 1"),
        "[trial] is missing the key 'name'. Give the trial a name (e.g. name = \"Bijstand "
        "experiment "
        'Wageningen").',
    ),
    "unknown top-level key": (
        trial() + "[extra]\nx = 1\n",
        "unknown key 'extra' in the top level. Allowed keys: analysis, arms, assignment, "
        "identifiers, trial.",
    ),
    "unknown assignment key": (
        trial(assignment='method = "complete"\nblock_size = 4'),
        "unknown key 'block_size' in [assignment]. Allowed keys: block_sizes, factors, levels, "
        "measure, method, "
        "p_best, strata, weights.",
    ),
    "unknown arm key": (
        trial(arms=TWO_ARMS.replace('key = "treated"', 'key = "treated"\nweight = 2')),
        "unknown key 'weight' in [[arms]] number 2. Allowed keys: control, key, label_en, "
        "label_nl, ratio.",
    ),
    "one arm": (
        trial(arms='[[arms]]\nkey = "control"\n'),
        "[[arms]] declares 1 arm(s); a trial needs at least two arms.",
    ),
    "no arms": (
        '[trial]\nname = "T"\nseed = 1\n[assignment]\nmethod = "complete"\n',
        "the file is missing the key 'arms'. Declare two or more [[arms]] tables, each with a key.",
    ),
    "duplicate arm keys": (
        trial(
            arms='[[arms]]\nkey = "control"\n[[arms]]\nkey = "treated"\n[[arms]]\nkey = "control"\n'
        ),
        "[[arms]] number 3 repeats the key 'control'; every arm needs its own key.",
    ),
    "arm key not snake_case": (
        trial(arms=TWO_ARMS.replace('"treated"', '"EarnMore"')),
        "[[arms]] number 2 key is 'EarnMore'; arm keys are snake_case: lower-case letters, digits "
        "and "
        "underscores, starting with a letter (e.g. 'earn_more').",
    ),
    "zero ratio": (
        trial(arms=TWO_ARMS.replace('key = "treated"', 'key = "treated"\nratio = 0')),
        "[[arms]] number 2 ratio is 0; it must be greater than 0.",
    ),
    "negative ratio": (
        trial(arms=TWO_ARMS.replace('key = "control"', 'key = "control"\nratio = -2')),
        "[[arms]] number 1 ratio is -2; it must be greater than 0.",
    ),
    "fractional ratio": (
        trial(arms=TWO_ARMS.replace('key = "control"', 'key = "control"\nratio = 1.5')),
        "[[arms]] number 1 ratio is 1.5; it must be a whole number.",
    ),
    "two arms marked control": (
        trial(arms='[[arms]]\nkey = "a"\ncontrol = true\n[[arms]]\nkey = "b"\ncontrol = true\n'),
        "[[arms]] marks 2 arms as control (a, b); mark one.",
    ),
    "block size not a multiple of the ratio sum": (
        trial(assignment='method = "permuted_blocks"\nblock_sizes = [4, 6]'),
        "[assignment] block_sizes contains 6, which is not a multiple of the sum of the arms' "
        "ratios (4); "
        "allowed are multiples such as 4, 8, 12.",
    ),
    "block size with unequal ratios": (
        trial(
            arms=TWO_ARMS.replace('key = "treated"', 'key = "treated"\nratio = 2'),
            assignment='method = "permuted_blocks"\nblock_sizes = [4]',
        ),
        "[assignment] block_sizes contains 4, which is not a multiple of the sum of the arms' "
        "ratios (3); "
        "allowed are multiples such as 3, 6, 9.",
    ),
    "strata not a list": (
        trial(assignment='method = "stratified"\nstrata = "site"'),
        '[assignment] strata is \'site\'; it must be a list, e.g. ["site", "age_group"].',
    ),
    "strata repeated": (
        trial(assignment='method = "stratified"\nstrata = ["site", "site"]'),
        "[assignment] strata lists a value twice (['site', 'site']); each value may appear once.",
    ),
    "stratified without strata": (
        trial(assignment='method = "stratified"'),
        "[assignment] method 'stratified' needs strata, a list of participant columns (e.g. "
        "strata = "
        '["site"]).',
    ),
    "unknown method": (
        trial(assignment='method = "coin_flip"'),
        "[assignment] method is 'coin_flip'; it must be one of 'complete', 'stratified', "
        "'permuted_blocks', 'minimization'.",
    ),
    "missing method": (
        trial(assignment='strata = ["site"]'),
        "[assignment] is missing the key 'method'. Choose one of 'complete', 'stratified', "
        "'permuted_blocks', 'minimization'.",
    ),
    "key of another method": (
        trial(assignment='method = "complete"\nblock_sizes = [4]'),
        "[assignment] block_sizes is set, but method 'complete' does not use it; block_sizes "
        "belongs to "
        "method 'permuted_blocks'. Remove it or change the method.",
    ),
    "minimization without factors": (
        trial(assignment='method = "minimization"'),
        "[assignment] method 'minimization' needs factors, a list of participant columns (e.g. "
        "factors = "
        '["site", "age_group"]).',
    ),
    "p_best above 1": (
        trial(assignment='method = "minimization"\nfactors = ["site"]\np_best = 1.5'),
        "[assignment] p_best is 1.5; it must be at most 1.",
    ),
    "weights per factor": (
        trial(assignment='method = "minimization"\nfactors = ["site"]\nweights = [1, 2]'),
        "[assignment] weights has 2 values for 1 factors; give one per factor.",
    ),
    "unknown identifier kind": (
        trial() + '[identifiers]\nkind = "name"\n',
        "[identifiers] kind is 'name'; it must be one of 'bsn', 'pseudonym'.",
    ),
    "alpha out of range": (
        trial() + "[analysis]\nalpha = 1.5\n",
        "[analysis] alpha is 1.5; it must be less than 1.",
    ),
    "not TOML": (
        "[trial\n",
        "not valid TOML (Expected ']' at the end of a table declaration (at line 1, column 7)). "
        "Check the "
        "quoting and brackets.",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusal_message(case: str) -> None:
    text, message = REFUSALS[case]
    with pytest.raises(ProtocolError, match=re.escape(message)) as info:
        Protocol.from_text(text, source="trial.toml")
    assert str(info.value) == f"trial.toml: {message}"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(
        ProtocolError,
        match=re.escape(f"{path}: no such protocol file. Give the path of the trial's TOML file."),
    ):
        Protocol.from_toml(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "trial.toml"
    path.write_bytes(trial(head='name = "Café"\nseed = 1').encode("cp1252"))
    with pytest.raises(
        ProtocolError,
        match=re.escape(f"{path}: the protocol file is not UTF-8 text. Save it as UTF-8."),
    ):
        Protocol.from_toml(path)


def test_unknown_arm() -> None:
    protocol = Protocol.from_text(trial(arms=TWO_ARMS), source="trial.toml")
    with pytest.raises(
        ProtocolError, match=re.escape("trial.toml: no arm 'x'; the arms are control, treated.")
    ):
        protocol.arm("x")


def test_concealment_defaults() -> None:
    """No seed: sealed; a seed and no concealment key (older protocols): open."""
    sealed = Protocol.from_text(trial(head='name = "T"'))
    older = Protocol.from_text(trial(head='name = "T"\nseed = 7'))
    assert (sealed.sealed, sealed.seed) == (True, None)
    assert (older.sealed, older.seed) == (False, 7)


# -- [[analysis.families]] ------------------------------------------------------------------

FAMILIES = """
[analysis]
horizon_months = 12

[[analysis.families]]
name = "survey"
role = "exploratory"
outcomes = ["wellbeing", "health"]

[[analysis.families]]
name = "part_time"
role = "secondary"
outcomes = ["part_time_share", "ever_working_12h"]
label_nl = "Deeltijdwerk"
"""


def test_without_families_outflow_to_work_is_the_primary_family() -> None:
    plan = Protocol.from_text(trial()).analysis
    assert plan.families == ()
    (primary,) = plan.outcome_families()
    assert (primary.role, primary.outcomes) == ("primary", ("outflow_work",))


def test_families_are_read_and_ordered_by_role() -> None:
    plan = Protocol.from_text(trial() + FAMILIES).analysis
    assert [f.name for f in plan.families] == ["survey", "part_time"]  # as declared
    ordered = plan.outcome_families()
    assert [(f.name, f.role) for f in ordered] == [
        ("outflow", "primary"),
        ("part_time", "secondary"),
        ("survey", "exploratory"),
    ]
    assert ordered[1].outcomes == ("part_time_share", "ever_working_12h")
    assert ordered[1].label("nl") == "Deeltijdwerk" and ordered[1].label("en") == ""


def _family(outcomes: str, role: str = "secondary", name: str = "x") -> str:
    return f'\n[[analysis.families]]\nname = "{name}"\nrole = "{role}"\noutcomes = {outcomes}\n'


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            _family('["earnings", "pay"]'),
            "p.toml: [[analysis.families]] number 1 ('x') names the outcome 'pay', which is not "
            "known. Known outcomes: outflow_work, outflow_work_long, outflow_any, "
            "part_time_share,",
        ),
        (
            _family('["earnings"]', role="main"),
            "p.toml: [[analysis.families]] number 1 role is 'main'; it must be one of "
            "'primary', 'secondary', 'exploratory'.",
        ),
        (
            _family('["earnings"]', role="primary"),
            "p.toml: [[analysis.families]] primary family 'x' lacks 'outflow_work'",
        ),
        (
            _family('["earnings"]') + _family('["reentry", "earnings"]', name="y"),
            "p.toml: [[analysis.families]] number 2 ('y') names 'earnings', which family 'x' "
            "already holds",
        ),
        (
            _family('["earnings"]') + _family('["reentry"]'),
            "p.toml: [[analysis.families]] number 2 ('x') repeats the name",
        ),
        (
            _family('["outflow_work"]', role="primary")
            + _family('["reentry"]', role="primary", name="y"),
            "p.toml: [[analysis.families]] declares 2 primary families (x, y); declare one.",
        ),
        (_family("[]"), "p.toml: [[analysis.families]] number 1 outcomes is empty"),
    ],
)
def test_family_refusals_name_the_family_and_what_is_allowed(extra: str, message: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        Protocol.from_text(trial() + "\n[analysis]\n" + extra, source="p.toml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_every_known_outcome_is_accepted() -> None:
    from participatie_rct.protocol import ANALYSIS_OUTCOMES

    names = ", ".join(f'"{o}"' for o in ANALYSIS_OUTCOMES if o != "outflow_work")
    plan = Protocol.from_text(trial() + "\n[analysis]\n" + _family(f"[{names}]")).analysis
    assert len(plan.families[0].outcomes) == len(ANALYSIS_OUTCOMES) - 1


def test_a_text_with_the_hash_it_was_checked_with_skips_only_the_schema() -> None:
    """The register's copy is not run through the JSON Schema again (it was at init); a text
    whose hash differs from the one it was stored with is checked in full, and the rules of
    the protocol itself always run."""
    extra = trial() + "\n[extra]\nnote = 1\n"  # breaks the schema only: an unknown table
    digest = hashlib.sha256(extra.encode("utf-8")).hexdigest()
    with pytest.raises(ProtocolError, match="unknown key 'extra'"):
        Protocol.from_text(extra)
    with pytest.raises(ProtocolError, match="unknown key 'extra'"):
        Protocol.from_text(extra, checked_sha256="0" * 64)
    assert Protocol.from_text(extra, checked_sha256=digest).sha256 == digest
    repeated = trial(arms=TWO_ARMS + '\n[[arms]]\nkey = "control"\n')
    with pytest.raises(ProtocolError, match="repeats the key 'control'"):
        Protocol.from_text(
            repeated, checked_sha256=hashlib.sha256(repeated.encode("utf-8")).hexdigest()
        )
    broken = "[trial]\nname = 'T'\n"  # no arms at all: the schema names what is missing
    with pytest.raises(ProtocolError, match="arms"):
        Protocol.from_text(broken, checked_sha256=hashlib.sha256(broken.encode()).hexdigest())
