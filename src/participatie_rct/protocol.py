"""The trial protocol: arms, ratios, assignment method, concealment, identifiers, analysis plan.

A protocol is read from the TOML file of docs/cli-contract.md by :meth:`Protocol.from_toml` into a
frozen object that keeps the file's text and its SHA-256, so the register can lock a trial to
exactly one protocol. The structure is checked against ``data_schema/protocol.schema.json``
(the one description of the file); the rules a JSON Schema cannot express (unique arm keys,
block sizes that are multiples of the ratio sum, keys that belong to another method) are
checked here. Every refusal names the key, the rule and what is allowed.

Concealment (``[trial] concealment``): a **sealed** trial has no seed; its draws come from a
trial secret held outside the protocol and the register (:mod:`participatie_rct.concealment`).
An **open** trial draws from the public ``seed``: anyone holding the protocol can predict
every arm. A protocol with a ``seed`` and no ``concealment`` key (written before sealed trials
existed) is open; one without either is sealed.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from participatie_rct.choices import (
    AssignmentMethod,
    Concealment,
    IdentifierKind,
    ImbalanceMeasure,
)
from participatie_rct.errors import ProtocolError
from participatie_rct.outcome_families import (
    ANALYSIS_OUTCOMES,
    FAMILY_ROLES,
    PRIMARY_FAMILY,
    OutcomeFamily,
    families_from_tables,
)
from participatie_rct.values import value_text

__all__ = [
    "ANALYSIS_OUTCOMES",
    "AnalysisPlan",
    "Arm",
    "AssignmentSpec",
    "OutcomeFamily",
    "Protocol",
    "protocol_schema",
]

#: Keys that only make sense for some methods: key -> methods that accept it.
_METHOD_KEYS: dict[str, tuple[AssignmentMethod, ...]] = {
    "strata": (AssignmentMethod.STRATIFIED, AssignmentMethod.PERMUTED_BLOCKS),
    "block_sizes": (AssignmentMethod.PERMUTED_BLOCKS,),
    "factors": (AssignmentMethod.MINIMIZATION,),
    "p_best": (AssignmentMethod.MINIMIZATION,),
    "measure": (AssignmentMethod.MINIMIZATION,),
    "weights": (AssignmentMethod.MINIMIZATION,),
}


@dataclass(frozen=True)
class Arm:
    """One arm of the trial: its key, allocation ratio and labels in Dutch and English."""

    key: str
    ratio: int = 1
    label_nl: str = ""
    label_en: str = ""

    def label(self, language: str) -> str:
        """The arm's label in ``language`` (``nl`` or ``en``), falling back to its key."""
        text = self.label_nl if language == "nl" else self.label_en
        return text or self.key


@dataclass(frozen=True)
class AssignmentSpec:
    """The ``[assignment]`` table: method and its parameters."""

    method: AssignmentMethod
    strata: tuple[str, ...] = ()
    block_sizes: tuple[int, ...] = ()
    factors: tuple[str, ...] = ()
    p_best: float = 0.8
    measure: ImbalanceMeasure = ImbalanceMeasure.RANGE
    weights: tuple[float, ...] = ()
    #: Declared values per column (``[assignment.levels]``), as pairs ``(column, values)``.
    levels: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def levels_of(self, column: str) -> tuple[str, ...] | None:
        """The declared values of ``column``, or None when the protocol declares none."""
        for name, values in self.levels:
            if name == column:
                return values
        return None


@dataclass(frozen=True)
class AnalysisPlan:
    """The ``[analysis]`` table: what the primary analysis is, declared before the data."""

    horizon_months: int = 12
    covariates: tuple[str, ...] = ()
    alpha: float = 0.05
    se_type: str = "hc2"
    interim_looks: int = 1
    spending: str = "obrien-fleming"
    gamma: float | None = None
    target_n: int | None = None
    planned_effect: float | None = None
    #: outcome columns of the declared multiplicity family (arms x outcomes)
    family: tuple[str, ...] = ()
    #: the ``[[analysis.families]]`` tables as declared (empty: none declared)
    families: tuple[OutcomeFamily, ...] = ()

    def outcome_families(self) -> tuple[OutcomeFamily, ...]:
        """The families by role (primary, secondary, exploratory), the primary family first;
        outflow to work is the primary family unless one is declared."""
        declared = self.families
        if not any(f.role == "primary" for f in declared):
            declared = (PRIMARY_FAMILY, *declared)
        return tuple(sorted(declared, key=lambda f: FAMILY_ROLES.index(f.role)))


@dataclass(frozen=True)
class Protocol:
    """A trial's protocol as declared in its TOML file.

    ``text`` is the file exactly as read and ``sha256`` its hash: the register stores both and
    refuses another protocol once anyone is assigned.
    """

    name: str
    seed: int | None
    arms: tuple[Arm, ...]
    assignment: AssignmentSpec
    concealment: Concealment = Concealment.OPEN
    identifier_column: str = "bsn"
    identifier_kind: IdentifierKind = IdentifierKind.BSN
    analysis: AnalysisPlan = field(default_factory=AnalysisPlan)
    control: str = ""
    text: str = ""
    sha256: str = ""
    source: str = "protocol"

    @classmethod
    def from_toml(cls, path: str | Path) -> Protocol:
        """Read and check a protocol file; raise :class:`ProtocolError` naming what is wrong."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ProtocolError(
                f"{path}: no such protocol file. Give the path of the trial's TOML file."
            ) from None
        except OSError as exc:
            raise ProtocolError(
                f"{path}: cannot read the protocol file ({exc.strerror})."
            ) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ProtocolError(
                f"{path}: the protocol file is not UTF-8 text. Save it as UTF-8."
            ) from None
        return cls.from_text(text, source=str(path))

    @classmethod
    def from_text(
        cls, text: str, *, source: str = "protocol", checked_sha256: str | None = None
    ) -> Protocol:
        """Parse protocol TOML given as text (``source`` names it in messages).

        ``checked_sha256`` is for a text that passed the schema before, such as the
        register's copy (checked at ``init``, stored with its hash): when the text still has
        that hash, the JSON Schema is not run again, which spares every register command the
        schema library's import. The rules of :func:`_build` always run, and a text whose
        hash differs is checked in full.
        """
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProtocolError(
                f"{source}: not valid TOML ({exc}). Check the quoting and brackets."
            ) from None
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if checked_sha256 is not None and checked_sha256 == digest:
            try:
                protocol = _build(data, source, schema=False)
            except (KeyError, TypeError, ValueError, AttributeError):
                _schema_errors(data, source)  # says what is wrong, if the schema sees it
                raise
        else:
            protocol = _build(data, source)
        return _replace(protocol, text=text, sha256=digest, source=source)

    @property
    def sealed(self) -> bool:
        """True when the draws come from a trial secret, not from a seed in the protocol."""
        return self.concealment is Concealment.SEALED

    @property
    def arm_keys(self) -> tuple[str, ...]:
        """Arm keys in protocol order."""
        return tuple(arm.key for arm in self.arms)

    @property
    def ratios(self) -> tuple[int, ...]:
        """Allocation ratios in protocol order."""
        return tuple(arm.ratio for arm in self.arms)

    def arm(self, key: str) -> Arm:
        """The arm with ``key``; :class:`ProtocolError` if there is none."""
        for arm in self.arms:
            if arm.key == key:
                return arm
        raise ProtocolError(
            f"{self.source}: no arm {key!r}; the arms are {', '.join(self.arm_keys)}."
        )

    @property
    def unit_columns(self) -> tuple[str, ...]:
        """Participant columns the assignment needs: the strata or minimization factors."""
        spec = self.assignment
        return spec.factors if spec.method is AssignmentMethod.MINIMIZATION else spec.strata


def _replace(protocol: Protocol, **changes: Any) -> Protocol:
    from dataclasses import replace

    return replace(protocol, **changes)


@cache
def protocol_schema() -> dict[str, Any]:
    """The JSON Schema of the protocol file, read from ``data_schema/protocol.schema.json``."""
    ref = resources.files("participatie_rct").joinpath("schemas", "protocol.schema.json")
    schema: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
    return schema


def _schema_errors(data: dict[str, Any], source: str) -> None:
    """Check ``data`` against the protocol schema; raise on the first error, in file order."""
    import jsonschema

    schema = protocol_schema()
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(
        validator.iter_errors(data),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        raise ProtocolError(_explain(errors[0], schema, source))


def _where(path: list[Any]) -> str:
    """Render a JSON path as the TOML reader sees it: ``[assignment] block_sizes``."""
    if not path:
        return "the top level"
    head, *rest = path
    if head == "arms" and rest and isinstance(rest[0], int):
        where = f"[[arms]] number {rest[0] + 1}"
        rest = rest[1:]
    elif head == "analysis" and len(rest) > 1 and rest[0] == "families":
        where = f"[[analysis.families]] number {int(rest[1]) + 1}"
        rest = rest[2:]
    else:
        where = f"[{head}]"
    if rest:
        where += " " + ".".join(str(p) for p in rest)
    return where


def _explain(error: Any, schema: dict[str, Any], source: str) -> str:
    """Turn a jsonschema error into a sentence that names the key and says what is allowed."""
    path = list(error.absolute_path)
    where = _where(path)
    sub = error.schema
    validator = error.validator
    if validator == "required":
        missing = error.message.split("'")[1]
        hint = {
            "seed": "An open trial needs an explicit seed, a whole number >= 0 "
            "(e.g. seed = 20170901); there is no hidden default.",
            "name": 'Give the trial a name (e.g. name = "Bijstand experiment Wageningen").',
            "method": "Choose one of 'complete', 'stratified', 'permuted_blocks', 'minimization'.",
            "key": 'Every arm needs a snake_case key, e.g. key = "control".',
            "arms": "Declare two or more [[arms]] tables, each with a key.",
            "assignment": "Add an [assignment] table with a method.",
            "trial": "Add a [trial] table with a name.",
        }.get(missing, "")
        target = "the file" if not path else where
        return f"{source}: {target} is missing the key {missing!r}. {hint}".rstrip()
    if validator == "additionalProperties":
        allowed = ", ".join(sorted(sub.get("properties", {})))
        extra = sorted(set(error.instance) - set(sub.get("properties", {})))
        target = "the top level" if not path else where
        return f"{source}: unknown key {extra[0]!r} in {target}. Allowed keys: {allowed}."
    if validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return f"{source}: {where} is {error.instance!r}; it must be one of {allowed}."
    if validator == "minItems" and path == ["arms"]:
        n_arms = len(error.instance)
        return f"{source}: [[arms]] declares {n_arms} arm(s); a trial needs at least two arms."
    if validator == "minItems" and not error.instance:
        return f"{source}: {where} is empty; list at least one value."
    if validator == "type":
        expected = error.validator_value
        kind = {
            "array": 'a list, e.g. ["site", "age_group"]',
            "integer": "a whole number",
            "number": "a number",
            "string": "text in quotes",
            "object": "a table",
            "boolean": "true or false",
        }.get(expected, expected)
        return f"{source}: {where} is {error.instance!r}; it must be {kind}."
    if validator in {"exclusiveMinimum", "minimum"}:
        bound = error.validator_value
        rule = f"greater than {bound}" if validator == "exclusiveMinimum" else f"at least {bound}"
        return f"{source}: {where} is {error.instance!r}; it must be {rule}."
    if validator in {"maximum", "exclusiveMaximum"}:
        bound = error.validator_value
        rule = f"less than {bound}" if validator == "exclusiveMaximum" else f"at most {bound}"
        return f"{source}: {where} is {error.instance!r}; it must be {rule}."
    if validator == "pattern" and path[-1:] == ["key"]:
        return (
            f"{source}: {where} is {error.instance!r}; arm keys are snake_case: "
            "lower-case letters, "
            "digits and underscores, starting with a letter (e.g. 'earn_more')."
        )
    if validator == "uniqueItems":
        value = error.instance
        return f"{source}: {where} lists a value twice ({value!r}); each value may appear once."
    if validator == "minLength":
        return f"{source}: {where} is empty; give a value."
    return f"{source}: {where}: {error.message}."


def _build(data: dict[str, Any], source: str, *, schema: bool = True) -> Protocol:
    if schema:
        _schema_errors(data, source)
    trial = data["trial"]
    arms = tuple(
        Arm(
            key=a["key"],
            ratio=int(a.get("ratio", 1)),
            label_nl=a.get("label_nl", ""),
            label_en=a.get("label_en", ""),
        )
        for a in data["arms"]
    )
    seen: set[str] = set()
    for number, arm in enumerate(arms, start=1):
        if arm.key in seen:
            raise ProtocolError(
                f"{source}: [[arms]] number {number} repeats the key {arm.key!r}; "
                "every arm needs its own key."
            )
        seen.add(arm.key)
    marked = [a["key"] for a in data["arms"] if a.get("control")]
    if len(marked) > 1:
        raise ProtocolError(
            f"{source}: [[arms]] marks {len(marked)} arms as control "
            f"({', '.join(marked)}); mark one."
        )
    control = marked[0] if marked else ("control" if "control" in seen else arms[0].key)

    spec = _assignment(data["assignment"], arms, source)
    ids = data.get("identifiers", {})
    table = dict(data.get("analysis", {}))
    families = families_from_tables(table.pop("families", []), source)
    plan: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    analysis = AnalysisPlan(**plan, families=families)
    concealment = _concealment(trial, source)
    return Protocol(
        name=trial["name"],
        seed=int(trial["seed"]) if "seed" in trial else None,
        concealment=concealment,
        arms=arms,
        assignment=spec,
        identifier_column=ids.get("column", "bsn" if ids.get("kind", "bsn") == "bsn" else "id"),
        identifier_kind=IdentifierKind(ids.get("kind", "bsn")),
        analysis=analysis,
        control=control,
    )


def _concealment(trial: dict[str, Any], source: str) -> Concealment:
    """Sealed or open; a seed means open unless declared otherwise, and sealed has no seed."""
    declared = trial.get("concealment")
    if declared is None:
        return Concealment.OPEN if "seed" in trial else Concealment.SEALED
    concealment = Concealment(declared)
    if concealment is Concealment.SEALED and "seed" in trial:
        raise ProtocolError(
            f'{source}: [trial] declares concealment = "sealed" and a seed; a sealed trial '
            "draws from its secret (init --secret-file), and a seed in the protocol would let "
            'anyone predict the next arm. Remove the seed, or declare concealment = "open".'
        )
    if concealment is Concealment.OPEN and "seed" not in trial:
        raise ProtocolError(
            f'{source}: [trial] declares concealment = "open" but has no seed; an open trial '
            "draws from a public seed (e.g. seed = 20170901). Add one, or declare "
            'concealment = "sealed".'
        )
    return concealment


def _assignment(table: dict[str, Any], arms: tuple[Arm, ...], source: str) -> AssignmentSpec:
    method = AssignmentMethod(table["method"])
    for key, methods in _METHOD_KEYS.items():
        if key in table and method not in methods:
            accepted = " or ".join(repr(m.value) for m in methods)
            raise ProtocolError(
                f"{source}: [assignment] {key} is set, but method {method.value!r} "
                "does not use it; "
                f"{key} belongs to method {accepted}. Remove it or change the method."
            )
    ratio_sum = sum(arm.ratio for arm in arms)
    strata = tuple(table.get("strata", ()))
    if method is AssignmentMethod.STRATIFIED and not strata:
        raise ProtocolError(
            f"{source}: [assignment] method 'stratified' needs strata, "
            "a list of participant columns "
            '(e.g. strata = ["site"]).'
        )
    block_sizes = tuple(table.get("block_sizes", ()))
    if method is AssignmentMethod.PERMUTED_BLOCKS:
        if not block_sizes:
            block_sizes = (ratio_sum * 2,) if ratio_sum <= 4 else (ratio_sum,)
        bad = [b for b in block_sizes if b % ratio_sum]
        if bad:
            raise ProtocolError(
                f"{source}: [assignment] block_sizes contains {bad[0]}, which is not a multiple "
                f"of the sum of the arms' ratios ({ratio_sum}); allowed are multiples such as "
                f"{ratio_sum}, {2 * ratio_sum}, {3 * ratio_sum}."
            )
    factors = tuple(table.get("factors", ()))
    if method is AssignmentMethod.MINIMIZATION and not factors:
        raise ProtocolError(
            f"{source}: [assignment] method 'minimization' needs factors, "
            "a list of participant columns "
            '(e.g. factors = ["site", "age_group"]).'
        )
    weights = tuple(float(w) for w in table.get("weights", ()))
    if weights and len(weights) != len(factors):
        raise ProtocolError(
            f"{source}: [assignment] weights has {len(weights)} values for {len(factors)} "
            "factors; give one per factor."
        )
    units = factors if method is AssignmentMethod.MINIMIZATION else strata
    return AssignmentSpec(
        method=method,
        strata=strata,
        block_sizes=tuple(sorted(block_sizes)),
        factors=factors,
        p_best=float(table.get("p_best", 0.8)),
        measure=ImbalanceMeasure(table.get("measure", "range")),
        weights=weights,
        levels=_levels(table.get("levels", {}), units, source),
    )


def _levels(
    table: dict[str, list[str]], units: tuple[str, ...], source: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``[assignment.levels]``: each named column must be a stratum, factor or ``site``."""
    allowed = (*units, "site")
    out: list[tuple[str, tuple[str, ...]]] = []
    for column, values in table.items():
        if column not in allowed:
            raise ProtocolError(
                f"{source}: [assignment.levels] names {column!r}, which the assignment does not "
                f"use; levels may be declared for {', '.join(dict.fromkeys(allowed))}."
            )
        texts = tuple(value_text(v) or "" for v in values)
        if len(set(texts)) != len(texts) or "" in texts:
            raise ProtocolError(
                f"{source}: [assignment.levels] {column} repeats a value or has an empty one "
                "(after trimming spaces); list each value once."
            )
        out.append((column, texts))
    return tuple(out)
