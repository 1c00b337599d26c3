"""The trend of the kept totals: a Mermaid chart for the issue body, a sparkline for comments.

The body is read on GitHub, which renders Mermaid `xychart-beta`; comments also go out as
notification e-mails, which show raw text, so they get one line of Unicode bars instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ci_toolkit.coverage_soft_gate.history import Point
from ci_toolkit.markdown import fenced

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """One bar per value, scaled between the lowest and the highest (flat: all middle bars)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high - low < 0.005:  # equal at the 2 decimals we show
        return BARS[3] * len(values)
    top = len(BARS) - 1
    return "".join(BARS[round((v - low) / (high - low) * top)] for v in values)


def headline(points: Sequence[Point]) -> str:
    """`▃▅▆█ average 80.10% → 82.40% (+2.30) over the last 4 runs`, or a first-run note."""
    if not points:
        return ""
    last = points[-1]
    if len(points) == 1:
        return f"Trend: first recorded run, average {last.average:.2f}%."
    values = [p.average for p in points]
    change = last.average - points[0].average
    return (f"Trend: {sparkline(values)} average {points[0].average:.2f}% → {last.average:.2f}% "
            f"({change:+.2f}) over the last {len(points)} runs.")


# Mermaid draws no legend: the lines get these colours (GitHub's green, blue, red), and the
# caption names them with a square of each.
COLOURS = {"combined": ("#1a7f37", "🟩"), "average": ("#0969da", "🟦"), "worst": ("#cf222e", "🟥")}


def labels(points: Sequence[Point]) -> list[str]:
    """One x-axis label per run: its date and commit, and `#2`, `#3` for later runs of the
    same commit on the same day (Mermaid merges equal labels into one point)."""
    seen: dict[str, int] = {}
    out = []
    for p in points:
        base = f"{p.date[5:]} {p.sha[:7]}".strip() if p.sha else f"run {p.run_id}"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base} #{seen[base]}")
    return out


def chart(points: Sequence[Point]) -> str:
    """A Mermaid `xychart-beta` of combined, average and worst per run, oldest first, keyed by
    run (two runs of one commit are two points), with a legend below it."""
    if len(points) < 2:
        return ""
    series = [("average", [p.average for p in points]), ("worst", [p.worst for p in points])]
    combined = [p.combined for p in points]
    if all(c is not None for c in combined):
        series.insert(0, ("combined", [c for c in combined if c is not None]))
    low = min(v for _, values in series for v in values)
    floor = max(0, math.floor(low / 5) * 5 - 5)  # a little room below the lowest line
    palette = ", ".join(COLOURS[name][0] for name, _ in series)
    lines = [
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "' + palette + '"}}}}%%',
        "xychart-beta",
        f'    title "Coverage % over the last {len(points)} default-branch runs"',
        f"    x-axis [{', '.join(f'{chr(34)}{label}{chr(34)}' for label in labels(points))}]",
        f'    y-axis "coverage %" {floor} --> 100',
        *(f"    line [{', '.join(f'{v:.2f}' for v in values)}]" for _, values in series),
    ]
    legend = " · ".join(f"{COLOURS[name][1]} {name}" for name, _ in series)
    return fenced(lines, "mermaid") + f"\n\nLegend: {legend}."
