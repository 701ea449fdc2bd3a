"""The sections of a report, one module each.

:func:`~participatie_rct.report.context.build_context` gathers the inputs and calls them in
order. Each section turns analysis results into printed text (translated, blinded where asked
and disclosure-checked) and adds its entries to the report's ``values`` and ``figures``.
"""
