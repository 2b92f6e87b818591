"""Draw the backend-memory curve of a ``bench/scale.py`` result as an SVG (no plotting library).

    python bench/plot_memory.py < result.json > docs/images/scale-backend-memory.svg

Reads the last JSON line with ``memory_recycle_off_curve_mib`` (one point per 500 shops served)
and ``memory_recycle_on_curve_mib``, and draws both against the number of shops served.
"""

from __future__ import annotations

import json
import sys

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 30, 50


def main() -> None:
    result = next(
        json.loads(line)
        for line in reversed(sys.stdin.read().splitlines())
        if line.startswith("{") and "memory_recycle_off_curve_mib" in line
    )
    off, on = result["memory_recycle_off_curve_mib"], result["memory_recycle_on_curve_mib"]
    shops = result["memory_shops"]
    step = shops / len(off)
    top = max(off) * 1.1
    x_scale = (WIDTH - LEFT - RIGHT) / shops
    y_scale = (HEIGHT - TOP - BOTTOM) / top

    def point(i: int, mib: float) -> str:
        return f"{LEFT + (i + 1) * step * x_scale:.1f},{HEIGHT - BOTTOM - mib * y_scale:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="18" font-size="14">One PostgreSQL backend\'s memory after one web worker '
        f"served N of {shops:,} shops</text>",
    ]
    for k in range(6):
        mib = top * k / 5
        y = HEIGHT - BOTTOM - mib * y_scale
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{mib:,.0f} MiB</text>')
    for k in range(6):
        n = shops * k / 5
        x = LEFT + n * x_scale
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{n:,.0f}</text>')
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 10}" text-anchor="middle">shops served</text>'
    )
    for curve, colour, label in (
        (off, "#c0392b", "no recycling"),
        (on, "#1e7b34", f"POS_DB_RECYCLE_AFTER_SCHEMAS={result['recycle_after_schemas']}"),
    ):
        points = " ".join(point(i, mib) for i, mib in enumerate(curve))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        last = point(len(curve) - 1, curve[-1]).split(",")
        parts.append(
            f'<text x="{float(last[0]) - 4}" y="{float(last[1]) - 8}" text-anchor="end" fill="{colour}">'
            f"{label}: {curve[-1]:,.1f} MiB</text>"
        )
    parts.append("</svg>")
    sys.stdout.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
