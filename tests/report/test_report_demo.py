"""The demo: register arms equal the simulator's, reports written, reruns give the same bytes."""

from __future__ import annotations

import numpy as np

from participatie_rct.report.demo import DEMO_SEED


def test_register_arms_equal_the_simulated_arms(demo) -> None:
    from participatie_rct.registry import Register
    from participatie_rct.simulate import simulate_trial

    trial = simulate_trial("wageningen", rng=np.random.default_rng(DEMO_SEED), effects="seed")
    register = Register.open(demo.db_url)
    try:
        assigned = register.assignments().set_index("participant")["arm"]
        status = register.status()
    finally:
        register.close()
    simulated = trial.assignments.set_index("id")["arm"]
    assert len(assigned) == len(simulated) == demo.n_assigned
    assert (assigned.reindex(simulated.index) == simulated).all()
    assert status["n_withdrawn"] == len(trial.withdrawals)


def test_demo_leaves_register_data_and_both_reports(demo) -> None:
    for part in ("interim", "final"):
        folder = demo.out_dir / part
        for name in (
            "report.html",
            "report.md",
            "manifest.json",
            "figures/consort.svg",
            "figures/outflow.svg",
        ):
            assert (folder / name).is_file(), f"{part}/{name} missing"
    for name in ("participants.csv", "benefit_months.csv", "survey.csv", "protocol.toml"):
        assert (demo.data_dir / name).is_file()
    assert demo.interim.kind == "interim" and demo.final.kind == "final"
    assert demo.interim.as_of < demo.final.as_of
    # the final report analyses everyone; the interim only those with 12 months of follow-up
    assert demo.final.settings["n_analysed"] == demo.n_assigned
    assert 0 < demo.interim.settings["n_analysed"] < demo.n_assigned
    assert 0 < demo.interim.settings["information_fraction"] < 1
    text = demo.summary()
    assert "report.html" in text and "pp" in text


def test_interim_report_shows_the_boundary_and_final_does_not(demo) -> None:
    interim = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    final = (demo.out_dir / "final" / "report.md").read_text(encoding="utf-8")
    assert "## Tussentijdse toets" in interim and "Informatiefractie" in interim
    assert "Tussentijdse toets" not in final


def test_the_demo_report_folder_equals_a_rerun_of_report(demo, tmp_path, read_outputs) -> None:
    """The register and data left by the demo give the demo's final report again, byte for byte."""
    from participatie_rct.report.writer import write_report

    again = write_report(
        demo.db_url,
        demo.data_dir,
        tmp_path / "final",
        kind="final",
        language="nl",
        as_of=demo.final.as_of,
    )
    assert read_outputs(again.out_dir) == read_outputs(demo.final.out_dir)
