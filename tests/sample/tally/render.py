"""The stock as text lines."""

from __future__ import annotations

from tally.stats import levels, total


def render(stock: dict[str, int], *, show_levels: bool = False) -> str:
    if not stock:
        return "(no stock)"
    width = max(len(name) for name in stock)
    marks = levels(stock) if show_levels else {}
    lines = []
    for name in sorted(stock):
        line = f"{name:<{width}}  {stock[name]:>4}"
        if name in marks:
            line += f"  {marks[name]}"
        lines.append(line)
    lines.append(f"{'total':<{width}}  {total(stock):>4}")
    return "\n".join(lines)
