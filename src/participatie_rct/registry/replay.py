"""Replaying a register's draws, and checking the kept sequencer state against the replay.

A fresh sequencer, seeded as the register seeded it, re-derives every assignment in sequence
order, calls as they happened (a file as one batch, an intake as one draw); each stored arm,
probability, stratum and position must be what the replay gives, and the counts the replay
ends with must be the counts the register keeps for its next draw (:mod:`.state`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from participatie_rct.errors import ParticipatieRCTError
from participatie_rct.protocol import Protocol
from participatie_rct.registry import state
from participatie_rct.registry.findings import Findings, short
from participatie_rct.registry.models import SEQUENCER_STATE

if TYPE_CHECKING:
    from participatie_rct.assignment.base import AssignmentProcedure, Draw, Sequencer
    from participatie_rct.assignment.tally import Tally

#: Probabilities are recomputed by the same code from the same seed, so they agree exactly on
#: one machine; the tolerance only absorbs the last bit of a float printed by another platform.
PROBABILITY_RTOL = 1e-12


def procedure_of(protocol: Protocol, found: Findings) -> AssignmentProcedure | None:
    """The protocol's assignment procedure; ``None`` (reported) when it cannot be built."""
    try:
        from participatie_rct.assignment import procedure_from_protocol

        return procedure_from_protocol(protocol)
    except ParticipatieRCTError as exc:
        found.add("protocol", f"The protocol's assignment procedure cannot be built ({exc}).")
        return None


def replay(
    assignments: Sequence[Any],
    protocol: Protocol,
    procedure: AssignmentProcedure,
    secret: bytes | None,
    found: Findings,
) -> Tally | None:
    """Re-derive every assignment with a fresh sequencer and report each that differs.

    Calls are replayed as they happened (consecutive rows of one intake form one call); the
    replay stops at the first call that cannot be replayed, since every later draw depends
    on it. Returns the counts the replaying sequencer ends with (``None`` when it stopped).
    """
    source = "the trial secret" if protocol.sealed else f"seed {protocol.seed}"
    sequencer = procedure.sequencer(rng=_replay_rng(protocol, secret), history=None)
    for group in _intake_groups(assignments):
        if not _same_procedure(group[0], procedure, found):
            return None
        draws = _replay_call(sequencer, group, list(procedure.unit_columns), found)
        if draws is None:
            return None
        for row, draw in zip(group, draws, strict=True):
            _compare_draw(row, draw, source, found)
    return sequencer.tally()


def check_state(
    conn: Connection,
    procedure: AssignmentProcedure,
    assignments: Sequence[Any],
    replayed: Tally | None,
    found: Findings,
) -> None:
    """The kept sequencer state equals the counts of the replay (or, without the secret, of
    the stored assignments), and covers the newest assignment."""
    if not sa.inspect(conn).has_table(SEQUENCER_STATE.name):
        return  # an older schema, reported as such; migrating builds the state
    expected = replayed if replayed is not None else state.history_tally(procedure, assignments)
    last = int(assignments[-1]["sequence"]) if assignments else 0
    wrong = state.differences(
        state.kept(conn),
        state.expected_rows(expected, procedure.arms, last),
        chunks=replayed is not None,
    )
    if wrong:
        shown = "; ".join(wrong[:3]) + (f"; and {len(wrong) - 3} more" if len(wrong) > 3 else "")
        found.add(
            "sequencer_state",
            f"sequencer_state: the kept counts differ from the replay of the assignments "
            f"({shown}); the table was changed outside the register, and the next draws "
            "would continue from the wrong counts.",
        )


def _replay_rng(protocol: Protocol, secret: bytes | None) -> Any:
    """The Generator the register drew from: the sealed trial's secret, or the open seed."""
    import numpy as np

    from participatie_rct.concealment import sealed_rng

    if protocol.sealed and secret is not None:
        return sealed_rng(secret, protocol.sha256)
    return np.random.default_rng(protocol.seed)


def _intake_groups(assignments: Sequence[Any]) -> list[list[Any]]:
    """Consecutive assignments of one intake entry: the calls the register made, in order."""
    groups: list[list[Any]] = []
    for row in assignments:
        if groups and groups[-1][0]["intake"] == row["intake"]:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _same_procedure(first: Any, procedure: AssignmentProcedure, found: Findings) -> bool:
    """Whether a call was made by this installation's procedure (else it cannot be replayed)."""
    if int(first["procedure_version"]) == int(procedure.version) and (
        first["method"] == procedure.method
    ):
        return True
    found.add(
        f"assignment {first['sequence']}",
        f"assignment {first['sequence']}: made with {first['method']} version "
        f"{first['procedure_version']}, "
        f"but this installation has {procedure.method} version {procedure.version}; "
        f"the draw cannot be "
        "replayed. Verify with the participatie-rct version that made the register.",
    )
    return False


def _replay_call(
    sequencer: Sequencer, group: list[Any], columns: list[str], found: Findings
) -> list[Draw] | None:
    """The draws of one call as it happened (one intake, or a file as a batch); ``None``
    (reported) when the stored units no longer make a call the sequencer accepts."""
    import pandas as pd

    first = group[0]
    try:
        units = [json.loads(r["unit"]) for r in group]
        if first["via"] == "one" and len(group) == 1:
            return [sequencer.next(units[0])]
        return list(sequencer.next_batch(pd.DataFrame(units, columns=columns)))
    except (ParticipatieRCTError, ValueError, KeyError) as exc:
        found.add(
            f"assignment {first['sequence']}",
            f"assignment {first['sequence']}: the replay fails ({exc}).",
        )
        return None


def _compare_draw(row: Any, draw: Draw, source: str, found: Findings) -> None:
    """Report the first of arm, probability, stratum and position that the replay disputes."""
    name = f"assignment {row['sequence']}"
    who = short(row["participant"])
    if draw.arm != row["arm"]:
        found.add(
            name,
            f"{name} ({who}): the register holds arm {row['arm']!r}, but replaying "
            f"the protocol ({source}) in arrival order gives {draw.arm!r}.",
        )
    elif not math.isclose(
        float(draw.probability), float(row["probability"]), rel_tol=PROBABILITY_RTOL
    ):
        found.add(
            name,
            f"{name} ({who}): the register holds probability "
            f"{row['probability']!r}, the replay gives {draw.probability!r}.",
        )
    elif draw.stratum != row["stratum"] or int(draw.position) != int(row["position"]):
        found.add(
            name,
            f"{name} ({who}): the register holds stratum {row['stratum']!r} "
            f"position {row['position']}, the replay gives {draw.stratum!r} "
            f"position {draw.position}.",
        )
