"""``estimate ri``: randomization inference that re-runs the trial's own assignment procedure.

The command reads the data (typically the output of ``outcomes``) and the protocol, or a
register and its data folder through :class:`participatie_rct.trial.Trial`; the library
(:mod:`participatie_rct.trial.ri`) checks the table, puts the rows in arrival order and
re-draws the procedure the protocol declares. pandas and numpy are imported inside the
command so that ``--help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import (
    FormatOption,
    KeyFileOption,
    echo_json,
    effects_payload,
    read_key,
)
from participatie_rct.cli.data_files import (
    BenefitMonthsOption,
    DataSources,
    ParticipantsOption,
    SurveyOption,
    data_sources,
)
from participatie_rct.cli.estimate import estimate_app, naming_file, read_data
from participatie_rct.cli.progress import QuietOption, progress_status
from participatie_rct.errors import EstimationError

#: the arrival-order column (``participatie_rct.trial.ri.DEFAULT_ORDER``; not imported here, so
#: that ``--help`` loads no heavy library)
DEFAULT_ORDER = "sequence"

ProtocolOption = typer.Option(
    None,
    "--protocol",
    help="The trial's protocol file (TOML): its assignment procedure is re-drawn.",
    dir_okay=False,
)
DataOrFolderArgument = typer.Argument(
    None,
    help="CSV, xlsx or parquet file, one row per participant; with --db the data folder "
    "(or leave it out and name the files with --participants and --benefit-months).",
    metavar="DATA",
    show_default=False,
)
TreatmentOption = typer.Option(
    None, "--treatment", help="Column holding each row's assigned arm (with --db: the arm)."
)
RegisterOption = typer.Option(
    None,
    "--db",
    metavar="<url>",
    help="A register instead of --protocol: DATA is then the trial's data folder, and the "
    "outcome table is built from both (as 'outcomes' writes it).",
)
OutcomeOption = typer.Option(
    None, "--outcome", help="Outcome column (number or true/false); not with logrank or --family."
)
BatchOption = typer.Option(
    None,
    "--batch",
    help="Column numbering each intake batch (default 'batch' when present, else one batch): "
    "each batch is re-drawn on its own, in order.",
)
StatisticOption = typer.Option(
    None,
    "--statistic",
    help="dim (difference in means; the default), lin (covariate-adjusted ITT), "
    "studentized (lin over its HC2 standard error; the default with --family) or logrank "
    "(with --time and --event).",
)
FamilyOption = typer.Option(
    False,
    "--family",
    help="Westfall-Young and Romano-Wolf p-values over every arm x each outcome of the "
    "protocol's [analysis] family, from the same re-draws.",
)
CovariatesOption = typer.Option(
    None, "--covariates", help="Covariates of lin and studentized, comma-separated."
)
TimeOption = typer.Option(None, "--time", help="Time column (logrank).")
EventOption = typer.Option(None, "--event", help="Event column, 0 = censored (logrank).")
ConfLevelOption = typer.Option(
    0.95, "--conf-level", help="Level of the intervals by test inversion (dim, lin)."
)


@estimate_app.command("ri")
def ri_command(
    data: Path | None = DataOrFolderArgument,
    outcome: str | None = OutcomeOption,
    treatment: str | None = TreatmentOption,
    protocol: Path | None = ProtocolOption,
    db: str | None = RegisterOption,
    key_file: Path | None = KeyFileOption,
    control: str | None = typer.Option(
        None, "--control", help="Control level (default: the protocol's control arm)."
    ),
    order: str | None = typer.Option(
        None,
        "--order",
        help=f"Column with the arrival order (default '{DEFAULT_ORDER}' when present, else the "
        "file's row order).",
    ),
    batch: str | None = BatchOption,
    statistic: str | None = StatisticOption,
    family: bool = FamilyOption,
    covariates: str | None = CovariatesOption,
    time: str | None = TimeOption,
    event: str | None = EventOption,
    conf_level: float = ConfLevelOption,
    draws: int = typer.Option(
        1000, "--draws", min=1, metavar="<int>", help="Number of re-drawn assignments."
    ),
    seed: int | None = typer.Option(
        None,
        "--seed",
        min=0,
        metavar="<int>",
        help="Seed of the re-draws (required: no hidden default seed).",
    ),
    output_format: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
    participants: Path | None = ParticipantsOption,
    benefit_months: Path | None = BenefitMonthsOption,
    survey: Path | None = SurveyOption,
) -> None:
    """Randomization p-value of every arm against control, re-drawing the protocol's procedure.

    Under the sharp null that no arm changes anyone's outcome, the assignment is re-drawn
    --draws times with the trial's own procedure (strata, blocks, minimization), batch by
    batch in arrival order; the p-value is (1 + #{|T*| >= |T|}) / (1 + draws), with its Monte
    Carlo standard error, an omnibus test over all arms, and (dim, lin) an interval by test
    inversion under a constant additive effect. Rows with an empty outcome are left out of
    the statistic (and counted) but take part in every re-draw.
    """
    _check_ri_call(seed, protocol, db, treatment=treatment, order=order, control=control)
    assert seed is not None  # checked above
    options = _options(outcome, statistic, family, covariates, time, event, batch, conf_level)
    sources = _sources(db, data, participants, benefit_months, survey)
    with progress_status(f"re-drawing {draws} assignments", quiet=quiet):
        if db is not None:
            result, order_column, sha = _from_register(
                db, sources, key_file, outcome, draws, seed, family, options
            )
        else:
            assert data is not None  # _sources refused --protocol without DATA
            result, order_column, sha = _from_file(
                data, protocol, outcome, treatment, order, control, draws, seed, family, options
            )
    if output_format is OutputFormat.JSON:
        echo_json(effects_payload(result))
        return
    _echo_ri(result, family=family, order_column=order_column, sha=sha)


def _check_ri_call(
    seed: int | None,
    protocol: Path | None,
    db: str | None,
    *,
    treatment: str | None,
    order: str | None,
    control: str | None,
) -> None:
    """Refuse a call without a seed, with both or neither of --protocol and --db, or with
    options the register answers itself."""
    if seed is None:
        raise EstimationError(
            "estimate ri draws assignments at random and has no default seed: give --seed N "
            "(any whole number >= 0) so that the p-values can be reproduced."
        )
    if (protocol is None) == (db is None):
        raise EstimationError(
            "estimate ri re-draws the trial's own procedure: give --protocol FILE (with DATA a "
            "table) or --db URL (with DATA the trial's data folder), not both."
        )
    given = [
        f for f, v in (("--treatment", treatment), ("--order", order), ("--control", control)) if v
    ]
    if db is not None and given:
        raise EstimationError(
            f"estimate ri --db takes the arm, the arrival order and the control arm from the "
            f"register; leave out {', '.join(given)}."
        )


def _echo_ri(result: Any, *, family: bool, order_column: str | None, sha: str) -> None:
    """The text output of ``estimate ri``: the table, then (one statistic) how it was drawn."""
    typer.echo(result.summary())
    if family:
        return
    settings = result.settings
    typer.echo(
        f"\nControl: {settings['control']}; {settings['n']} rows with an outcome, "
        f"{settings['n_missing_outcome']} without (left out of the statistic, kept in the "
        f"re-draws); arrival order: {order_column or 'row order of the file'}; batches: "
        f"{settings['n_batches']} ({settings['batch'] or 'one batch'}); procedure "
        f"{settings['method']} of protocol {sha[:12]}..."
    )


def _sources(
    db: str | None,
    data: Path | None,
    participants: Path | None,
    benefit_months: Path | None,
    survey: Path | None,
) -> DataSources:
    """The register's data (``--db``: a folder, named files or both); with ``--protocol``
    the one table DATA, which the named-file options cannot stand in for."""
    if db is not None:
        return data_sources(data, participants, benefit_months, survey)
    if data is None or participants or benefit_months or survey:
        raise EstimationError(
            "estimate ri --protocol reads one table, DATA (e.g. as 'outcomes' writes it); "
            "--participants, --benefit-months and --survey go with --db."
        )
    return DataSources(None)


def _options(
    outcome: str | None,
    statistic: str | None,
    family: bool,
    covariates: str | None,
    time: str | None,
    event: str | None,
    batch: str | None,
    conf_level: float,
) -> dict[str, Any]:
    """The statistic's options, checked: what the library's re-draws take besides the table."""
    from participatie_rct.cli.common import split_list
    from participatie_rct.estimate.ri_stats import STATISTICS

    chosen = statistic or ("studentized" if family else "dim")
    if chosen not in STATISTICS:
        raise EstimationError(f"--statistic {chosen!r} is not one of {', '.join(STATISTICS)}.")
    if not 0 < conf_level < 1:
        raise EstimationError(f"--conf-level must lie between 0 and 1; got {conf_level!r}.")
    if family and chosen == "logrank":
        raise EstimationError("--family adjusts outcome columns: use dim, lin or studentized.")
    if not family and chosen == "logrank" and (time is None or event is None):
        raise EstimationError("--statistic logrank needs --time COL and --event COL.")
    if not family and chosen != "logrank" and outcome is None:
        raise EstimationError(f"--statistic {chosen} needs --outcome COL.")
    options: dict[str, Any] = {"statistic": chosen, "covariates": split_list(covariates)}
    if not family:
        options |= {"time": time, "event": event, "conf_level": conf_level}
    if batch is not None:
        options["batch"] = batch
    return options


def _from_register(
    db: str,
    sources: DataSources,
    key_file: Path | None,
    outcome: str | None,
    draws: int,
    seed: int,
    family: bool,
    options: dict[str, Any],
) -> tuple[Any, str | None, str]:
    """Randomization inference on the outcome table of a register and its data."""
    import numpy as np

    from participatie_rct.trial import Trial

    trial = Trial.open(
        db,
        sources.folder,
        participants=sources.participants,
        benefit_months=sources.benefit_months,
        survey=sources.survey,
        key=read_key(key_file),
    )
    rng = np.random.default_rng(seed)
    if family:
        result, column = _family(
            trial.outcomes(), trial.protocol, "arm", None, draws, rng, options, "outcomes"
        )
        return result, column, trial.protocol.sha256
    result = trial.randomization_inference(outcome, n_draws=draws, rng=rng, **options)
    return result, result.settings.get("order"), trial.protocol.sha256


def _from_file(
    data: Path,
    protocol: Path | None,
    outcome: str | None,
    treatment: str | None,
    order: str | None,
    control: str | None,
    draws: int,
    seed: int,
    family: bool,
    options: dict[str, Any],
) -> tuple[Any, str | None, str]:
    """Randomization inference on a table file, with the procedure of a protocol file."""
    from dataclasses import replace

    import numpy as np

    from participatie_rct.protocol import Protocol
    from participatie_rct.trial.ri import prepared_inference

    if treatment is None or protocol is None:
        raise EstimationError(
            "estimate ri --protocol needs --treatment: the column of DATA that holds each "
            "row's assigned arm."
        )
    parsed = Protocol.from_toml(protocol)
    rng = np.random.default_rng(seed)
    with naming_file(data):
        if family:
            result, column = _family(
                read_data(data), parsed, treatment, order, draws, rng, options, str(data)
            )
            return result, column, parsed.sha256
        result, column = prepared_inference(
            read_data(data),
            parsed,
            outcome=outcome,
            treatment=treatment,
            n_draws=draws,
            rng=rng,
            order=order,
            control=control,
            source=str(data),
            **options,
        )
    settings = {**result.settings, "order": column, "protocol_sha256": parsed.sha256}
    return replace(result, settings=settings), column, parsed.sha256


def _family(
    table: Any,
    protocol: Any,
    treatment: str,
    order: str | None,
    draws: int,
    rng: Any,
    options: dict[str, Any],
    source: str,
) -> tuple[Any, str | None]:
    """Westfall-Young and Romano-Wolf over the arms x the protocol's declared family, on the
    table in arrival order (checked as for one outcome); the result and the order column."""
    from dataclasses import replace

    from participatie_rct.assignment import procedure_from_protocol
    from participatie_rct.estimate.family import family_p_values
    from participatie_rct.trial.ri import (
        DEFAULT_BATCH,
        arrival_order,
        check_arms,
        check_units,
        numeric_outcome,
    )

    table, column = arrival_order(table, order, source)
    check_units(table, protocol, source)
    procedure = procedure_from_protocol(protocol)
    check_arms(table, treatment, tuple(procedure.arms), source)
    outcomes = list(protocol.analysis.family)
    if not outcomes:
        raise EstimationError(
            "--family: the protocol declares no family. Add the outcome columns to its "
            '[analysis] table, e.g. family = ["outflow_work", "earnings_followup"].'
        )
    table = table.assign(**{o: numeric_outcome(table, o, source) for o in outcomes})
    batch = options.get("batch", DEFAULT_BATCH if DEFAULT_BATCH in table.columns else None)
    result = family_p_values(
        table,
        outcomes=outcomes,
        treatment=treatment,
        procedure=procedure,
        units=table,
        batch=batch,
        statistic=options["statistic"],
        covariates=options["covariates"],
        n_draws=draws,
        rng=rng,
        arms=list(procedure.arms),
        control=protocol.control,
    )
    settings = {**result.settings, "batch": batch, "protocol_sha256": protocol.sha256}
    return replace(result, settings=settings), column


def register(app: typer.Typer) -> None:
    """``estimate ri`` hangs on ``estimate_app``, which ``cli.estimate`` adds to the root app."""
    del app
