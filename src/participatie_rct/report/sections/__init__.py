"""The sections of a report, one module each.

:func:`~participatie_rct.report.context.build_context` calls them in order. Each section
receives analysis results (from :class:`~participatie_rct.report.analyses.ReportAnalyses`)
and the :class:`~participatie_rct.report.sections.common.View` (arm order and labels,
language, words), and returns a :class:`~participatie_rct.report.sections.common.Section`:
its own template values and figures, translated, blinded where asked and disclosure-checked.
No section reads what another wrote; an analysis that could not run becomes a sentence.
"""
