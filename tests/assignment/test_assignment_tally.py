"""A sequencer resumed from kept counts draws exactly what one rebuilt from the history draws."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from participatie_rct.assignment import (
    AssignmentProcedure,
    CompleteRandomization,
    Minimization,
    PermutedBlocks,
    StratifiedRandomization,
    Tally,
    TallyKeys,
)
from participatie_rct.errors import AssignmentError

PROCEDURES: dict[str, AssignmentProcedure] = {
    "complete": CompleteRandomization(arms=("a", "b", "c"), ratios=(1, 2, 1)),
    "stratified": StratifiedRandomization(
        arms=("a", "b", "c"), ratios=(1, 2, 1), strata=("site", "age")
    ),
    "permuted_blocks": PermutedBlocks(
        arms=("a", "b", "c"), ratios=(1, 2, 1), block_sizes=(4, 8), strata=("site",)
    ),
    "minimization": Minimization(
        arms=("a", "b", "c"), ratios=(1, 2, 1), factors=("site", "age"), p_best=0.75
    ),
}


def _units(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "site": rng.choice(["Ede", "Tiel", "Zeist", "Wijk bij Duurstede"], n),
            "age": rng.choice(["<27", "27-44", "45+"], n),
        }
    )


def _history(procedure: AssignmentProcedure, units: pd.DataFrame) -> pd.DataFrame:
    """What a register holds after drawing ``units`` in batches of 7 and singles."""
    sequencer = procedure.sequencer(rng=np.random.default_rng(5), history=None)
    draws = []
    for start in range(0, len(units), 7):
        chunk = units.iloc[start : start + 7]
        if start % 14:
            draws.extend(sequencer.next(row) for row in chunk.to_dict("records"))
        else:
            draws.extend(sequencer.next_batch(chunk))
    frame = units.copy()
    frame["arm"] = [d.arm for d in draws]
    frame["stratum"] = [d.stratum for d in draws]
    frame["batch"] = [d.batch for d in draws]
    return frame


def _part(full: Tally, keys: TallyKeys) -> Tally:
    """Only the counts ``keys`` name (and the scalars): what a register reads for one call."""
    return Tally(
        arrivals=full.arrivals,
        batches=full.batches,
        strata={k: v for k, v in full.strata.items() if k in keys.strata},
        levels={k: v for k, v in full.levels.items() if k in keys.levels},
        chunks={k: v for k, v in full.chunks.items() if k in keys.strata},
    )


@pytest.mark.parametrize("method", sorted(PROCEDURES))
def test_resuming_from_the_counts_a_call_needs_draws_what_the_history_draws(method: str) -> None:
    procedure = PROCEDURES[method]
    history = _history(procedure, _units(120, 1))
    arrivals = _units(9, 2)
    rebuilt = procedure.sequencer(rng=np.random.default_rng(5), history=history)
    full = rebuilt.tally()
    keys = procedure.tally_keys(arrivals.to_dict("records"))
    resumed = procedure.resume(rng=np.random.default_rng(5), tally=_part(full, keys))

    single = arrivals.iloc[0].to_dict()
    assert resumed.next(single) == rebuilt.next(single)
    assert resumed.next_batch(arrivals.iloc[1:]) == rebuilt.next_batch(arrivals.iloc[1:])
    # the resumed sequencer knows the counts it read and changed, the same as the full one
    after = resumed.tally()
    whole = rebuilt.tally()
    assert (after.arrivals, after.batches) == (whole.arrivals, whole.batches)
    assert all(whole.strata[k] == v for k, v in after.strata.items())
    assert all(whole.levels[k] == v for k, v in after.levels.items())
    assert all(whole.chunks[k] == v for k, v in after.chunks.items())


@pytest.mark.parametrize("method", sorted(PROCEDURES))
def test_the_tally_of_a_replay_equals_the_tally_rebuilt_from_its_history(method: str) -> None:
    procedure = PROCEDURES[method]
    units = _units(80, 3)
    history = _history(procedure, units)
    replayed = procedure.sequencer(rng=np.random.default_rng(5), history=None)
    for start in range(0, len(units), 7):
        chunk = units.iloc[start : start + 7]
        if start % 14:
            for row in chunk.to_dict("records"):
                replayed.next(row)
        else:
            replayed.next_batch(chunk)
    rebuilt = procedure.sequencer(rng=np.random.default_rng(0), history=history).tally()
    tally = replayed.tally()
    # the chunks of a stratum's sequence follow from the seed: only the replay knows them
    assert replace(tally, chunks={}) == rebuilt and rebuilt.chunks == {}
    assert bool(tally.chunks) == (method == "permuted_blocks")


def test_a_tally_holds_only_what_each_method_keeps() -> None:
    units = _units(30, 4)
    tallies = {
        m: p.sequencer(rng=np.random.default_rng(1), history=_history(p, units)).tally()
        for m, p in PROCEDURES.items()
    }
    assert tallies["permuted_blocks"].arrivals is None
    assert tallies["permuted_blocks"].batches is None
    assert sum(tallies["permuted_blocks"].strata.values()) == 30
    # batches of 7 from rows 0, 14 and 28, and each single of rows 7-13 and 21-27 a batch of one
    assert tallies["stratified"].batches == 3 + 14
    assert tallies["stratified"].arrivals is None
    minimization = tallies["minimization"]
    assert minimization.arrivals == 30 and minimization.batches is None
    assert sum(sum(c) for (f, _), c in minimization.levels.items() if f == "site") == 30


def test_tally_keys_name_the_strata_or_the_factor_levels_of_the_units() -> None:
    units = [{"site": "Ede", "age": "45+"}, {"site": "Tiel", "age": "45+"}]
    stratified = PROCEDURES["stratified"].tally_keys(units)
    assert stratified.levels == frozenset() and len(stratified.strata) == 2
    assert stratified.strata == {PROCEDURES["stratified"].stratum_key(u) for u in units}
    levels = PROCEDURES["minimization"].tally_keys(units)
    assert levels.strata == frozenset()
    assert levels.levels == {("site", "Ede"), ("site", "Tiel"), ("age", "45+")}


def test_counts_that_do_not_fit_the_procedure_are_refused() -> None:
    procedure = PROCEDURES["minimization"]
    with pytest.raises(AssignmentError, match="do not fit"):
        procedure.resume(rng=np.random.default_rng(1), tally=Tally(levels={("x", "1"): (1, 2, 3)}))
    with pytest.raises(AssignmentError, match="do not fit"):
        procedure.resume(rng=np.random.default_rng(1), tally=Tally(levels={("site", "E"): (1,)}))


def test_a_stratum_deep_into_its_sequence_resumes_at_its_chunk() -> None:
    """Permuted blocks keep the chunk of each stratum's next position: resuming at arrival
    50,300 makes one or two chunks, not the hundreds before it, and draws the same arms."""
    procedure = PermutedBlocks(arms=("a", "b"), block_sizes=(2, 4, 6), strata=("site",))
    key = procedure.stratum_key({"site": "Ede"})
    counted = procedure.resume(rng=np.random.default_rng(9), tally=Tally(strata={key: 50_000}))
    assert counted.tally().chunks == {}  # made no sequence yet: knows no chunk
    units = pd.DataFrame({"site": ["Ede"] * 300})
    counted.next_batch(units)
    kept = counted.tally()
    chunk, start = kept.chunks[key]
    assert chunk > 100 and 0 < start <= 50_300
    resumed = procedure.resume(rng=np.random.default_rng(9), tally=kept)
    assert resumed.next_batch(units) == counted.next_batch(units)
    assert resumed._streams[key].base == start  # nothing before the kept chunk was made
    arms, _ = procedure.stratum_sequence(key, 50_600, rng=np.random.default_rng(9))
    again = procedure.resume(rng=np.random.default_rng(9), tally=kept)
    assert [d.arm for d in again.next_batch(units)] == arms[50_300:]


def test_a_kept_chunk_after_the_count_is_refused() -> None:
    procedure = PROCEDURES["permuted_blocks"]
    key = procedure.stratum_key({"site": "Ede"})
    tally = Tally(strata={key: 3}, chunks={key: (2, 700)})
    with pytest.raises(AssignmentError, match="does not fit the count"):
        procedure.resume(rng=np.random.default_rng(1), tally=tally).next({"site": "Ede"})
