"""participatie-rct: randomized experiments in Dutch social assistance (bijstand).

A statistician's whole vocabulary, re-exported here. Names are imported lazily on first use,
so that ``import participatie_rct`` (and the CLI's ``--help``) stays fast and does not pull
in pandas, scipy or statsmodels until they are needed.

>>> import participatie_rct as prct
>>> prct.__version__ == prct.version()
True
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from participatie_rct._version import __version__

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # foundation
    "ParticipatieRCTError": "participatie_rct.errors",
    "ProtocolError": "participatie_rct.errors",
    "InputFileError": "participatie_rct.errors",
    "Protocol": "participatie_rct.protocol",
    "Arm": "participatie_rct.protocol",
    # data (issue: foundation)
    "read_frame": "participatie_rct.data.readers",
    "load_table": "participatie_rct.data.validate",
    "validate_file": "participatie_rct.data.validate",
    "ValidationReport": "participatie_rct.data.validate",
    "table_schema": "participatie_rct.data.schema",
    # assignment (issue: assignment engine)
    "AssignmentError": "participatie_rct.errors",
    "AssignmentProcedure": "participatie_rct.assignment",
    "Draw": "participatie_rct.assignment",
    "Sequencer": "participatie_rct.assignment",
    "CompleteRandomization": "participatie_rct.assignment",
    "StratifiedRandomization": "participatie_rct.assignment",
    "PermutedBlocks": "participatie_rct.assignment",
    "Minimization": "participatie_rct.assignment",
    "procedure_from_protocol": "participatie_rct.assignment",
    # registry (issue: register)
    "Register": "participatie_rct.registry",
    "AssignOutcome": "participatie_rct.registry",
    "AssignedParticipant": "participatie_rct.registry",
    "VerifyReport": "participatie_rct.registry",
    "RegistryError": "participatie_rct.errors",
    # estimate (issue: estimation core)
    "build_outcomes": "participatie_rct.estimate.outcomes",
    "itt": "participatie_rct.estimate.itt",
    "ITTResult": "participatie_rct.estimate.results",
    "logit_ame": "participatie_rct.estimate.logit",
    "cace": "participatie_rct.estimate.iv",
    "subgroup_effects": "participatie_rct.estimate.subgroups",
    "lee_bounds": "participatie_rct.estimate.lee",
    "balance": "participatie_rct.estimate.balance",
    "randomization_inference": "participatie_rct.estimate.inference",
    "family_p_values": "participatie_rct.estimate.family",
    "holm": "participatie_rct.estimate.multiplicity",
    "bonferroni": "participatie_rct.estimate.multiplicity",
    # survival and panel (issue: outflow over time)
    "kaplan_meier": "participatie_rct.estimate.km",
    "logrank": "participatie_rct.estimate.logrank",
    "rmst": "participatie_rct.estimate.rmst",
    "cox": "participatie_rct.estimate.cox",
    "cause_specific_cox": "participatie_rct.estimate.cox",
    "cumulative_incidence": "participatie_rct.estimate.competing",
    "gray_test": "participatie_rct.estimate.competing",
    "fine_gray": "participatie_rct.estimate.competing",
    "person_months": "participatie_rct.estimate.panel",
    "panel_effects": "participatie_rct.estimate.panel",
    "months_off_benefit": "participatie_rct.estimate.panel",
    "survival_analysis": "participatie_rct.estimate.survival_analysis",
    "SurvivalAnalysis": "participatie_rct.estimate.survival_analysis",
    "KaplanMeierResult": "participatie_rct.estimate.survival_results",
    "LogrankResult": "participatie_rct.estimate.survival_results",
    "RMSTResult": "participatie_rct.estimate.survival_results",
    "CoxResult": "participatie_rct.estimate.survival_results",
    "ProportionalHazardsResult": "participatie_rct.estimate.survival_results",
    "CumulativeIncidenceResult": "participatie_rct.estimate.survival_results",
    "GrayTestResult": "participatie_rct.estimate.survival_results",
    "FineGrayResult": "participatie_rct.estimate.survival_results",
    "PanelResult": "participatie_rct.estimate.survival_results",
    # design and simulate (issue: plan and monitor)
    "power_two_proportions": "participatie_rct.design.power",
    "minimum_detectable_effect": "participatie_rct.design.power",
    "mde_curve": "participatie_rct.design.mde",
    "power_means": "participatie_rct.design.power",
    "PowerResult": "participatie_rct.design.power_result",
    "group_sequential_boundaries": "participatie_rct.design.boundaries",
    "BoundaryResult": "participatie_rct.design.boundaries",
    "monitor_status": "participatie_rct.design.monitor",
    "MonitorStatus": "participatie_rct.design.monitor",
    "conditional_power": "participatie_rct.design.monitor",
    "simulate_trial": "participatie_rct.simulate",
    "write_simulation": "participatie_rct.simulate",
    "scenario_spec": "participatie_rct.simulate",
    "SimulatedTrial": "participatie_rct.simulate",
    "simulated_power": "participatie_rct.design.simulation",
    "SimulatedPower": "participatie_rct.design.simulation",
    # the application layer: one register and its data, walked once
    "Trial": "participatie_rct.trial.core",
    # report (issue: reports)
    "write_report": "participatie_rct.trial.report",
    "write_report_from_inputs": "participatie_rct.trial.report",
    "ReportResult": "participatie_rct.report.writer",
    "ReportInputs": "participatie_rct.report.inputs",
    "load_inputs": "participatie_rct.trial.inputs",
    "run_demo": "participatie_rct.trial.demo",
    "suppress_table": "participatie_rct.report.disclosure",
}


def version() -> str:
    """The installed package version."""
    return __version__


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'participatie_rct' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = ["__version__", "version", *_EXPORTS]
