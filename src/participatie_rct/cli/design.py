"""``power`` and the ``monitor`` group: planning a trial and its interim looks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from participatie_rct.choices import Correction, OutputFormat, Spending
from participatie_rct.cli.common import (
    LOOK_FLAGS,
    DayOption,
    DbOption,
    FormatOption,
    KeyFileOption,
    SecretFileOption,
    as_flags,
    echo_json,
    parse_fractions,
    read_key,
    read_secret,
)
from participatie_rct.cli.data_files import (
    BenefitMonthsOption,
    DataFolderOption,
    ParticipantsOption,
    data_sources,
)
from participatie_rct.errors import DesignError

monitor_app = typer.Typer(
    help="Group-sequential interim looks: boundaries and status.", no_args_is_help=True
)

_POWER_CORRECTION = typer.Option(
    Correction.HOLM,
    "--correction",
    help="Across treatment arms: none, bonferroni (alpha / K) or holm.",
)
_MONITOR_CORRECTION = typer.Option(
    Correction.HOLM,
    "--correction",
    help="With several arms: holm (step down from alpha / K), bonferroni (alpha / K each) or none.",
)
_AS_OF = DayOption("--as-of", "Date the data run to (default: the last month in the data)")
_SPENDING = typer.Option(..., "--spending", help="Lan-DeMets spending function.")
#: ``power --arms K``, the earlier name of ``--treatment-arms``: still read (scripts use it),
#: no longer shown, because elsewhere ``--arms`` names arm keys and a count of "arms" is
#: easily read as including the control
_LEGACY_ARMS = typer.Option(None, "--arms", hidden=True, help="Old name of --treatment-arms.")


def _treatment_arms(arms: int, legacy: int | None) -> int:
    """``--treatment-arms``, or the value given under its old name ``--arms``."""
    if legacy is None:
        return arms
    if arms != 1 and arms != legacy:
        raise DesignError(
            f"--arms {legacy} and --treatment-arms {arms} disagree; give --treatment-arms only."
        )
    return legacy


def power(
    p_control: float = typer.Option(
        ..., "--p-control", help="Outflow proportion in the control arm, e.g. 0.06."
    ),
    p_treatment: float | None = typer.Option(
        None,
        "--p-treatment",
        help="Outflow proportion the treatment arms should reach, e.g. 0.115 (not with --mde).",
    ),
    arms: int = typer.Option(
        1,
        "--treatment-arms",
        help="Treatment arms, each compared with the one control, NOT counting the control "
        "(a four-arm trial has 3).",
    ),
    legacy_arms: int | None = _LEGACY_ARMS,
    alpha: float = typer.Option(
        0.05, "--alpha", help="Two-sided significance level (family-wise with a correction)."
    ),
    correction: Correction = _POWER_CORRECTION,
    target_power: float | None = typer.Option(
        None, "--power", help="Power wanted per comparison: the size per arm is computed."
    ),
    n_per_arm: float | None = typer.Option(
        None, "--n-per-arm", help="Participants per arm: the power is computed."
    ),
    mde: bool = typer.Option(
        False,
        "--mde",
        help="With --n-per-arm: the smallest effect detectable with --power (default 0.8), as "
        "power.prop.test solved for p2.",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Count rejections in the wrong direction too (as R's strict)."
    ),
    output: OutputFormat = FormatOption,
) -> None:
    """Sample size, power or minimum detectable effect of comparing proportions (power.prop.test).

    Give --power to get the participants needed per arm, --n-per-arm to get the power, or
    --n-per-arm with --mde to get the smallest detectable treatment proportion. n_total counts
    every arm including the control.
    """
    from participatie_rct.design.power import minimum_detectable_effect, power_two_proportions

    arms = _treatment_arms(arms, legacy_arms)

    if mde:
        if n_per_arm is None or p_treatment is not None:
            raise DesignError(
                "--mde needs --n-per-arm (and --power, default 0.8) and computes the treatment "
                "proportion: leave out --p-treatment."
            )
        result = minimum_detectable_effect(
            p_control=p_control,
            n_per_arm=n_per_arm,
            power=0.8 if target_power is None else target_power,
            alpha=alpha,
            arms=arms,
            correction=correction,
            strict=strict,
        )
    else:
        if p_treatment is None:
            raise DesignError(
                "Give --p-treatment (the proportion to detect), or --mde with --n-per-arm to "
                "compute the smallest detectable one."
            )
        if (target_power is None) == (n_per_arm is None):
            raise DesignError(
                "Give exactly one of --power (to get n per arm) and --n-per-arm (to get the power)."
            )
        result = power_two_proportions(
            p_control=p_control,
            p_treatment=p_treatment,
            n_per_arm=n_per_arm,
            power=target_power,
            alpha=alpha,
            arms=arms,
            correction=correction,
            strict=strict,
        )
    if output is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())


@monitor_app.command("boundaries")
def boundaries(
    looks: int = typer.Option(..., "--looks", help="Number of looks, the final analysis included."),
    information: str | None = typer.Option(
        None,
        "--information",
        help="Information fraction of each look, comma-separated, ending at 1 "
        "(default: equally spaced).",
    ),
    alpha: float = typer.Option(0.05, "--alpha", help="Two-sided significance level to spend."),
    spending: Spending = _SPENDING,
    gamma: float | None = typer.Option(
        None, "--gamma", help="Parameter of the hsd spending function (default -4)."
    ),
    output: OutputFormat = FormatOption,
) -> None:
    """Two-sided efficacy boundaries of a Lan-DeMets alpha-spending design (as rpact)."""
    from participatie_rct.design.boundaries import group_sequential_boundaries

    fractions = parse_fractions(information, "--information")
    if fractions is not None and abs(fractions[-1] - 1.0) > 1e-12:
        raise DesignError(
            f"--information must end at 1 (the final analysis); got {information!r}. "
            "Give the planned fractions, e.g. --information 0.3,0.6,1."
        )
    result = group_sequential_boundaries(
        information=fractions, looks=looks, alpha=alpha, spending=spending, gamma=gamma
    )
    if output is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())


@monitor_app.command("status")
def status(
    db: str = DbOption,
    data: Path | None = DataFolderOption,
    as_of: dt.date | None = _AS_OF,
    looks_done: int | None = typer.Option(
        None,
        "--looks-done",
        help="Override the looks the register records: interim looks taken before this "
        "one (assumed at the planned fractions; 0: none).",
    ),
    previous_information: str | None = typer.Option(
        None,
        "--previous-information",
        help="Override the looks the register records: observed information fractions of "
        "the earlier looks, comma-separated.",
    ),
    record: bool = typer.Option(
        False,
        "--record",
        help="Record this look in the register's event log (a sealed trial needs its "
        "secret); later looks and the final report read it from there.",
    ),
    secret_file: Path | None = SecretFileOption,
    target_n: int | None = typer.Option(
        None,
        "--target-n",
        help="Planned number of participants, all arms "
        "(default: [analysis] target_n, else the number assigned).",
    ),
    planned_effect: float | None = typer.Option(
        None,
        "--planned-effect",
        help="Difference in outflow to work the trial was designed for "
        "(default: [analysis] planned_effect).",
    ),
    gamma: float | None = typer.Option(
        None, "--gamma", help="Parameter of the hsd spending function (default -4)."
    ),
    correction: Correction = _MONITOR_CORRECTION,
    key_file: Path | None = KeyFileOption,
    output: OutputFormat = FormatOption,
    participants: Path | None = ParticipantsOption,
    benefit_months: Path | None = BenefitMonthsOption,
) -> None:
    """Where the trial stands now: information from matured follow-up, the boundary of this
    look, each arm's Z against control, whether it is crossed, and conditional power.

    Alpha, the spending function, the horizon and the number of looks (interim_looks + 1)
    come from the protocol's [analysis] table; the earlier looks from the register's event
    log (looks recorded with --record before --as-of), unless --looks-done or
    --previous-information override them. The interim report shows the same look; the z is
    not covariate-adjusted ("adjusted": false in the JSON). The benefit months come from
    --data DIR or --benefit-months FILE; participants (optional here) likewise.
    """
    from participatie_rct.trial import Trial

    sources = data_sources(data, participants, benefit_months, required=("benefit_months",))
    previous = parse_fractions(previous_information, "--previous-information") or ()
    trial = Trial.open(
        db,
        sources.folder,
        participants=sources.participants,
        benefit_months=sources.benefit_months,
        key=read_key(key_file),
        as_of=as_of,
        required=("benefit_months",),
    )
    with as_flags(LOOK_FLAGS):
        result = trial.monitor(
            looks_done=looks_done,
            previous_information=previous,
            target_n=target_n,
            planned_effect=planned_effect,
            gamma=gamma,
            correction=correction,
        )
    recorded = None
    if record:
        from participatie_rct.trial.monitoring import record_look

        recorded = record_look(db, result, trial.as_of, secret=read_secret(secret_file))
    if output is OutputFormat.JSON:
        echo_json({**result.to_dict(), **({"recorded_event": recorded} if record else {})})
    else:
        typer.echo(result.summary())
        if recorded is not None:
            typer.echo(f"Look {result.look} recorded in the register (audit log {recorded}).")


def register(app: typer.Typer) -> None:
    """Add ``power`` and ``monitor`` to the root app."""
    app.command("power")(power)
    app.add_typer(monitor_app, name="monitor")
