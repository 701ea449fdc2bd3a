"""``simulate`` and ``simulate-power``: synthetic trials and power by simulation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from participatie_rct.choices import Correction, EffectPreset, OutputFormat, Scenario, Spending
from participatie_rct.cli.common import FormatOption, echo_json, split_list
from participatie_rct.cli.progress import QuietOption, progress_bar, progress_status
from participatie_rct.errors import ParticipatieRCTError

if TYPE_CHECKING:
    import numpy as np

_N = TypeVar("_N", int, float)


def _arm_rates(values: list[str] | None) -> dict[str, float]:
    """``["intensive_support=0.1", ...]`` -> ``{"intensive_support": 0.1}``."""
    rates: dict[str, float] = {}
    for text in values or []:
        arm, sep, share = text.partition("=")
        try:
            if not sep:
                raise ValueError
            rates[arm.strip()] = float(share)
        except ValueError:
            raise ParticipatieRCTError(
                f"--arm-rate is {text!r}; give ARM=SHARE, the arm's share out to work "
                "within 12 months, e.g. --arm-rate intensive_support=0.115."
            ) from None
    return rates


def _ints(text: str | None, option: str) -> tuple[int, ...] | None:
    return _numbers(text, option, int, "whole numbers separated by commas, e.g. 1,1,2")


def _floats(text: str | None, option: str) -> tuple[float, ...] | None:
    return _numbers(text, option, float, "numbers separated by commas, e.g. 0.5,1")


def _numbers(
    text: str | None, option: str, kind: Callable[[str], _N], hint: str
) -> tuple[_N, ...] | None:
    """The comma-separated numbers of an option (None when it is left out)."""
    if not text:
        return None
    try:
        return tuple(kind(part) for part in split_list(text))
    except ValueError:
        raise ParticipatieRCTError(f"{option} is {text!r}; give {hint}.") from None


def _earn_more_rule(text: str | None) -> tuple[float, float, int] | None:
    """``"0.5,199,24"`` -> (0.5, 199.0, 24)."""
    values = _floats(text, "--earn-more-rule")
    if values is None:
        return None
    if len(values) != 3 or values[2] != int(values[2]):
        raise ParticipatieRCTError(
            f"--earn-more-rule is {text!r}; give SHARE,CAP,MONTHS: the share of earnings kept, "
            "the monthly cap in euros and the whole months it lasts, e.g. 0.5,199,24."
        )
    return (values[0], values[1], int(values[2]))


def _generator(seed: int) -> np.random.Generator:
    """The random generator of ``--seed``, refusing a seed numpy cannot take."""
    import numpy as np

    if seed < 0:
        raise ParticipatieRCTError(
            f"--seed is {seed}; give a whole number >= 0, e.g. --seed 20170901."
        )
    return np.random.default_rng(seed)


ScenarioOption = typer.Option(
    Scenario.WAGENINGEN,
    "--scenario",
    help="Which published experiment to imitate (docs/simulation.md lists each design and "
    "its source); generic is driven by the options.",
)
EffectsOption = typer.Option(
    EffectPreset.SEED,
    "--effects",
    help="seed: the headline figures (6% -> 11.5% to work); evaluation: no full-time effect, "
    "small part-time effects; late_exemption: evaluation plus Utrecht's late exemption effect "
    "(24% vs 15% working >= 12 h after two years, CPB 2022).",
)
NOption = typer.Option(
    None, "--n", help="Participants who consent (default: the scenario's; generic 600)."
)
ArmsOption = typer.Option(
    None,
    "--arms",
    help="Arm keys, comma-separated; combine measures with _and_ "
    "(earn_more_and_intensive_support).",
)
RatiosOption = typer.Option(None, "--ratios", help="Allocation ratios, one per arm, e.g. 1,1,1,1.")
ControlRateOption = typer.Option(
    None, "--control-rate", help="Share out to work within 12 months in control (0.06)."
)
ArmRateOption = typer.Option(
    None,
    "--arm-rate",
    metavar="<arm=share>",
    help="ARM=SHARE: an arm's share out to work within 12 months (repeatable).",
)
IntakeOption = typer.Option(
    None,
    "--intake",
    help="rolling (arrivals over months), batch (one lottery) or waves (see --waves).",
)
WavesOption = typer.Option(
    None, "--waves", help="Month offsets of recruitment waves, e.g. 0,6 (implies --intake waves)."
)
FollowUpOption = typer.Option(
    None, "--follow-up", help="Months of follow-up after the last intake (24 to 60; default 24)."
)
EarnMoreRuleOption = typer.Option(
    None,
    "--earn-more-rule",
    help="The earn-more arm's disregard SHARE,CAP,MONTHS: share of earnings kept, monthly cap "
    "in euros, months it lasts (default 0.5,199,24).",
)
IntakeMonthsOption = typer.Option(None, "--intake-months", help="Months of rolling intake.")
ConsentOption = typer.Option(
    None, "--consent-rate", help="Share of the invited who agree to take part."
)
WithdrawalOption = typer.Option(
    None, "--withdrawal-rate", help="Share who leave after learning their arm (0.04)."
)
SitesOption = typer.Option(
    None,
    "--sites",
    help="Municipalities, comma-separated: names for equal shares, or NAME=SHARE "
    "(Apeldoorn=0.8,Epe=0.2).",
)
OutOption = typer.Option(
    ...,
    "--out",
    file_okay=False,
    help="Folder that receives the tables, truth.json and protocol.toml.",
)
PowerScenarioOption = typer.Option(
    Scenario.APELDOORN, "--scenario", help="Which design to simulate."
)
SpendingOption = typer.Option(
    Spending.OBRIEN_FLEMING, "--spending", help="Lan-DeMets alpha spending of the looks."
)
CorrectionOption = typer.Option(Correction.HOLM, "--correction", help="Across treatment arms.")


def simulate(
    scenario: Scenario = ScenarioOption,
    effects: EffectPreset = EffectsOption,
    seed: int = typer.Option(
        ..., "--seed", help="Seed of the simulation; the same seed gives the same bytes."
    ),
    out: Path = OutOption,
    n: int = NOption,
    arms: str = ArmsOption,
    ratios: str = RatiosOption,
    control_rate: float = ControlRateOption,
    arm_rate: list[str] = ArmRateOption,
    intake: str = IntakeOption,
    intake_months: int = IntakeMonthsOption,
    consent_rate: float = ConsentOption,
    withdrawal_rate: float = WithdrawalOption,
    sites: str = SitesOption,
    waves: str = WavesOption,
    follow_up: int = FollowUpOption,
    earn_more_rule: str = EarnMoreRuleOption,
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Write a synthetic trial calibrated to the published experiments: participants.csv,
    benefit_months.csv (with hours bands and benefit amounts; decliners are followed as a
    non-participant reference group), survey.csv (each passes validate), truth.json (the
    effects built in), truth_arms.csv (everyone's arm and the regime received) and
    protocol.toml (the protocol whose procedure drew the arms). The monthly table is written
    in chunks, so a national panel (--n 400000 --follow-up 60) fits in 2 GB."""
    from participatie_rct.simulate import scenario_spec, simulate_trial, write_simulation

    spec = scenario_spec(
        scenario,
        effects=effects,
        n=n,
        arms=split_list(arms) or None,
        ratios=_ints(ratios, "--ratios"),
        control_rate=control_rate,
        arm_rates=_arm_rates(arm_rate),
        intake=intake,
        intake_months=intake_months,
        consent_rate=consent_rate,
        withdrawal_rate=withdrawal_rate,
        sites=split_list(sites) or None,
        waves=_ints(waves, "--waves"),
        follow_up_months=follow_up,
        earn_more_rule=_earn_more_rule(earn_more_rule),
    )
    rng = _generator(seed)
    with progress_status(f"simulating {scenario.value}", quiet=quiet):
        trial = simulate_trial(spec, rng=rng)
        paths = write_simulation(trial, out)
    if output is OutputFormat.JSON:
        truth = trial.truth
        echo_json(
            {
                "out": str(out),
                "files": sorted(paths),
                "scenario": truth["scenario"],
                "effects": truth["effects"],
                "seed": seed,
                "n_invited": truth["n_invited"],
                "n": truth["n"],
                "n_withdrawn": truth["n_withdrawn"],
                "protocol_sha256": truth["protocol_sha256"],
                "work_12": {arm: v["itt"]["work_12"] for arm, v in truth["arms"].items()},
            }
        )
    else:
        typer.echo(trial.summary())
        typer.echo(f"wrote {', '.join(sorted(paths))} to {out}")


def simulate_power(
    scenario: Scenario = PowerScenarioOption,
    effects: EffectPreset = EffectsOption,
    trials: int = typer.Option(1000, "--trials", help="Number of simulated trials."),
    seed: int = typer.Option(
        ..., "--seed", help="Seed; the same seed gives the same result for any --workers."
    ),
    workers: int = typer.Option(None, "--workers", help="Processes to use (default: all cores)."),
    n: int = NOption,
    arms: str = ArmsOption,
    ratios: str = RatiosOption,
    control_rate: float = ControlRateOption,
    arm_rate: list[str] = ArmRateOption,
    intake: str = IntakeOption,
    intake_months: int = IntakeMonthsOption,
    correction: Correction = CorrectionOption,
    alpha: float = typer.Option(0.05, "--alpha", help="Two-sided familywise level."),
    looks: int = typer.Option(
        1, "--looks", help="Analyses in all, interim looks plus the final one."
    ),
    information: str = typer.Option(
        None,
        "--information",
        help="Information fractions of the looks, e.g. 0.5,1 (default equally spaced).",
    ),
    spending: Spending = SpendingOption,
    outcome: str = typer.Option(
        "work_12",
        "--outcome",
        help="Primary outcome: work_12, work_24, part_time_12, any_exit_12 (first outflow), or "
        "working_12h_24, working_27h_24, ever_working_12h_24 (as the evaluations measured).",
    ),
    survival: bool = typer.Option(
        False, "--survival/--no-survival", help="Also the log-rank test on time to work."
    ),
    progress: bool = typer.Option(
        None,
        "--progress/--no-progress",
        help="Progress bar on stderr (default: when stderr is a terminal).",
    ),
    output: OutputFormat = FormatOption,
    quiet: bool = QuietOption,
) -> None:
    """Power of the full design by simulation: strata, rolling intake, withdrawal, the primary
    analysis (ITT on 12-month outflow to work, HC2, strata fixed effects) with a correction
    across arms, interim looks with Lan-DeMets boundaries, optionally a log-rank test."""
    from participatie_rct.design.simulation import simulated_power
    from participatie_rct.simulate import scenario_spec

    spec = scenario_spec(
        scenario,
        effects=effects,
        n=n,
        arms=split_list(arms) or None,
        ratios=_ints(ratios, "--ratios"),
        control_rate=control_rate,
        arm_rates=_arm_rates(arm_rate),
        intake=intake,
        intake_months=intake_months,
    )
    rng = _generator(seed)
    with progress_bar("simulating trials", quiet=quiet, force=progress) as advance:
        result = simulated_power(spec, n_trials=trials, rng=rng, workers=workers, looks=looks,
            information=_floats(information, "--information"), spending=spending,
            correction=correction, alpha=alpha, survival=survival, outcome=outcome,
            progress=advance)  # fmt: skip
    if output is OutputFormat.JSON:
        echo_json(result.to_dict())
    else:
        typer.echo(result.summary())


def register(app: typer.Typer) -> None:
    """Add ``simulate`` and ``simulate-power`` to the root app."""
    app.command("simulate")(simulate)
    app.command("simulate-power")(simulate_power)
