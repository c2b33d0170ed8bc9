"""Inline SVG charts for a self-contained HTML page: stacked bars per day, a rate per day and
horizontal bars. No script, no external file; every text is escaped. Each chart is an image
with a title (role="img", aria-label); its figures are in a table beside it on the page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 36
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAX_DAY_LABELS = 10
INK, GRID = "#333", "#d9d9d9"


def day_label(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def nice_step(largest: float, ticks: int = 4) -> int:
    """The step of at most `ticks` whole-number gridlines above 0 that reach `largest`:
    1, 2 or 5 times a power of ten."""
    rough = max(largest / ticks, 1)
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= rough)


def _svg(label: str, body: list[str], height: int = HEIGHT) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}" '
        'font-family="system-ui, sans-serif" '
        f'font-size="12">' + "".join(body) + "</svg>"
    )


def _y(value: float, top: float) -> float:
    return TOP + PLOT_HEIGHT * (1 - value / top)


def _y_axis(top: float, step: float, unit: str = "") -> list[str]:
    lines = []
    value = 0.0
    while value <= top + 1e-9:
        y = _y(value, top)
        lines.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{value:g}{unit}</text>"
        )
        value += step
    return lines


def _x_axis(days: Sequence[dt.date]) -> list[str]:
    band = PLOT_WIDTH / len(days)
    every = math.ceil(len(days) / MAX_DAY_LABELS)
    return [
        f'<text x="{LEFT + band * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 18}" '
        f'text-anchor="middle" fill="{INK}">{escape(day_label(day))}</text>'
        for i, day in enumerate(days)
        if i % every == 0
    ]


def stacked_bars(
    label: str, days: Sequence[dt.date], series: Sequence[tuple[str, str, Sequence[int]]]
) -> str:
    """A bar per day, stacked from `series` (name, colour, one value per day)."""
    totals = [sum(values[i] for _, _, values in series) for i in range(len(days))]
    step = nice_step(max(totals, default=0))
    top = step * max(1, math.ceil(max(totals, default=0) / step))
    band = PLOT_WIDTH / len(days)
    body = _y_axis(top, step) + _x_axis(days)
    for i, day in enumerate(days):
        base = 0
        for name, colour, values in series:
            if not values[i]:
                continue
            y0, y1 = _y(base, top), _y(base + values[i], top)
            body.append(
                f'<rect x="{LEFT + band * (i + 0.15):.1f}" y="{y1:.1f}" '
                f'width="{band * 0.7:.1f}" height="{y0 - y1:.1f}" fill="{colour}">'
                f"<title>{escape(f'{day_label(day)}, {name}: {values[i]}')}</title></rect>"
            )
            base += values[i]
    return _svg(label, body)


def rate_line(
    label: str, days: Sequence[dt.date], rates: Sequence[tuple[int, int]], colour: str
) -> str:
    """The share of `rates` (part, whole) per day as a percentage; days with a whole of 0
    have no point."""
    band = PLOT_WIDTH / len(days)
    body = _y_axis(100, 25, "%") + _x_axis(days)
    points = [
        (LEFT + band * (i + 0.5), 100 * part / whole, day, part, whole)
        for i, (day, (part, whole)) in enumerate(zip(days, rates, strict=True))
        if whole
    ]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{_y(rate, 100):.1f}" for x, rate, *_ in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for x, rate, day, part, whole in points:
        title = f"{day_label(day)}: {rate:.0f}% ({part} of {whole})"
        body.append(
            f'<circle cx="{x:.1f}" cy="{_y(rate, 100):.1f}" r="4" fill="{colour}">'
            f"<title>{escape(title)}</title></circle>"
        )
    return _svg(label, body)


def horizontal_bars(label: str, items: Sequence[tuple[str, int]], colour: str) -> str:
    """One bar per item (text, value), its text above it and its value at its end."""
    row, largest = 40, max((value for _, value in items), default=1)
    body = []
    for i, (text, value) in enumerate(items):
        y = 8 + i * row
        width = (WIDTH - 60) * value / largest
        shown = text if len(text) <= 100 else text[:99] + "…"
        body.append(
            f'<text x="0" y="{y + 10}" fill="{INK}">{escape(shown)}</text>'
            f'<rect x="0" y="{y + 16}" width="{max(width, 2):.1f}" height="14" fill="{colour}"/>'
            f'<text x="{max(width, 2) + 6:.1f}" y="{y + 27}" fill="{INK}">{value}</text>'
        )
    return _svg(label, body, height=8 + row * max(len(items), 1))
