"""Figures over a stock: totals, the emptiest item, a level per item."""

from __future__ import annotations


def total(stock: dict[str, int]) -> int:
    return sum(stock.values())


def emptiest(stock: dict[str, int]) -> str | None:
    if not stock:
        return None
    return min(sorted(stock), key=stock.__getitem__)


def level(count: int, low: int = 5) -> str:
    if count == 0:
        return "out"
    elif count < low:
        return "low"
    return "ok"


def levels(stock: dict[str, int], low: int = 5) -> dict[str, str]:
    out = {}
    for name, count in stock.items():
        if count > 1000:
            raise ValueError(f"{name}: {count} is more than a shop holds")
        out[name] = level(count, low)
    return out
