"""Read stock lines such as `apples = 3  # crate 2`."""

from __future__ import annotations


class ParseError(ValueError):
    pass


def parse_line(line: str) -> tuple[str, int] | None:
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    name, sep, qty = text.partition("=")
    if not sep:
        raise ParseError(f"no '=' in {line!r}")
    name = name.strip()
    if not name:
        raise ParseError(f"no name in {line!r}")
    try:
        count = int(qty)
    except ValueError:
        raise ParseError(f"not a number: {qty.strip()!r}") from None
    if count < 0:
        raise ParseError(f"negative stock for {name}")
    return name, count


def parse(text: str) -> dict[str, int]:
    stock: dict[str, int] = {}
    for line in text.splitlines():
        item = parse_line(line)
        if item is None:
            continue
        name, count = item
        stock[name] = stock.get(name, 0) + count
    return stock
