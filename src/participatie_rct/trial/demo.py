"""The demo: a Wageningen-like trial from lottery to final report, in well under a minute.

:func:`run_demo` does what a research team does over two years, on synthetic data:

1. simulate a trial like Wageningen's (docs/domain.md: four arms, intake from 1 October
   2017), at three times its 410 participants (:data:`DEMO_PARTICIPANTS`), and write its tables
   into ``OUT/data``. At Wageningen's own size the control arm has fewer than ten exits to work
   within a year, so the disclosure rules hide every effect (as they would in a real report of
   such a trial); the demo is larger so that a newcomer sees what a report shows;
2. create a register (SQLite, ``OUT/trial.db``) under the simulated trial's protocol;
3. enrol and assign the consenting participants one by one through the register, in order
   of intake, as at a real intake desk, and record the withdrawals;
4. hold the interim look 12 months after the start of intake and record it in the register
   (as ``monitor status --record`` does);
5. write an interim report as of that date (``OUT/interim``) and a final report at the end
   of follow-up, 24 months and more (``OUT/final``), which lists the look held.

The register and the data stay in ``OUT`` so that ``participatie-rct report`` can be run on
them again. The trial is sealed, as every real trial should be: its draws come from a trial
secret (``OUT/trial.secret``), and the simulator draws with the same secret, so the register's
arms are the simulator's: the demo checks that every arm agrees and refuses to go on
otherwise. The demo's secret is :data:`DEMO_SECRET`, fixed and therefore public: it serves a
synthetic trial only, never a real one (make a real one with ``participatie-rct keygen``).
Everything is fixed by :data:`DEMO_SEED`, the demo secret and a demo clock that times the
register's records (one second apart from the start of intake), so two runs give the same
register and the same report bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from participatie_rct.errors import ReportError
from participatie_rct.months import add_months, end_of_month
from participatie_rct.report.writer import ReportResult
from participatie_rct.safe_files import is_symlink, make_private_dir
from participatie_rct.trial.report import write_trial_report

if TYPE_CHECKING:
    from participatie_rct.registry import Register
    from participatie_rct.report.inputs import ReportInputs
    from participatie_rct.simulate.result import SimulatedTrial

#: Seed of the simulated cohort (the trial's own seed is in the protocol it generates).
DEMO_SEED = 20170901
#: participants of the demo trial: three times Wageningen's 410, so its effects can be shown
DEMO_PARTICIPANTS = 1230

#: The demo's trial secret: fixed, so the demo is reproducible, and so public. Never use it
#: for a real trial: anyone could predict its arms.
DEMO_SECRET = hashlib.sha256(b"participatie-rct demo trial secret: public, synthetic only").digest()

#: The outcome families of the demo's protocol, as the Wageningen evaluation grouped them.
DEMO_FAMILIES = """
[[analysis.families]]
name = "part_time_work"
role = "secondary"
outcomes = ["part_time_share", "ever_working_12h", "months_working_12h"]

[[analysis.families]]
name = "income"
role = "secondary"
outcomes = ["earnings", "months_receiving_benefit"]

[[analysis.families]]
name = "lasting_exit"
role = "secondary"
outcomes = ["sustained_outflow", "reentry"]

[[analysis.families]]
name = "survey"
role = "exploratory"
outcomes = ["wellbeing", "health", "self_sufficiency"]
"""

#: Register file inside the demo folder, and the file of its (public) secret.
REGISTER_FILE = "trial.db"
SECRET_FILE = "trial.secret"


@dataclass(frozen=True)
class DemoResult:
    """What the demo made: the folder, the register URL, the data folder and both reports."""

    out_dir: Path
    db_url: str
    data_dir: Path
    interim: ReportResult
    final: ReportResult
    n_assigned: int

    def summary(self) -> str:
        """Where everything is and the headline effects, for the terminal."""
        lines = [
            f"Demo trial: {self.n_assigned} participants assigned one by one through the register "
            f"{self.db_url}",
            f"Data: {self.data_dir}",
            "",
            self.interim.summary(),
            f"  open {self.interim.out_dir / 'report.html'}",
            "",
            self.final.summary(),
            f"  open {self.final.out_dir / 'report.html'}",
            "",
            "Run a report again on the same register and data, e.g.:",
            f"  participatie-rct report final --db {self.db_url} --data {self.data_dir} "
            f"--out {self.out_dir / 'final-en'} --lang en --as-of {self.final.as_of}",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "out": str(self.out_dir),
            "db": self.db_url,
            "data": str(self.data_dir),
            "n_assigned": self.n_assigned,
            "interim": self.interim.to_dict(),
            "final": self.final.to_dict(),
        }


def _remove_old_demo_register(db_path: Path, db_url: str, protocol_sha256: str) -> None:
    """Delete the register an earlier demo left in the folder; refuse to touch any other."""
    from participatie_rct.errors import ParticipatieRCTError
    from participatie_rct.registry import Register

    try:
        old = Register.open(db_url, read_only=True)
        try:
            same = old.protocol.sha256 == protocol_sha256
        finally:
            old.close()
    except ParticipatieRCTError:
        same = False
    if not same:
        raise ReportError(
            f"{db_path}: a register that the demo did not make is in the way; the demo will not "
            "overwrite it. Choose another folder with --out."
        )
    for suffix in ("", "-wal", "-shm", "-journal", "-writer-lock"):
        stale = Path(f"{db_path}{suffix}")
        if stale.exists():
            stale.unlink()
    _remove_old_demo_secret(db_path.parent / SECRET_FILE)


def _remove_old_demo_secret(path: Path) -> None:
    """Delete the demo's own secret file left by an earlier run; refuse any other file."""
    from participatie_rct.errors import ParticipatieRCTError
    from participatie_rct.keyfiles import decode_key

    if not path.exists():
        return
    try:
        same = decode_key(path.read_text(encoding="ascii")) == DEMO_SECRET
    except (ParticipatieRCTError, OSError, UnicodeDecodeError):
        same = False
    if not same:
        raise ReportError(
            f"{path}: a file that the demo did not make is in the way; the demo will not "
            "overwrite it. Choose another folder with --out."
        )
    path.unlink()


def _demo_clock(start: dt.date) -> Callable[[], str]:
    """Record times one second apart from ``start``: the same register bytes on every run."""
    moment = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    ticks = iter(range(10**9))

    def clock() -> str:
        return (moment + dt.timedelta(seconds=next(ticks))).isoformat(timespec="microseconds")

    return clock


def _check_demo_folder(out: Path, *, overwrite: bool) -> None:
    """Refuse a folder that holds anything, unless ``overwrite`` (checked before any work)."""
    from participatie_rct.report.folder import prepare_folder

    if is_symlink(out):
        raise ReportError(f"{out}: the demo folder is a symbolic link; give the real folder.")
    if overwrite or not out.is_dir() or not any(out.iterdir()):
        if overwrite:
            for part in ("interim", "final"):
                prepare_folder(out / part, overwrite=True)
        return
    raise ReportError(
        f"{out}: the folder already holds files; the demo writes into a new or empty folder. "
        "Choose another --out, or give --overwrite to replace an earlier demo there."
    )


def demo_simulation() -> SimulatedTrial:
    """The demo's simulated trial: Wageningen's design, ``DEMO_PARTICIPANTS`` people, seeded,
    with the outcome families of :data:`DEMO_FAMILIES` in its protocol."""
    from dataclasses import replace

    import numpy as np

    from participatie_rct.simulate import scenario_spec, simulate_trial

    spec = scenario_spec("wageningen", effects="seed", n=DEMO_PARTICIPANTS)
    return simulate_trial(
        replace(spec, analysis_extra=DEMO_FAMILIES),
        rng=np.random.default_rng(DEMO_SEED),
        secret=DEMO_SECRET,
    )


def run_demo(
    out_dir: str | Path = "reports/demo",
    *,
    language: str = "nl",
    formats: tuple[str, ...] = ("html", "md"),
    overwrite: bool = False,
) -> DemoResult:
    """Simulate, register one by one, and write the interim and final reports into ``out_dir``.

    ``out_dir`` must be new or empty unless ``overwrite``: then an earlier demo there (its
    register, data and report folders) is replaced and other files are left alone. The
    interim look is recorded in the register, so the final report lists it.
    """
    from participatie_rct.registry import Register
    from participatie_rct.trial.core import Trial
    from participatie_rct.trial.inputs import load_inputs

    trial = demo_simulation()
    out = Path(out_dir)
    _check_demo_folder(out, overwrite=overwrite)
    make_private_dir(out)
    db_url, data_dir = _prepare_demo_folder(out, trial)
    start, interim_as_of, final_as_of = _demo_dates(trial)
    register = Register.create(
        db_url, trial.protocol, key=None, secret=DEMO_SECRET, clock=_demo_clock(start)
    )
    try:
        n_assigned = _enrol(register, trial)
        _record_interim_look(register, load_inputs(db_url, data_dir), interim_as_of)
    finally:
        register.close()
    inputs = load_inputs(db_url, data_dir)  # read once: the two reports differ only in as_of
    interim, final = (
        write_trial_report(
            Trial(inputs, as_of=as_of),
            out / kind,
            kind=kind,
            language=language,
            formats=formats,
            overwrite=overwrite,
        )
        for kind, as_of in (("interim", interim_as_of), ("final", final_as_of))
    )
    return DemoResult(
        out_dir=out,
        db_url=db_url,
        data_dir=data_dir,
        interim=interim,
        final=final,
        n_assigned=n_assigned,
    )


def _prepare_demo_folder(out: Path, trial: SimulatedTrial) -> tuple[str, Path]:
    """Remove an earlier demo's register and secret, write the data and the (public) secret;
    return the register's URL and the data folder."""
    from participatie_rct.keyfiles import write_key_file
    from participatie_rct.simulate import write_simulation

    db_path = out / REGISTER_FILE
    db_url = f"sqlite:///{db_path.resolve().as_posix()}"
    if db_path.exists():
        _remove_old_demo_register(db_path, db_url, trial.protocol.sha256)
    data_dir = out / "data"
    write_simulation(trial, data_dir)
    _remove_old_demo_secret(out / SECRET_FILE)
    write_key_file(out / SECRET_FILE, raw=DEMO_SECRET)
    return db_url, data_dir


def _demo_dates(trial: SimulatedTrial) -> tuple[dt.date, dt.date, dt.date]:
    """The first day of intake's month, the interim date 12 months later, the final date
    (the end of the last month of benefit data)."""
    import pandas as pd

    if trial.benefit_months is None:
        raise ReportError("demo: the simulation made no benefit months; simulate with tables.")
    start = pd.Timestamp(trial.assignments["enrolled_on"].min()).date().replace(day=1)
    months = trial.benefit_months["month"].astype(str)
    final_as_of = end_of_month(pd.Period(months.max(), freq="M").to_timestamp().date())
    return start, end_of_month(add_months(start, 12)), final_as_of


def _enrol(register: Register, trial: SimulatedTrial) -> int:
    """Assign the simulated arrivals one by one, in order, checking that the register draws
    the simulator's arms; record the withdrawals and the decliners. Returns the number
    assigned."""
    import pandas as pd

    protocol = trial.protocol
    arrivals = trial.assignments.sort_values("sequence")
    columns = list(protocol.unit_columns)
    mismatches = 0
    for row in arrivals.to_dict("records"):
        drawn = register.assign_one(
            str(row["id"]),
            {c: row[c] for c in columns},
            key=None,
            enrolled_on=pd.Timestamp(row["enrolled_on"]).date(),
            site=str(row["site"]),
        )
        mismatches += drawn.arm != row["arm"]
    if mismatches:
        raise ReportError(
            f"demo: the register drew another arm than the simulator for {mismatches} "
            "participants; the register and the simulator must use the protocol's procedure, "
            "secret and arrival order alike."
        )
    for withdrawal in trial.withdrawals:
        register.withdraw(withdrawal.id, withdrawal.reason, key=None)
    # the invited who declined are recorded too: the reports count CONSORT from the register
    people = trial.participants
    if "consent" in people.columns:
        declined = people[~people["consent"].astype(bool)].rename(columns={"id": "participant"})
        if len(declined):
            register.assign_frame(declined.reset_index(drop=True), source="participants")
    return len(arrivals)


def _record_interim_look(register: Register, inputs: ReportInputs, as_of: dt.date) -> None:
    """Hold the interim look on ``as_of`` and record it in the register, as a trial team
    does with ``monitor status --record``: the final report then lists it."""
    from participatie_rct.design.looks import look_record
    from participatie_rct.trial.core import Trial

    status = Trial(inputs, as_of=as_of).monitor()
    register.record_look(look_record(status, as_of).to_details())
