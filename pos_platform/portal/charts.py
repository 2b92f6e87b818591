"""Small bar charts drawn on the server as SVG: no script, no style, a few hundred bytes.

A charting library would bring a script (and inline styles that the CSP forbids) for what is a
row of rectangles; the figures behind every chart are on the same page as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

WIDTH, HEIGHT, BOTTOM = 320, 150, 14


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    tick: str  # the axis label under the bar ("" for none)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    baseline: int
    title: str
    top: str  # the largest value, labelled at the top of the axis


def bar_chart(
    points: Sequence[tuple[str, Decimal | int, str]],
    *,
    title: str,
    fmt: Any = str,
    tick_every: int = 1,
) -> Chart:
    """``points``: (label, value, tick) in order; ``fmt`` formats a value for its tooltip."""
    values = [max(Decimal(v), Decimal(0)) for _, v, _ in points]
    peak = max(values, default=Decimal(0)) or Decimal(1)
    slot = WIDTH / max(len(points), 1)
    plot = HEIGHT - BOTTOM
    bars = []
    for index, ((label, raw, tick), value) in enumerate(zip(points, values, strict=True)):
        height = float(value / peak) * (plot - 4)
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.1, 1),
                y=round(plot - height, 1),
                width=round(slot * 0.8, 1),
                height=round(height, 1),
                label=label,
                value=fmt(raw),
                tick=tick if index % tick_every == 0 else "",
            )
        )
    return Chart(
        bars=bars, width=WIDTH, height=HEIGHT, baseline=plot, title=title, top=fmt(max(values, default=0))
    )
