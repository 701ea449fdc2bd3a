"""Methods section: the paragraphs describing design, outcome, estimators and software."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from participatie_rct.choices import ReportKind
from participatie_rct.report.disclosure import count_text
from participatie_rct.report.i18n import METHODS, month_text, number, term

if TYPE_CHECKING:
    from participatie_rct.protocol import Protocol
    from participatie_rct.report.analyses import ReportAnalyses


def methods_section(
    protocol: Protocol,
    language: str,
    kind: ReportKind,
    n: int,
    withdrawn: int,
    strata: Sequence[str],
    covariates: Sequence[str],
    end: pd.Period,
    k: int,
    control_label: str,
    version: str,
    *,
    survey_ran: bool = False,
    concealment: tuple[str, str] = ("", ""),
) -> list[str]:
    """The methods paragraphs; ``concealment`` is :func:`concealment_text` (how arms were drawn,
    and a note that follows the design paragraph)."""
    import plotnine
    import scipy
    import statsmodels

    m = METHODS[language]
    spec = protocol.assignment
    names = ", ".join(term(s, language) for s in spec.strata)
    detail = m["strata"].format(strata=names) if spec.strata else ""
    if spec.block_sizes:
        detail += m["blocks"].format(blocks=", ".join(str(b) for b in spec.block_sizes))
    paras = [
        m["design"].format(
            method=term(spec.method.value, language),
            strata=detail,
            trial=protocol.name,
            concealment=concealment[0],
            sha=protocol.sha256[:16],
            n=count_text(n, language=language),
            withdrawn=count_text(withdrawn, language=language),
        )
        + concealment[1],
        m["outcome"].format(
            h=protocol.analysis.horizon_months, end=month_text(end.year, end.month, language)
        ),
        m["estimator"].format(
            fe=m["fe"].format(strata=" × ".join(term(s, language) for s in strata))
            if strata
            else "",
            cov=m["cov"].format(covariates=", ".join(term(c, language) for c in covariates))
            if covariates
            else "",
            k=k,
            control=control_label,
        ),
        m["survival"],
        m["sites"],
    ]
    if survey_ran:  # only what ran is reported
        paras.append(m["survey"])
    if kind is ReportKind.INTERIM:
        plan = protocol.analysis
        paras.append(
            m["interim"].format(
                spending=term(plan.spending, language),
                alpha=number(plan.alpha, language, digits=3),
                looks=plan.interim_looks,
            )
        )
    paras.append(
        m["software"].format(
            version=version,
            numpy=np.__version__,
            pandas=pd.__version__,
            scipy=scipy.__version__,
            statsmodels=statsmodels.__version__,
            plotnine=plotnine.__version__,
        )
    )
    return paras


def concealment_text(
    analyses: ReportAnalyses, language: str, *, blinded: bool, key: bytes | None
) -> tuple[str, str]:
    """How the arms were drawn, for the design paragraph: sealed, unsealed or open (with seed).

    An open trial's report says that anyone holding the protocol could predict the next arm;
    a blinded report without a blinding key says its letters are not concealed; after
    ``unseal`` a final report that is not blinded prints the secret, so readers can replay.
    """
    m = METHODS[language]
    protocol = analyses.protocol
    if not protocol.sealed:
        text = m["open"].format(seed=protocol.seed)
    else:
        text = m["unsealed" if analyses.unsealed else "sealed"]
    notes = ""
    if analyses.kind is ReportKind.FINAL and analyses.unsealed_secret is not None and not blinded:
        notes += m["secret"].format(secret=analyses.unsealed_secret)
    if blinded and key is None:
        notes += m["blind_open"]
    return text, notes
