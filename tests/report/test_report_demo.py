"""The demo: register arms equal the simulator's, reports written, reruns give the same bytes."""

from __future__ import annotations

from participatie_rct.trial.demo import demo_simulation


def test_register_arms_equal_the_simulated_arms(demo) -> None:
    from participatie_rct.registry import Register

    trial = demo_simulation()
    register = Register.open(demo.db_url, read_only=True)
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
    assert (demo.out_dir / "interim" / "figures" / "boundary.svg").is_file()
    assert not (demo.out_dir / "final" / "figures" / "boundary.svg").exists()


def test_the_demo_report_folder_equals_a_rerun_of_report(demo, tmp_path, read_outputs) -> None:
    """The register and data left by the demo give the demo's final report again, byte for byte."""
    from participatie_rct.trial import write_report

    again = write_report(
        demo.db_url,
        demo.data_dir,
        tmp_path / "final",
        kind="final",
        language="nl",
        as_of=demo.final.as_of,
    )
    assert read_outputs(again.out_dir) == read_outputs(demo.final.out_dir)


def test_demo_never_overwrites_a_register_it_did_not_make(tmp_path) -> None:
    import pytest

    from participatie_rct.errors import ReportError
    from participatie_rct.protocol import Protocol
    from participatie_rct.registry import Register
    from participatie_rct.trial.demo import REGISTER_FILE, run_demo

    text = (
        '[trial]\nname = "A real trial"\nseed = 5\n[[arms]]\nkey = "control"\n[[arms]]\nkey = "b"\n'
        '[assignment]\nmethod = "complete"\n[identifiers]\ncolumn = "id"\nkind = "pseudonym"\n'
    )
    db = tmp_path / REGISTER_FILE
    Register.create(f"sqlite:///{db.as_posix()}", Protocol.from_text(text), key=None).close()
    before = db.read_bytes()
    with pytest.raises(ReportError, match="the folder already holds files; the demo writes"):
        run_demo(tmp_path)  # without --overwrite: refused before anything is looked at
    with pytest.raises(ReportError, match="a register that the demo did not make is in the way"):
        run_demo(tmp_path, overwrite=True)
    assert db.read_bytes() == before


def test_interim_before_anyone_matured_says_so(demo_inputs, tmp_path) -> None:
    from participatie_rct.trial import write_report_from_inputs

    result = write_report_from_inputs(
        demo_inputs, tmp_path / "early", kind="interim", language="en", as_of="2017-12-31"
    )
    text = (result.out_dir / "report.md").read_text(encoding="utf-8")
    assert result.headline == ()
    assert "Nobody has 12 months of follow-up yet" in text
    assert "Information fraction 0: nobody has 12 months" in text
    assert result.settings["information_fraction"] == 0.0


def test_survey_waves_appear_when_they_are_due(demo) -> None:
    interim = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    final = (demo.out_dir / "final" / "report.md").read_text(encoding="utf-8")
    assert "### Ronde 1 (12 maanden na loting)" in interim
    assert "Ronde 2" not in interim  # nobody was 24 months in the trial by the interim
    assert "### Ronde 1" in final and "### Ronde 2 (24 maanden na loting)" in final
    assert final.count("| Welbevinden (0–10) |") == 2 * 3  # two waves, three arms against control


def test_final_report_adds_outflow_within_twice_the_horizon(demo) -> None:
    final = (demo.out_dir / "final" / "report.md").read_text(encoding="utf-8")
    interim = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    assert "### Uitstroom naar werk binnen 24 maanden" in final
    assert "binnen 24 maanden" not in interim
