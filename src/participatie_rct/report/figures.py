"""The report's figures, drawn with plotnine and written as byte-stable SVG.

Every figure has a fixed size, font (DejaVu Sans, shipped with matplotlib) and style, and is
saved with matplotlib's ``svg.hashsalt`` fixed and without a creation date, so the same data
give the same bytes (the committed example report is compared byte for byte). Text stays
text in the SVG (``svg.fonttype = none``): smaller files that remain searchable. Labels come
in already translated (and blinded); this module knows nothing of languages or arms.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

#: Width and height of every figure, inches.
SIZE = (7.0, 3.8)

#: Colours for arms in order (Okabe-Ito palette, readable for colour-blind readers).
PALETTE = ("#555555", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442")

_RC: dict[str, Any] = {
    "svg.hashsalt": "participatie-rct",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "path.simplify": False,
}


def svg_bytes(plot: object) -> bytes:
    """Render a plotnine plot to SVG bytes that do not change between runs."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        figure = plot.draw()  # type: ignore[attr-defined]
        figure.set_size_inches(*SIZE)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "participatie-rct"})
        plt.close(figure)
    return buffer.getvalue()


def _theme() -> Any:
    import plotnine as p9

    return p9.theme_minimal(base_size=10, base_family="DejaVu Sans") + p9.theme(
        legend_position="bottom",
        legend_title=p9.element_blank(),
        figure_size=SIZE,
        plot_background=p9.element_rect(fill="white", color="white"),
    )


def colours(labels: Sequence[str]) -> dict[str, str]:
    """A fixed colour per label, in order, so an arm has the same colour in every figure."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


def month_breaks(last: float) -> list[int]:
    """Whole-month ticks from 0 to ``last``: every 3 months up to two years, else every 6."""
    step = 3 if last <= 24 else 6
    return list(range(0, int(last) + step, step))


def point_tick(value: float) -> str:
    """A tick in percentage points with its sign; zero is ``0``, never ``+0``."""
    points = round(100 * value)
    return "0" if points == 0 else f"{points:+d}".replace("-", "−")


def intake_figure(
    intake: pd.DataFrame,
    *,
    x_label: str,
    y_label: str,
    date_label: Callable[[Any], str] | None = None,
) -> bytes:
    """Cumulative number assigned per site over time (``month``, ``site``, ``cumulative``).

    ``date_label`` writes a tick's date in the report's language (the caller's words).
    """
    import plotnine as p9

    sites = list(dict.fromkeys(intake["site"]))
    data = intake.assign(site=pd.Categorical(intake["site"], categories=sites))
    plot = (
        p9.ggplot(data, p9.aes("month", "cumulative", color="site"))
        + p9.geom_step(size=0.9)
        + p9.geom_point(size=1.2)
        + p9.scale_color_manual(values=colours(sites))
        + (
            p9.scale_x_datetime(labels=lambda v: [date_label(x) for x in v])
            if date_label is not None
            else p9.scale_x_datetime()
        )
        + p9.labs(x=x_label, y=y_label)
        + _theme()
    )
    return svg_bytes(plot)


def outflow_figure(
    curves: pd.DataFrame,
    arm_labels: Mapping[str, str],
    *,
    x_label: str,
    y_label: str,
    facet: str | None = None,
    facet_order: Sequence[str] = (),
) -> bytes:
    """Cumulative incidence per arm with 95% bands.

    ``curves`` has columns ``arm``, ``month``, ``cumulative_incidence``, ``ci_low``, ``ci_high``.

    ``facet`` names a column (such as the cause of exit) to draw in side-by-side panels, in
    ``facet_order``.
    """
    import plotnine as p9

    labels = list(arm_labels.values())
    data = curves.assign(group=pd.Categorical(curves["arm"].map(arm_labels), categories=labels))
    if facet is not None and facet_order:
        data[facet] = pd.Categorical(data[facet], categories=list(facet_order))
    plot = (
        p9.ggplot(data, p9.aes("month", "cumulative_incidence", color="group", fill="group"))
        + p9.geom_ribbon(p9.aes(ymin="ci_low", ymax="ci_high"), alpha=0.12, color="none")
        + p9.geom_step(size=0.9)
        + p9.scale_color_manual(values=colours(labels))
        + p9.scale_fill_manual(values=colours(labels))
        + p9.scale_y_continuous(labels=lambda v: [f"{100 * x:.0f}%" for x in v])
        + p9.scale_x_continuous(breaks=month_breaks(float(curves["month"].max())))
        + p9.labs(x=x_label, y=y_label)
        + _theme()
    )
    if facet is not None:
        plot = plot + p9.facet_wrap(f"~{facet}")
    return svg_bytes(plot)


def boundary_figure(
    points: pd.DataFrame,
    *,
    boundary: float,
    palette: Mapping[str, str],
    y_label: str,
    boundary_label: str,
) -> bytes:
    """Each arm's z statistic (columns ``label``, ``z``) against the boundary +-``boundary``."""
    import plotnine as p9

    labels = list(dict.fromkeys(points["label"]))
    data = points.assign(label=pd.Categorical(points["label"], categories=labels))
    reach = max(boundary, float(points["z"].abs().max())) * 1.15
    lines = pd.DataFrame({"y": [boundary, -boundary], "kind": [boundary_label, boundary_label]})
    plot = (
        p9.ggplot(data, p9.aes(x="label", y="z", color="label"))
        + p9.geom_hline(p9.aes(yintercept="y"), data=lines, linetype="dashed", color="#B22222")
        + p9.geom_hline(yintercept=0, color="#777777")
        + p9.geom_point(size=3.5)
        + p9.scale_color_manual(values={g: palette[g] for g in labels})
        + p9.scale_y_continuous(limits=(-reach, reach))
        + p9.labs(x="", y=y_label)
        + _theme()
        + p9.theme(legend_position="none")
    )
    return svg_bytes(plot)


def forest_figure(rows: pd.DataFrame, *, x_label: str, palette: Mapping[str, str]) -> bytes:
    """Forest plot: one line per ``label`` with ``estimate``, ``ci_low``, ``ci_high`` and ``group``.

    Estimates are proportions, drawn in percentage points.

    ``palette`` maps each group to its colour (the arm's colour in the other figures).
    """
    import plotnine as p9

    order = list(dict.fromkeys(rows["label"]))[::-1]
    groups = list(dict.fromkeys(rows["group"]))
    data = rows.assign(
        label=pd.Categorical(rows["label"], categories=order),
        group=pd.Categorical(rows["group"], categories=groups),
    )
    plot = (
        p9.ggplot(data, p9.aes(x="estimate", y="label", color="group"))
        + p9.geom_vline(xintercept=0, linetype="dashed", color="#777777")
        + p9.geom_errorbarh(p9.aes(xmin="ci_low", xmax="ci_high"), height=0.25)
        + p9.geom_point(size=2.2)
        + p9.scale_color_manual(values={g: palette[g] for g in groups})
        + p9.scale_x_continuous(labels=lambda v: [point_tick(float(x)) for x in v])
        + p9.labs(x=x_label, y="")
        + _theme()
    )
    return svg_bytes(plot)
