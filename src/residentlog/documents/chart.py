"""A small stacked bar chart of incidents per month, as inline SVG written by hand.

No plotting library and no JavaScript: the chart is plain SVG text that a browser, WeasyPrint
and a printer all draw the same way. One column per calendar month (months with nothing stay
in, as gaps, because "every month" is part of the story); each column is stacked by kind, in a
fixed order and colour, with the column's total above it. Every bar carries a ``<title>``
(``Jul 2019: 2 lift fault incidents``) and the whole chart a ``<title>`` and ``<desc>`` saying
the totals, for screen readers.

The colours are the Okabe-Ito palette, distinguishable with the common colour-vision
deficiencies; the totals above the columns and in the legend carry the numbers for a grey print.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

COLOURS: dict[str, str] = {
    "lift": "#0072B2",
    "door": "#E69F00",
    "asb": "#D55E00",
    "repair": "#009E73",
    "damp": "#56B4E9",
    "cctv": "#CC79A7",
    "service-charge": "#F0E442",
    "contact": "#999999",
    "complaint": "#000000",
    "note": "#BBBBBB",
}
_OTHER_COLOUR = "#777777"

# Geometry, in SVG user units (the chart scales to the width of the page).
WIDTH = 680
PLOT_TOP = 16
PLOT_HEIGHT = 190
LEFT = 40
RIGHT = 8
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"

Month = tuple[int, int]  # (year, month 1-12)


@dataclass(frozen=True)
class Series:
    """One kind: its key (``lift``), its label (``lift fault``) and its count in each month."""

    key: str
    label: str
    counts: Mapping[Month, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def month_range(first: Month, last: Month) -> list[Month]:
    """Every calendar month from ``first`` to ``last``, both included."""
    out = []
    year, month = first
    while (year, month) <= last:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


#: A run of more empty months than this is drawn as one narrow break in the axis, so a few
#: recent incidents do not squash years of earlier ones into a corner of the chart.
GAP_MONTHS = 12


def axis_months(first: Month, last: Month, active: Iterable[Month]) -> list[Month | None]:
    """The months along the axis, ``first`` to ``last``, with every run of more than
    :data:`GAP_MONTHS` months that have no incident replaced by one ``None`` (a break)."""
    busy = set(active)
    out: list[Month | None] = []
    empty: list[Month] = []
    for m in month_range(first, last):
        if m in busy:
            out += [None] if len(empty) > GAP_MONTHS else empty
            empty = []
            out.append(m)
        else:
            empty.append(m)
    return out + empty


def month_label(m: Month) -> str:
    return f"{MONTH_ABBR[m[1] - 1]} {m[0]}"


def nice_step(top: int) -> int:
    """A tick step giving at most about six ticks: 1, 2, 5, 10, 20, 50, ..."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= step * factor * 6:
                return step * factor
        step *= 10


def stacked_bars_svg(
    months: Sequence[Month | None],
    series: Sequence[Series],
    *,
    title: str,
    unit: str = "incidents",
    stacked: bool = True,
) -> str:
    """The chart: ``months`` along the bottom (``None``: a break in the axis, see
    :func:`axis_months`), ``series`` stacked in the given order, or side by side if not
    ``stacked`` (shares that must not add up). ``unit`` labels the vertical axis."""
    n = max(len(months), 1)
    if stacked:
        totals = [sum(s.counts.get(m, 0) for s in series) if m is not None else 0 for m in months]
    else:
        totals = [
            max((s.counts.get(m, 0) for s in series), default=0) if m is not None else 0 for m in months
        ]
    top = max(totals, default=0)
    step = nice_step(max(top, 1))
    y_max = max(step, -(-top // step) * step)
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / n
    bar_w = min(max(slot * 0.72, 1.0), 36.0)
    legend_rows = _legend_layout(series)
    label_y = PLOT_TOP + PLOT_HEIGHT + 12
    year_y = label_y + 13
    legend_y = year_y + 18
    height = legend_y + 16 * len(legend_rows) + 2

    def y_of(value: float) -> float:
        return PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * value / y_max

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height:g}" '
        f'width="100%" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family={quoteattr(FONT)} font-size="10">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(_describe(months, series))}</desc>',
    ]
    # Grid lines and the vertical axis.
    for tick in range(0, y_max + 1, step):
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{"#000" if tick == 0 else "#ccc"}" stroke-width="{1 if tick == 0 else 0.5}"/>'
        )
        parts.append(f'<text x="{LEFT - 4}" y="{y + 3.5:.1f}" text-anchor="end">{tick}</text>')
    parts.append(
        f'<text x="10" y="{PLOT_TOP + PLOT_HEIGHT / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 10 {PLOT_TOP + PLOT_HEIGHT / 2:.1f})">{escape(unit)}</text>'
    )
    parts.append(
        f'<line x1="{LEFT}" y1="{PLOT_TOP}" x2="{LEFT}" y2="{PLOT_TOP + PLOT_HEIGHT}" stroke="#000" '
        'stroke-width="1"/>'
    )
    # The bars, stacked from the bottom in series order.
    for i, m in enumerate(months):
        x = LEFT + slot * i + (slot - bar_w) / 2
        if m is None:
            continue
        base = 0
        width = bar_w if stacked else bar_w / max(len(series), 1)
        for j, s in enumerate(series):
            count = s.counts.get(m, 0)
            if not count:
                continue
            y_top, y_bottom = y_of(base + count), y_of(base)
            what = ("incident" if count == 1 else "incidents") if unit == "incidents" else unit
            left = x if stacked else x + width * j
            parts.append(
                f'<rect class="bar" data-kind={quoteattr(s.key)} data-month="{m[0]:04d}-{m[1]:02d}" '
                f'x="{left:.1f}" y="{y_top:.1f}" width="{width:.1f}" height="{y_bottom - y_top:.1f}" '
                f'fill="{colour(s.key)}" stroke="#fff" stroke-width="0.5">'
                f"<title>{escape(f'{month_label(m)}: {count} {s.label} {what}')}</title></rect>"
            )
            if stacked:
                base += count
        if totals[i] and slot >= 11 and stacked:
            parts.append(
                f'<text class="total" x="{x + bar_w / 2:.1f}" y="{y_of(totals[i]) - 3:.1f}" '
                f'text-anchor="middle" font-size="{8 if slot < 16 else 9}">{totals[i]}</text>'
            )
    parts += _month_labels(months, slot, label_y, year_y)
    parts += _legend(legend_rows, legend_y)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def colour(key: str) -> str:
    return COLOURS.get(key, _OTHER_COLOUR)


def _describe(months: Sequence[Month | None], series: Sequence[Series]) -> str:
    shown = [m for m in months if m is not None]
    if not shown:
        return "No incidents."
    span = f"{month_label(shown[0])} to {month_label(shown[-1])}"
    if None in months:
        span += " (runs of more than a year with no incident are left out of the axis)"
    each = "; ".join(f"{s.label}: {s.total}" for s in series)
    return f"Incidents per month, {span}. Totals: {each}."


def _month_labels(months: Sequence[Month | None], slot: float, label_y: float, year_y: float) -> list[str]:
    """Month names (or initials, or none if the columns are too narrow) and the years beneath;
    a break in the axis as a dotted line and an ellipsis."""
    parts = []
    for i, m in enumerate(months):
        centre = LEFT + slot * (i + 0.5)
        if m is None:
            parts.append(
                f'<line class="axis-break" x1="{centre:.1f}" y1="{PLOT_TOP}" x2="{centre:.1f}" '
                f'y2="{PLOT_TOP + PLOT_HEIGHT}" stroke="#999" stroke-width="1" stroke-dasharray="3,3"/>'
            )
            parts.append(f'<text x="{centre:.1f}" y="{label_y:.1f}" text-anchor="middle">…</text>')
            continue
        year, month = m
        if slot >= 22:
            text = MONTH_ABBR[month - 1]
        elif slot >= 8:
            text = MONTH_ABBR[month - 1][0]
        else:
            text = ""
        if text:
            parts.append(f'<text x="{centre:.1f}" y="{label_y:.1f}" text-anchor="middle">{text}</text>')
        if i == 0 or month == 1 or months[i - 1] is None:
            x = LEFT + slot * i
            parts.append(
                f'<line x1="{x:.1f}" y1="{PLOT_TOP + PLOT_HEIGHT}" x2="{x:.1f}" y2="{year_y + 2:.1f}" '
                'stroke="#000" stroke-width="0.5"/>'
            )
            parts.append(f'<text x="{x + 3:.1f}" y="{year_y:.1f}" font-weight="bold">{year}</text>')
    return parts


def _legend_layout(series: Sequence[Series]) -> list[list[tuple[Series, float]]]:
    """Legend items in rows that fit the width: (series, x) pairs."""
    rows: list[list[tuple[Series, float]]] = [[]]
    x = float(LEFT)
    for s in series:
        width = 14 + 5.6 * len(_legend_text(s)) + 14
        if rows[-1] and x + width > WIDTH - RIGHT:
            rows.append([])
            x = float(LEFT)
        rows[-1].append((s, x))
        x += width
    return rows if rows[0] else []


def _legend_text(s: Series) -> str:
    return f"{s.label} ({s.total})"


def _legend(rows: list[list[tuple[Series, float]]], top: float) -> list[str]:
    parts = []
    for r, row in enumerate(rows):
        y = top + 16 * r
        for s, x in row:
            parts.append(
                f'<rect class="key" x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" '
                f'fill="{colour(s.key)}"/>'
            )
            parts.append(f'<text x="{x + 14:.1f}" y="{y:.1f}">{escape(_legend_text(s))}</text>')
    return parts
