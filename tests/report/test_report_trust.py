"""Numbers a council can trust: columns that say what they count, disclosure that holds
against differencing, and a plain summary that never reads "no effect".

The small trial is built so that outflow counts fall under 10; the attacker collects every
number the report prints about outflow (counts, shares, effects, curve points) and tries to
pin each suppressed count down exactly.
"""

from __future__ import annotations

import dataclasses as dc
import datetime as dt
import itertools
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from participatie_rct.choices import ReportKind
from participatie_rct.report.disclosure import HIDDEN, SUPPRESSED
from participatie_rct.report.inputs import ReportInputs
from participatie_rct.report.sections.curves import pooled_curve_frame
from participatie_rct.trial import Trial


def _unadjusted_trial(n: int, control_rate: float, seed: int, sites=None) -> Trial:
    """A simulated trial whose ITT effect is the plain difference of shares (no strata, no
    covariates): the attacker's best case, where an effect gives shares back exactly."""
    from participatie_rct.simulate import simulate_trial

    extra = {"sites": sites} if sites else {}
    sim = simulate_trial(
        "wageningen", rng=np.random.default_rng(seed), n=n, control_rate=control_rate, **extra
    )
    p = sim.protocol
    p = dc.replace(
        p,
        analysis=dc.replace(p.analysis, covariates=()),
        assignment=dc.replace(p.assignment, strata=()),
    )
    assigned = sim.assignments.rename(columns={"id": "participant"}).copy()
    assigned["assigned_at"] = pd.to_datetime(assigned["enrolled_on"])
    assigned["stratum"] = "all"
    assigned["probability"] = 0.25
    people = sim.participants.assign(participant=sim.participants["id"])
    months = sim.benefit_months.rename(columns={"id": "participant"})
    inputs = ReportInputs(
        protocol=p, assignments=assigned, participants=people, benefit_months=months
    )
    return Trial(inputs, as_of=dt.date(2030, 1, 1), key=None)


@pytest.fixture(scope="module")
def small():
    """Arms of about 30 with a low outflow rate: several outflow counts under 10."""
    trial = _unadjusted_trial(120, 0.08, seed=3)
    analyses = trial.report_analyses(kind=ReportKind.FINAL)
    context = trial.report_context(
        kind=ReportKind.FINAL, language="en", blinded=False, package_version="test"
    )
    return analyses, context


@pytest.fixture(scope="module")
def large():
    """Arms of about 200 with a high outflow rate: every effect may be printed."""
    trial = _unadjusted_trial(800, 0.3, seed=5)
    contexts = {
        language: trial.report_context(
            kind=ReportKind.FINAL, language=language, blinded=False, package_version="test"
        )
        for language in ("nl", "en")
    }
    return trial.report_analyses(kind=ReportKind.FINAL), contexts


# -- columns that say what they count -----------------------------------------------------


def test_itt_rows_count_the_arm_and_the_control_separately(large) -> None:
    analyses, contexts = large
    values = contexts["en"].values
    analysed = analyses.outcomes[analyses.analysed]
    per_arm = analysed["arm"].value_counts()
    label_to_arm = {a.label_en: a.key for a in analyses.protocol.arms}
    n_control = str(int(per_arm[analyses.protocol.control]))
    header = values["itt_table"].header
    assert header[1] == "N arm" and header[2] == "N Control"
    for row in values["itt_table"].rows:
        assert row[1] == str(int(per_arm[label_to_arm[row[0]]]))
        assert row[2] == n_control
    for key in ("itt_table", "outflow_table", "site_table"):
        assert values[key].caption.startswith("Population:"), key


def test_captions_are_rendered_in_both_formats(demo) -> None:
    md = (demo.out_dir / "final" / "report.md").read_text(encoding="utf-8")
    html = (demo.out_dir / "final" / "report.html").read_text(encoding="utf-8")
    assert "*Populatie: deelnemers met volledige follow-up van 12 maanden" in md
    assert "<caption>Populatie: deelnemers met volledige follow-up" in html


# -- disclosure wired in ------------------------------------------------------------------


def test_an_effect_is_hidden_when_a_share_it_rests_on_is(small) -> None:
    _, context = small
    values = context.values
    hidden_share = {row[0] for row in values["outflow_table"].rows if row[3] == HIDDEN}
    assert hidden_share, "the small trial should hide some share"
    control_hidden = "Control" in hidden_share
    for row in values["itt_table"].rows:
        if control_hidden or row[0] in hidden_share:
            assert row[3:] == (HIDDEN,) * 5
    assert "fewer than 10" in values["itt_table"].note
    for row in values["site_table"].rows:
        if control_hidden or row[0] in hidden_share:
            assert row[4:] == (HIDDEN, HIDDEN)
    for row in values["cox_table"].rows:
        assert row[1:] == (HIDDEN,) * 3 or not control_hidden


def test_the_command_s_headline_hides_what_the_report_hides(small) -> None:
    """The terminal summary and JSON of ``report`` carry no effect the documents withhold."""
    from participatie_rct.report.writer import ReportResult

    _, context = small
    hidden = {row[0] for row in context.values["itt_table"].rows if row[3] == HIDDEN}
    assert hidden, "the small trial should hide some effect"
    for row in context.headline:
        assert row["hidden"] is (row["arm"] in hidden)
        if row["hidden"]:
            assert set(row) == {"arm", "hidden"}
    result = ReportResult(
        out_dir=Path("out"), files=(), kind="final", language="en", as_of="2030-01-01",
        blinded=False, headline=context.headline,
    )  # fmt: skip
    for line in result.summary().splitlines()[1:]:
        arm = line.strip().split(":")[0]
        assert (" pp " in line) is (arm not in hidden), line


def test_site_estimates_need_ten_per_arm() -> None:
    trial = _unadjusted_trial(72, 0.4, seed=11, sites=("Ede", "Epe"))
    values = trial.report_context(
        kind=ReportKind.FINAL, language="en", blinded=False, package_version="test"
    ).values
    seen_small = False
    for row in values["site_table"].rows:
        if row[1] == "Pooled":
            continue
        if row[2] == SUPPRESSED or row[3] == SUPPRESSED or int(row[2]) < 10 or int(row[3]) < 10:
            seen_small = True
            assert row[4:] == (HIDDEN, HIDDEN), row
    assert seen_small, "the two-site trial should have a site with fewer than 10 in an arm"
    assert "No estimate for" in values["site_table"].note


def test_curves_draw_only_steps_of_ten_events_and_stop_below_ten_at_risk(small) -> None:
    analyses, _ = small
    outcomes = analyses.outcomes
    followed = outcomes[outcomes["time"] > 0]
    for cause, curves in analyses.curves.items():
        if not isinstance(curves, pd.DataFrame):
            continue
        drawn = pooled_curve_frame(curves, outcomes, cause=cause, arms=analyses.protocol.arm_keys)
        for arm, part in drawn.groupby("arm"):
            mine = followed[followed["arm"] == arm]
            months = sorted(part["month"])
            for before, after in itertools.pairwise(months):
                events = ((mine["time"] > before) & (mine["time"] <= after)) & (
                    mine["event_code"] == cause
                )
                assert int(events.sum()) >= 10, (cause, arm, before, after)
                assert int((mine["time"] >= after).sum()) >= 10


# -- the differencing attacker ------------------------------------------------------------


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace("+", "").replace("%", "").replace(",", "."))


def candidates(
    n: Mapping[str, int],
    counts: Mapping[str, str],
    shares: Mapping[str, str],
    effects: Mapping[str, str],
    control: str,
    lower: Mapping[str, int] | None = None,
    exact: Mapping[str, int] | None = None,
) -> dict[str, set[int]]:
    """Every outflow count per arm consistent with all that is printed.

    A printed count is exact; ``<10`` is 1..9 and ``·`` is 0..n; a printed share (one
    decimal, percent) or effect (one decimal, percentage points, arm minus control) must be
    reproduced by the counts after rounding; ``lower`` are bounds read off curve points before
    the horizon and ``exact`` counts read off a curve point at the horizon.
    """
    lower, exact = dict(lower or {}), dict(exact or {})
    ranges: dict[str, list[int]] = {}
    for arm, text in counts.items():
        if text == SUPPRESSED:
            ranges[arm] = list(range(1, 10))
        elif text == HIDDEN:
            ranges[arm] = list(range(0, n[arm] + 1))
        else:
            ranges[arm] = [int(text)]
        ranges[arm] = [k for k in ranges[arm] if k >= lower.get(arm, 0)]
        if arm in exact:
            ranges[arm] = [k for k in ranges[arm] if k == exact[arm]]
        if shares.get(arm, HIDDEN) != HIDDEN:
            target = _number(shares[arm])
            ranges[arm] = [k for k in ranges[arm] if round(100 * k / n[arm], 1) == target]
    arms = list(ranges)
    found: dict[str, set[int]] = {a: set() for a in arms}
    for combo in itertools.product(*(ranges[a] for a in arms)):
        k = dict(zip(arms, combo, strict=True))
        ok = all(
            abs(100 * (k[a] / n[a] - k[control] / n[control]) - _number(text)) <= 0.05 + 1e-9
            for a, text in effects.items()
            if text != HIDDEN
        )
        if ok:
            for a in arms:
                found[a].add(k[a])
    return found


def test_the_attacker_recovers_the_issue_s_leak() -> None:
    """The report before the rules: 0 of 31 printed, and an effect of -3.2 pp against a
    control of 33 whose count shows as <10. The attacker pins the control's count at 1."""
    found = candidates(
        n={"control": 33, "earn_more": 31},
        counts={"control": SUPPRESSED, "earn_more": "0"},
        shares={"control": HIDDEN, "earn_more": "0.0%"},
        effects={"earn_more": "-3.0"},
        control="control",
    )
    assert found["control"] == {1}


def _printed(context, analyses) -> dict[str, dict[str, object]]:
    values = context.values
    label_to_arm = {a.label_en: a.key for a in analyses.protocol.arms}
    n, counts, shares, effects = {}, {}, {}, {}
    for label, n_text, count, share in values["outflow_table"].rows:
        arm = label_to_arm[label]
        n[arm], counts[arm], shares[arm] = int(n_text), count, share
    for row in values["itt_table"].rows:
        effects[label_to_arm[row[0]]] = row[3]
    for row in values["site_table"].rows:  # one site: the site's effect is the same comparison
        if row[4] != HIDDEN and effects.get(label_to_arm[row[0]], HIDDEN) == HIDDEN:
            effects[label_to_arm[row[0]]] = row[4]
    return {"n": n, "counts": counts, "shares": shares, "effects": effects}


def _curve_bounds(analyses, n: Mapping[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """What the drawn outflow curve says about each arm's count within the horizon."""
    horizon = int(analyses.protocol.analysis.horizon_months)
    curves = analyses.curves.get(1)
    lower: dict[str, int] = {}
    exact: dict[str, int] = {}
    if not isinstance(curves, pd.DataFrame):
        return lower, exact
    drawn = pooled_curve_frame(curves, analyses.outcomes, cause=1, arms=list(n))
    for arm, part in drawn.groupby("arm"):
        before = part[part["month"] <= horizon]
        if len(before):
            lower[arm] = int(np.floor(before["cumulative_incidence"].max() * n[arm] + 1e-9))
        at = part[part["month"] == horizon]
        if len(at):
            exact[arm] = round(float(at["cumulative_incidence"].iloc[0]) * n[arm])
    return lower, exact


def test_no_suppressed_outflow_count_can_be_recovered(small) -> None:
    analyses, context = small
    printed = _printed(context, analyses)
    lower, exact = _curve_bounds(analyses, printed["n"])
    found = candidates(**printed, control=analyses.protocol.control, lower=lower, exact=exact)
    suppressed = [a for a, text in printed["counts"].items() if text in (SUPPRESSED, HIDDEN)]
    assert suppressed, "the small trial should suppress some count"
    for arm in suppressed:
        assert len(found[arm]) > 1, f"{arm}'s count is pinned at {found[arm]}"
        true = int(
            analyses.outcomes.loc[
                analyses.analysed & (analyses.outcomes["arm"] == arm), "outflow_work"
            ].sum()
        )
        assert true in found[arm]  # the attacker's model is right: it keeps the truth


def test_without_the_rules_the_same_report_would_leak(small) -> None:
    """The same numbers with every effect printed (as before the rules): the attacker must
    learn strictly more, which shows the test above is not passing by weakness."""
    analyses, context = small
    printed = _printed(context, analyses)
    leaky = {
        r.arm: f"{100 * r.estimate:+.1f}"
        for r in analyses.itt.itertuples()  # type: ignore[union-attr]
    }
    protected = candidates(**printed, control=analyses.protocol.control)
    exposed = candidates(**{**printed, "effects": leaky}, control=analyses.protocol.control)
    assert sum(map(len, exposed.values())) < sum(map(len, protected.values()))


# -- the plain-language summary -----------------------------------------------------------


def test_key_findings_never_say_no_effect(large) -> None:
    analyses, contexts = large
    forbidden = {"nl": ("geen effect",), "en": ("no effect",)}
    for language, context in contexts.items():
        items = context.values["key_findings"]
        assert len(items) == len(analyses.protocol.arms) - 1
        text = " ".join(items).lower()
        for phrase in forbidden[language]:
            assert phrase not in text
    en = " ".join(contexts["en"].values["key_findings"])
    nl = " ".join(contexts["nl"].values["key_findings"])
    assert "with 95% confidence between" in en
    significant = (analyses.itt["p_holm"] < 0.05).to_numpy()  # type: ignore[index]
    assert en.count("is significant at the 5% level") == int(significant.sum())
    not_significant = int((~significant).sum())
    assert en.count("could not distinguish an effect smaller than") == not_significant
    assert nl.count("niet van nul onderscheiden") == not_significant


def test_minimum_detectable_effect_is_the_design_function_at_the_achieved_size(large) -> None:
    from participatie_rct.design import minimum_detectable_effect

    analyses, _ = large
    analysed = analyses.outcomes[analyses.analysed]
    rate = min(0.5, max(0.05, round(float(analysed["outflow_work"].mean()) * 20) / 20))
    sizes = analysed["arm"].value_counts()
    control = analyses.protocol.control
    treated = [a for a in analyses.protocol.arm_keys if a != control]
    for arm in treated:
        expected = minimum_detectable_effect(
            p_control=rate,
            n_per_arm=min(int(sizes[arm]), int(sizes[control])),
            arms=len(treated),
            correction="bonferroni",
        ).effect
        assert analyses.mde[arm] == pytest.approx(expected)


def test_interim_cautions_before_any_p_value(demo) -> None:
    md = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    caution = md.index("alleen de primaire vergelijking tegen de stopgrens")
    first_p = min(m.start() for m in re.finditer(r"\| p \||p [=<]", md))
    assert caution < first_p


def test_small_p_values_print_below_one_in_a_thousand() -> None:
    from participatie_rct.report.i18n import p_bound, p_clause, p_text

    assert p_text(1e-9, "nl") == "< 0,001" and p_text(1e-9, "en") == "< 0.001"
    assert p_bound(2e-6, "nl") == "< 0,001" and p_bound(0.0123, "en") == "≤ 0.012"
    assert p_clause(0.0004, "en") == "< 0.001"


def test_interim_states_one_multiplicity_rule_and_no_tiny_decimals(demo) -> None:
    for language_file in ("report.md", "report.html"):
        text = (demo.out_dir / "interim" / language_file).read_text(encoding="utf-8")
        assert "0,00000" not in text and "0.00000" not in text
        assert "Holms stapsgewijze procedure" in text and "Bonferroni" not in text
        assert "Holm-gecorrigeerde p-waarden" in text


# -- proper Dutch, only what ran --------------------------------------------------------------

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _dutch_texts(folder) -> dict[str, str]:
    texts = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("report.*")}
    for svg in sorted((folder / "figures").glob("*.svg")):
        texts[svg.name] = " ".join(re.findall(r">([^<>]+)</text>", svg.read_text("utf-8")))
    md = texts["report.md"]
    texts["report.md"] = re.sub(r"\]\([^)]*\)", "]", md)  # file names of figures are not text
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", texts["report.html"], flags=re.S)
    texts["report.html"] = re.sub(r"<[^>]+>", " ", html)
    return texts


@pytest.mark.parametrize("part", ["interim", "final"])
def test_the_dutch_report_holds_no_english_identifiers(demo, part) -> None:
    from participatie_rct.simulate import simulate_trial

    protocol = simulate_trial(
        "wageningen", rng=np.random.default_rng(0), n=8, tables=False
    ).protocol
    keys = set(protocol.arm_keys)
    assert "earn_more" in keys
    for name, text in _dutch_texts(demo.out_dir / part).items():
        assert not SNAKE.findall(text), f"{part}/{name}: {sorted(set(SNAKE.findall(text)))}"
        for key in keys:
            assert not re.search(rf"\b{re.escape(key)}\b", text), f"{part}/{name}: {key}"
        for english in ("Pooled", "Boundary", "months", " the ", " and ", "look(s)", "kijk(en)"):
            assert english not in text, f"{part}/{name}: {english!r}"
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), f"{part}/{name}: an ISO date"


def test_dutch_dates_and_translated_levels(demo) -> None:
    md = (demo.out_dir / "final" / "report.md").read_text(encoding="utf-8")
    assert "Peildatum: 31 december 2019" in md
    assert "Migratieachtergrond: niet-westers" in md and "Huishouden: paar met kinderen" in md
    assert "methode permuterende blokken" in md
    interim = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    assert "functie O'Brien-Fleming" in interim


def test_without_a_survey_there_is_no_survey_chapter(small) -> None:
    from participatie_rct.report.render import render_markdown

    analyses, context = small
    assert analyses.survey == ()
    md = render_markdown(context.values, {})
    assert "## Survey" not in md and "Survey outcomes" not in md
    assert md.count("No survey: there is no survey file") == 1


def test_consort_rows_do_not_add_up_to_a_hidden_cell() -> None:
    """103 assigned and 100 analysed would give "not analysed: <10" away as 3."""
    from participatie_rct.report.consort import ConsortCounts

    counts = ConsortCounts(
        invited=None,
        declined=None,
        consented=None,
        assigned={"a": 103, "b": 103, "c": 50},
        withdrawn={"a": 2, "b": 0, "c": 0},
        not_analysed={"a": 3, "b": 40, "c": 20},
        analysed={"a": 100, "b": 63, "c": 30},
    )
    rows = {name: (cells, total) for name, cells, total in counts.table(["a", "b", "c"])}
    assert rows["not_analysed"][0][0] == SUPPRESSED
    assert rows["analysed"][0][0] == HIDDEN  # else 103 - 100 = 3
    assert counts.hidden_analysed(["a", "b", "c"]) >= {"a"}
    for j in range(3):  # no arm's pair of cells can be recovered from the assigned count
        pair = [rows["not_analysed"][0][j], rows["analysed"][0][j]]
        assert pair.count(HIDDEN) + pair.count(SUPPRESSED) != 1


def test_an_arm_whose_analysed_count_consort_hides_is_hidden_in_the_effects(large) -> None:
    from participatie_rct.report.i18n import words
    from participatie_rct.report.sections.common import View
    from participatie_rct.report.sections.effects import itt_table, shares_of

    analyses, _ = large
    order = tuple(analyses.protocol.arm_keys)
    labels = {a: a.upper() for a in order}
    control = analyses.protocol.control
    treated = next(a for a in order if a != control)
    view = View(order, labels, control, "en", words("en"), frozenset({treated}))
    shares = shares_of(analyses.outcomes[analyses.analysed], "outflow_work", order)
    table = itt_table(analyses.itt, view, shares)
    for row in table.rows:
        if row[0] == labels[treated]:
            assert row[1] == HIDDEN and row[3:] == (HIDDEN,) * 5
        else:
            assert HIDDEN not in row


def test_the_final_report_accounts_for_the_interim_looks(demo) -> None:
    """The demo records its interim look in the register; the final report's critical value
    spends what that look spent at its observed information, not at the planned fraction."""
    from participatie_rct.design.boundaries import group_sequential_boundaries
    from participatie_rct.design.looks import boundary_after_looks
    from participatie_rct.registry import Register

    final = (demo.out_dir / "final" / "report.md").read_text(encoding="utf-8")
    interim = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    assert "Tussentijdse kijken en eindtoets" in final
    assert "Tussentijdse kijken en eindtoets" not in interim
    with Register.open(demo.db_url, read_only=True) as register:
        events = register.events()
    held = list(events.loc[events["kind"] == "look", "details"])
    assert len(held) == 1 and held[0]["as_of"] == "2018-10-31"
    z = boundary_after_looks([held[0]["information"]], alpha=0.05 / 3, spending="obrien-fleming")
    assert f"|z| ≥ {z.looks[-1].z:.2f}".replace(".", ",") in final
    planned = group_sequential_boundaries(looks=2, alpha=0.05 / 3).looks[-1].z
    assert f"{planned:.2f}" != f"{z.looks[-1].z:.2f}"  # the recorded look made a difference
    section = final[final.index("## Tussentijdse kijken en eindtoets") :]
    assert "| 1 | 31 oktober 2018 |" in section and "doorgaan" in section


def test_interim_shows_conditional_power_per_arm(demo) -> None:
    md = (demo.out_dir / "interim" / "report.md").read_text(encoding="utf-8")
    section = md[md.index("## Tussentijdse toets") :]
    assert "Voorwaardelijk onderscheidend vermogen (huidige trend)" in section
    rows = re.findall(
        r"^\| [^|]+ \| −?[0-9,]+ \| [0-9,]+ \| (?:ja|nee) \| ([0-9]+)% \|", section, re.M
    )
    assert len(rows) == 3 and all(0 <= int(v) <= 100 for v in rows)
