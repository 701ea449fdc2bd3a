"""Stream derivation, stratum keys and building a procedure from the protocol."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import participatie_rct as prct
from participatie_rct.assignment import (
    CompleteRandomization,
    Minimization,
    PermutedBlocks,
    StratifiedRandomization,
    procedure_from_protocol,
)
from participatie_rct.assignment.keys import join_key, stratum_codes, value_text
from participatie_rct.assignment.streams import root_sequence
from participatie_rct.errors import AssignmentError
from participatie_rct.protocol import Protocol

ARMS4 = ("control", "earn_more", "intensive_support", "no_application_duty")


def test_fresh_generator_contributes_its_seed_sequence() -> None:
    root = root_sequence(np.random.default_rng(20170901))
    assert root.entropy == 20170901 and root.spawn_key == ()
    child = np.random.default_rng(5).spawn(3)[2]
    assert root_sequence(child).spawn_key == (2,)


def test_reusing_a_generator_gives_a_new_draw_and_the_same_sequence_of_draws() -> None:
    procedure = CompleteRandomization(arms=ARMS4)
    units = pd.DataFrame(index=range(40))
    rng = np.random.default_rng(1)
    first, second = procedure.draw(units, rng=rng), procedure.draw(units, rng=rng)
    assert not first.equals(second)
    rng = np.random.default_rng(1)
    assert procedure.draw(units, rng=rng).equals(first)
    assert procedure.draw(units, rng=rng).equals(second)


def test_generator_without_seed_sequence_is_handled() -> None:
    bit_generator = np.random.PCG64()
    bit_generator.state = np.random.PCG64(3).state  # a state set by hand: no seed sequence to trust
    procedure = PermutedBlocks(arms=ARMS4, block_sizes=(4,))
    arms = procedure.draw(pd.DataFrame(index=range(8)), rng=np.random.Generator(bit_generator))
    assert sorted(arms[:4]) == sorted(ARMS4)


def test_generator_type_is_checked() -> None:
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator"):
        CompleteRandomization(arms=ARMS4).draw(pd.DataFrame(index=range(3)), rng=7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "1"),
        (1.0, "1"),
        (np.int8(1), "1"),
        (np.float32(1.0), "1"),
        (True, "1"),
        (np.True_, "1"),
        (np.False_, "0"),
        (np.uint64(7), "7"),
        (2.5, "2.5"),
        (0.1, "0.1"),
        ("  Ede ", "Ede"),
        ("1.0", "1.0"),
        (dt.date(2018, 2, 13), "2018-02-13"),
        (pd.Timestamp("2018-02-13"), "2018-02-13"),
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
        (pd.NaT, None),
        ("   ", None),
    ],
)
def test_value_text_rule(value: object, text: str | None) -> None:
    assert value_text(value) == text


def test_keys_escape_separators_and_keep_protocol_order() -> None:
    assert join_key(["site", "age"], ["a|b", "c=d"]) == "site=a\\|b|age=c\\=d"
    assert join_key(["site", "age"], ["a", "b|age=c"]) != join_key(
        ["site", "age"], ["a|age=b", "c"]
    )
    units = pd.DataFrame({"age": [30, 30.0, 45], "site": ["Ede", "Ede", "Tiel"]})
    codes, keys = stratum_codes(units, ["site", "age"])
    assert keys == ["site=Ede|age=30", "site=Tiel|age=45"]
    assert codes.tolist() == [0, 0, 1]


def test_stratum_key_of_one_unit_matches_the_vectorised_keys() -> None:
    procedure = StratifiedRandomization(arms=ARMS4, strata=("site", "age_group"))
    units = pd.DataFrame({"site": ["Ede", "Tiel"], "age_group": [1.0, 2]})
    _, keys = stratum_codes(units, procedure.strata)
    assert [procedure.stratum_key(units.iloc[i].to_dict()) for i in range(2)] == keys
    with pytest.raises(AssignmentError, match=r"no value for column 'age_group'"):
        procedure.stratum_key({"site": "Ede"})


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        ('method = "complete"', CompleteRandomization),
        ('method = "stratified"\nstrata = ["site", "age_group"]', StratifiedRandomization),
        ('method = "permuted_blocks"\nstrata = ["site"]\nblock_sizes = [4, 8]', PermutedBlocks),
        (
            'method = "minimization"\nfactors = ["site", "age_group"]\np_best = 0.7\nmeasure = '
            '"variance"',
            Minimization,
        ),
    ],
)
def test_protocol_builds_the_declared_procedure(write_protocol, body: str, cls: type) -> None:
    protocol = Protocol.from_toml(write_protocol(body))
    procedure = procedure_from_protocol(protocol)
    assert isinstance(procedure, cls)
    assert procedure == procedure_from_protocol(protocol)
    assert procedure.arms == ARMS4 and procedure.ratios == (1, 1, 1, 1)
    assert procedure.method == protocol.assignment.method.value
    assert procedure.unit_columns == protocol.unit_columns
    assert isinstance(procedure.version, int)
    with pytest.raises(AttributeError):
        procedure.arms = ("x", "y")  # type: ignore[misc]  # frozen


def test_package_exports_the_procedures() -> None:
    assert prct.PermutedBlocks is PermutedBlocks
    assert prct.procedure_from_protocol is procedure_from_protocol
    assert prct.Minimization is Minimization


def test_draw_records_method_version_and_seed() -> None:
    arms = Minimization(arms=ARMS4, factors=("site",)).draw(
        pd.DataFrame({"site": ["a", "b"]}), rng=np.random.default_rng(42)
    )
    assert arms.attrs == {
        "method": "minimization",
        "version": 1,
        "seed": {"entropy": 42, "spawn_key": []},
    }
    assert arms.name == "arm"


@pytest.mark.parametrize(
    "procedure",
    [
        CompleteRandomization(arms=ARMS4),
        StratifiedRandomization(arms=ARMS4, strata=("site",)),
        PermutedBlocks(arms=ARMS4, block_sizes=(4,), strata=("site",)),
        Minimization(arms=ARMS4, factors=("site",)),
    ],
)
def test_no_units_give_no_arms(procedure) -> None:
    empty = pd.DataFrame({"site": pd.Series([], dtype=object)})
    assert procedure.draw(empty, rng=np.random.default_rng(1)).empty
    assert procedure.sequencer(rng=np.random.default_rng(1)).next_batch(empty) == []


def test_stream_integers_are_uniform_and_within_bounds() -> None:
    from scipy import stats

    from participatie_rct.assignment.streams import stream

    root = np.random.SeedSequence(1)
    for bound in (1, 2, 3, 7, 2**40 + 3):
        values = stream(root, bound).integers(bound, 500)
        assert values.min() >= 0 and values.max() < bound
    values = stream(root, 99).integers(6, 6000)
    assert stats.chisquare(np.bincount(values, minlength=6)).pvalue > 1e-3


def test_stream_permutations_are_uniform() -> None:
    from scipy import stats

    from participatie_rct.assignment.streams import stream

    root = np.random.SeedSequence(2)
    seen: dict[tuple[int, ...], int] = {}
    for i in range(3000):
        perm = tuple(stream(root, i).permutation(3).tolist())
        seen[perm] = seen.get(perm, 0) + 1
    assert len(seen) == 6
    assert stats.chisquare(list(seen.values())).pvalue > 1e-3


def test_stream_is_pinned_to_seed_sequence_and_pcg64_only() -> None:
    """The raw words of a named stream: a change here changes every replay."""
    from participatie_rct.assignment.streams import TAG_BATCH, key_words, stream

    words = stream(np.random.SeedSequence(20170901), TAG_BATCH, 0, *key_words("site=Ede")).raw(2)
    expected = np.random.PCG64(
        np.random.SeedSequence(20170901, spawn_key=(TAG_BATCH, 0, *key_words("site=Ede")))
    ).random_raw(2)
    assert words.tolist() == [int(w) for w in expected]
    assert key_words("") == (0xE3B0C442, 0x98FC1C14, 0x9AFBF4C8, 0x996FB924)  # SHA-256 of ""


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: CompleteRandomization(arms=("a", "a")), r"arm keys must be distinct; 'a' appears"),
        (
            lambda: CompleteRandomization(arms=("a", "b"), ratios=(1, 2, 3)),
            r"ratios has 3 values for 2 arms",
        ),
        (
            lambda: StratifiedRandomization(arms=("a", "b"), strata=("s", "s")),
            r"lists a column twice",
        ),
        (
            lambda: PermutedBlocks(arms=("a", "b"), block_sizes=(2, 2)),
            r"block_sizes lists a size twice",
        ),
        (
            lambda: Minimization(arms=("a", "b"), factors=("f",), weights=(-1.0,)),
            r"every weight must be a positive number",
        ),
        (
            lambda: CompleteRandomization(arms=("a", "b")).sequencer(
                rng=np.random.default_rng(1), history=pd.DataFrame({"batch": [0]})
            ),
            r"history has no 'arm' column",
        ),
        (
            lambda: PermutedBlocks(arms=("a", "b"), block_sizes=(2,), strata=("site",)).sequencer(
                rng=np.random.default_rng(1), history=pd.DataFrame({"arm": ["a"]})
            ),
            r"history has neither the column\(s\) 'site' nor a 'stratum' column",
        ),
        (
            lambda: Minimization(arms=("a", "b"), factors=("site", "age")).draw(
                pd.DataFrame({"site": ["x"]}), rng=np.random.default_rng(1)
            ),
            r"the participants have no column 'age'",
        ),
        (
            lambda: Minimization(arms=("a", "b"), factors=("site",)).draw(
                pd.DataFrame({"site": ["x", None]}), rng=np.random.default_rng(1)
            ),
            r"column 'site' is empty for 1 participant \(arrival position 2, counting from 1\)",
        ),
    ],
)
def test_every_refusal_says_what_and_how_to_fix(make, message: str) -> None:
    with pytest.raises(AssignmentError, match=message):
        make()


def test_a_stratum_column_named_twice_is_refused() -> None:
    units = pd.DataFrame([["a", "Ede", "Epe"]], columns=["id", "site", "site"])
    with pytest.raises(AssignmentError, match=r"have 2 columns named 'site'; .* Rename or drop"):
        stratum_codes(units, ["site"])


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: prct.CompleteRandomization(arms="ab"), "arms must be a list of arm keys"),
        (lambda: prct.CompleteRandomization(arms=("a", "")), "arm keys must be non-empty"),
        (
            lambda: prct.CompleteRandomization(arms=("a", "b"), ratios=(float("nan"), 1)),
            "arm 'a' has ratio nan; a ratio is a whole number from 1 to 1000",
        ),
        (
            lambda: prct.CompleteRandomization(arms=("a", "b"), ratios=(10**30, 1)),
            "a ratio is a whole number from 1 to 1000",
        ),
        (
            lambda: prct.StratifiedRandomization(arms=("a", "b"), strata="site"),
            r"strata must be a list of column names, e.g. \['site'\]",
        ),
        (
            lambda: prct.PermutedBlocks(arms=("a", "b"), block_sizes=("x",)),
            "block size 'x' is not a whole number from 1 to 1000",
        ),
        (
            lambda: prct.PermutedBlocks(arms=("a", "b"), block_sizes=(2.5,)),
            "block size 2.5 is not a whole number",
        ),
        (
            lambda: prct.PermutedBlocks(arms=("a", "b"), block_sizes=(10**7,)),
            # 8 digits are masked in every message: they could be a BSN
            r"block size \*{8} is not a whole number from 1 to 1000",
        ),
        (
            lambda: prct.PermutedBlocks(arms=("a", "b"), ratios=(600, 500), block_sizes=(1100,)),
            r"the ratios \[600, 500\] sum to 1100, but a block .* holds at most 1000",
        ),
        (
            lambda: prct.Minimization(arms=("a", "b"), factors=("s",), weights=("x",)),
            "give one positive number per factor",
        ),
    ],
)
def test_hostile_procedure_settings_are_refused(build, match: str) -> None:
    with pytest.raises(AssignmentError, match=match):
        build()


def test_numpy_and_float_whole_ratios_are_accepted() -> None:
    procedure = prct.CompleteRandomization(arms=("a", "b"), ratios=(np.int64(2), 1.0))
    assert procedure.ratios == (2, 1)
