"""The assignment engine: pure procedures that draw arms for participants, reproducibly.

Four methods, each a frozen object declared once (docs/conventions.md, rule 2) with
``draw(units, *, rng)``, ``probabilities(units)``, ``sequencer(rng=..., history=...)`` and
``resume(rng=..., tally=...)`` (a sequencer continued from kept counts, :mod:`.tally`):

* :class:`CompleteRandomization`: floor or ceiling of ``n x share`` per arm;
* :class:`StratifiedRandomization`: complete randomization within every stratum;
* :class:`PermutedBlocks`: rolling intake in shuffled blocks of random size per stratum;
* :class:`Minimization`: Pocock-Simon minimization with a biased coin.

:func:`procedure_from_protocol` builds the one a protocol declares. No I/O, no database, no
printing; randomness only through the ``rng`` argument, from streams derived from its seed
and the stratum key (:mod:`.streams`), so every assignment can be recomputed by an auditor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from participatie_rct.assignment.base import AssignmentProcedure, Draw, Sequencer
from participatie_rct.assignment.blocks import PermutedBlocks
from participatie_rct.assignment.complete import CompleteRandomization, StratifiedRandomization
from participatie_rct.assignment.keys import value_text
from participatie_rct.assignment.minimization import Minimization
from participatie_rct.assignment.tally import Tally, TallyKeys
from participatie_rct.choices import AssignmentMethod

if TYPE_CHECKING:
    from participatie_rct.protocol import Protocol

__all__ = [
    "AssignmentProcedure",
    "CompleteRandomization",
    "Draw",
    "Minimization",
    "PermutedBlocks",
    "Sequencer",
    "StratifiedRandomization",
    "Tally",
    "TallyKeys",
    "procedure_from_protocol",
    "value_text",
]


def procedure_from_protocol(protocol: Protocol) -> AssignmentProcedure:
    """The assignment procedure a protocol declares (its ``[[arms]]`` and ``[assignment]``)."""
    spec = protocol.assignment
    arms = protocol.arm_keys
    ratios = protocol.ratios
    method = AssignmentMethod(spec.method)
    if method is AssignmentMethod.COMPLETE:
        return CompleteRandomization(arms=arms, ratios=ratios)
    if method is AssignmentMethod.STRATIFIED:
        return StratifiedRandomization(arms=arms, ratios=ratios, strata=spec.strata)
    if method is AssignmentMethod.PERMUTED_BLOCKS:
        return PermutedBlocks(
            arms=arms, ratios=ratios, block_sizes=spec.block_sizes, strata=spec.strata
        )
    return Minimization(
        arms=arms,
        ratios=ratios,
        factors=spec.factors,
        p_best=spec.p_best,
        measure=spec.measure,
        weights=spec.weights,
    )
