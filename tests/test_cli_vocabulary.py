"""One vocabulary of options over the whole command tree (docs/conventions.md, rule 6).

Each rule walks every command, so a command added later that spells an option its own way
fails here: ``--format text|json`` everywhere; one day syntax (ISO or Dutch, as in the
files) with one parser and one refusal; ``--correction`` defaulting to holm; ``--strata``
taking several columns; ``--data`` always a folder; placeholders spelled one way; and no
``--arms`` that counts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import typer
from typer import _click

from participatie_rct.cli import app, main
from participatie_rct.cli.common import parse_day
from participatie_rct.cli.data_files import DataFolderOption


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    children = getattr(command, "commands", None)
    if children:
        for name, child in sorted(children.items()):
            if not getattr(child, "hidden", False):
                yield from _walk(child, (*path, name))
    else:
        yield " ".join(path), command


#: commands as (path, click command), every leaf of the tree
TREE: list[tuple[str, Any]] = list(_walk(typer.main.get_command(app), ()))
IDS = [path for path, _ in TREE]


def options(command: Any) -> list[Any]:
    """The visible options of ``command`` that take a value (no flags, nothing hidden)."""
    return [
        p
        for p in command.params
        if p.param_type_name == "option" and not p.is_flag and not p.hidden
    ]


def info(param: Any) -> Any:
    """What the option was declared with (Typer's ``OptionInfo``)."""
    return param.type_descriptor.parameter_info


def placeholder(command: Any, param: Any) -> str:
    """The placeholder the help shows after the option's name, e.g. ``<date>``."""
    return str(param.display_type_rich(_click.Context(command)))


def is_date_option(param: Any) -> bool:
    name = param.opts[0]
    return name == "--as-of" or name.endswith("-on") or "date" in name


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    return int(stop.value.code or 0), out, err


def test_the_tree_is_walked() -> None:
    assert {"assign", "estimate itt", "monitor status", "power", "users add"} <= set(IDS)


@pytest.mark.parametrize(("path", "command"), TREE, ids=IDS)
def test_every_command_has_format_text_or_json(path: str, command: Any) -> None:
    found = [p for p in command.params if "--format" in p.opts]
    assert found, f"'{path}' has no --format"
    assert placeholder(command, found[0]) == "<text|json>"
    assert str(found[0].default.value) == "text"


@pytest.mark.parametrize(("path", "command"), TREE, ids=IDS)
def test_every_date_option_has_the_one_parser(path: str, command: Any) -> None:
    for param in filter(is_date_option, options(command)):
        assert info(param).parser is parse_day, f"'{path} {param.opts[0]}' parses its own dates"
        assert placeholder(command, param) == "<date>"
        assert "2019-12-31 or 31-12-2019" in " ".join(param.help.split())


DATE_OPTIONS = [
    (path, param.opts[0]) for path, command in TREE for param in options(command)
    if is_date_option(param)
]  # fmt: skip


def test_there_are_date_options() -> None:
    assert {("validate", "--as-of"), ("assign", "--enrolled-on"), ("report", "--as-of")} <= set(
        DATE_OPTIONS
    )


@pytest.mark.parametrize(("path", "flag"), DATE_OPTIONS, ids=[" ".join(d) for d in DATE_OPTIONS])
def test_every_date_option_refuses_in_one_wording(
    path: str, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*path.split(), flag, "31/12/2019"], capsys)
    assert code == 2 and out == ""
    assert err == (
        f"participatie-rct: error: Invalid value for '{flag}': '31/12/2019' is not a day; "
        f"write it as 2019-12-31 or 31-12-2019. (see 'participatie-rct {path} --help')\n"
    )


def test_parse_day_reads_iso_and_dutch_alike() -> None:
    assert parse_day("2019-12-31") == parse_day("31-12-2019") == dt.date(2019, 12, 31)
    assert parse_day(" 01-02-2018 ") == dt.date(2018, 2, 1)
    assert parse_day(None) is None
    for bad in ("2019-13-01", "31-02-2019", "12/31/2019", "2019-12", "gisteren", ""):
        with pytest.raises(typer.BadParameter, match="is not a day; write it as 2019-12-31"):
            parse_day(bad)


@pytest.mark.parametrize(("path", "command"), TREE, ids=IDS)
def test_correction_defaults_to_holm(path: str, command: Any) -> None:
    for param in options(command):
        if param.opts[0] == "--correction":
            assert str(param.default.value) == "holm", f"'{path} --correction'"
            assert placeholder(command, param) == "<none|bonferroni|holm>"


def test_correction_exists_where_it_should() -> None:
    having = {path for path, c in TREE if any("--correction" in p.opts for p in c.params)}
    assert {"estimate itt", "monitor status", "power", "simulate-power"} <= having


@pytest.mark.parametrize(("path", "command"), TREE, ids=IDS)
def test_strata_takes_several_columns(path: str, command: Any) -> None:
    for param in options(command):
        if param.opts[0] == "--strata":
            assert param.multiple, f"'{path} --strata' takes one column only"
            assert placeholder(command, param) == "<columns>"


@pytest.mark.parametrize(("path", "command"), TREE, ids=IDS)
def test_data_is_always_a_folder(path: str, command: Any) -> None:
    for param in options(command):
        if param.opts[0] == "--data":
            # refused at parse time, or at run time by data_sources with a line that points at
            # --participants/--benefit-months/--survey (tests/test_outcomes_cli.py)
            runtime = info(param).help == DataFolderOption.help
            assert runtime or info(param).file_okay is False, f"'{path} --data' accepts a file"
            assert placeholder(command, param) == "<dir>"


#: how a placeholder is spelled: lower case in angle brackets, choices split by |
PLACEHOLDER = re.compile(r"<[a-z][a-z0-9_-]*(=[a-z]+)?(\|[a-z0-9_-]+)*>")


def test_placeholders_are_spelled_one_way() -> None:
    """Lower case in angle brackets; one option name, one placeholder (a Path: file or dir)."""
    by_name: dict[str, set[str]] = defaultdict(set)
    for path, command in TREE:
        for param in options(command):
            shown = placeholder(command, param)
            name = param.opts[0]
            assert PLACEHOLDER.fullmatch(shown), f"'{path} {name}' shows {shown}"
            if param.type_descriptor.annotation is Path:
                assert shown in ("<file>", "<dir>"), f"'{path} {name}' shows {shown}"
                declared = info(param)
                if declared.help != DataFolderOption.help:  # a file there is refused at run time
                    assert declared.file_okay != declared.dir_okay, f"'{path} {name}': file or dir?"
            else:
                by_name[name].add(shown)
    assert {n: s for n, s in by_name.items() if len(s) > 1} == {}
    assert by_name["--db"] == {"<url>"}


def test_no_visible_option_counts_arms() -> None:
    """``--arms`` names arm keys (simulate); a count says what it counts: --treatment-arms."""
    for path, command in TREE:
        for param in options(command):
            if param.opts[0] == "--arms":
                assert param.type_descriptor.annotation is str, f"'{path} --arms' is a count"
            if param.opts[0] == "--treatment-arms":
                assert "NOT counting the control" in param.help


def test_power_still_reads_the_old_arms_spelling(capsys: pytest.CaptureFixture[str]) -> None:
    common = ["power", "--p-control", "0.06", "--p-treatment", "0.115", "--power", "0.8"]
    _, new, _ = run([*common, "--treatment-arms", "3", "--format", "json"], capsys)
    _, old, err = run([*common, "--arms", "3", "--format", "json"], capsys)
    assert json.loads(new) == json.loads(old) and err == ""
    code, _, err = run([*common, "--arms", "3", "--treatment-arms", "2"], capsys)
    assert code == 2 and "disagree; give --treatment-arms only" in err


# --------------------------------------------------------------------------------------------
# --strata with several columns: one stratum per combination
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stratified_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(11)
    n = 480
    site = rng.choice(["Ede", "Tiel", "Epe"], n)
    age = rng.choice(["<27", "27-44", "45+"], n)
    arm = rng.choice(["control", "earn_more", "intensive_support"], n)
    base = 0.08 + 0.05 * (site == "Ede") + 0.06 * (age == "45+")
    outcome = (rng.random(n) < base + 0.05 * (arm != "control")).astype(int)
    frame = pd.DataFrame(
        {"site": site, "age_group": age, "arm": arm, "work": outcome, "birth_year": 1970}
    )
    frame["by_hand"] = frame["site"] + "/" + frame["age_group"]
    path = tmp_path_factory.mktemp("strata") / "outcomes.csv"
    frame.to_csv(path, index=False)
    return path


def _itt(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    args = ["estimate", "itt", str(path), "--outcome", "work", "--treatment", "arm", *extra]
    code, out, err = run([*args, "--format", "json"], capsys)
    assert code == 0, err
    keys = ("arm", "estimate", "std_error", "df")
    return [{k: row[k] for k in keys} for row in json.loads(out)["estimates"]]


@pytest.mark.parametrize("estimator", ["ols", "dim"])
def test_itt_strata_combines_several_columns(
    stratified_file: Path, capsys: pytest.CaptureFixture[str], estimator: str
) -> None:
    both = _itt(stratified_file, capsys, "--strata", "site,age_group", "--estimator", estimator)
    repeated = _itt(
        stratified_file, capsys, "--strata", "site", "--strata", "age_group",
        "--estimator", estimator,
    )  # fmt: skip
    by_hand = _itt(stratified_file, capsys, "--strata", "by_hand", "--estimator", estimator)
    one = _itt(stratified_file, capsys, "--strata", "site", "--estimator", estimator)
    assert both == repeated
    assert [r["estimate"] for r in both] == pytest.approx([r["estimate"] for r in by_hand])
    assert [r["std_error"] for r in both] == pytest.approx([r["std_error"] for r in by_hand])
    assert [r["estimate"] for r in both] != pytest.approx([r["estimate"] for r in one])


def test_itt_strata_names_a_missing_column(
    stratified_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["estimate", "itt", str(stratified_file), "--outcome", "work", "--treatment", "arm"]
    code, out, err = run([*argv, "--strata", "site,agegroup"], capsys)
    assert code == 2 and out == "" and "agegroup" in err and err.count("\n") == 1


def test_survival_strata_takes_several_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame(
        {
            "site": rng.choice(["Ede", "Tiel"], n),
            "age_group": rng.choice(["<27", "45+"], n),
            "arm": rng.choice(["control", "earn_more"], n),
            "time": rng.integers(1, 24, n),
            "event": rng.integers(0, 2, n),
        }
    )
    frame["by_hand"] = frame["site"] + "/" + frame["age_group"]
    path = tmp_path / "times.csv"
    frame.to_csv(path, index=False)
    argv = ["estimate", "survival", str(path), "--time", "time", "--event", "event"]
    argv += ["--treatment", "arm", "--format", "json"]
    code, combined, err = run([*argv, "--strata", "site,age_group"], capsys)
    assert code == 0, err
    code, by_hand, err = run([*argv, "--strata", "by_hand"], capsys)
    assert code == 0, err
    assert json.loads(combined)["logrank"] == pytest.approx(json.loads(by_hand)["logrank"])
