"""Markdown for reports: escaping, tables, links, folding and size budgets.

Every piece of text that comes from outside (file paths, job names, titles) goes through
`escape` before it reaches a table, an issue or a summary. No command formats Markdown by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

ISSUE_BODY_LIMIT = 65_536  # characters: GitHub answers 422 "body is too long" above this
SUMMARY_LIMIT = 1024 * 1024  # bytes: GitHub drops a step summary above 1 MiB

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
_WS = re.compile(r"[\r\n\t]+")
_TICKS = re.compile(r"`+")


def escape(text: object) -> str:
    """Make outside text inert: one line, no markup, no HTML, and no one pinged.

    A zero-width space after `@` keeps GitHub from turning `@team` into a mention, both in the
    rendered page and in the raw text of notification e-mails.
    """
    value = _WS.sub(" ", str(text))
    value = _SPECIAL.sub(r"\\\1", value)
    value = value.replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u200b", value)


def code(text: object) -> str:
    """Outside text as a code span: shown exactly as given, never markup, a link or a mention.

    The fence is one backtick longer than the longest run inside, padded where the text starts
    or ends with a backtick or a space (CommonMark strips one space each side). `|` is escaped,
    as GFM requires inside a table cell, so the span is safe in a table and out of one.
    """
    value = _WS.sub(" ", str(text)).replace("|", "\\|")
    if not value:
        return ""
    fence = "`" * (max((len(run) for run in _TICKS.findall(value)), default=0) + 1)
    pad = " " if value[:1] in "` " or value[-1:] in "` " else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def link(text: object, url: str | None) -> str:
    """A link with escaped text; plain escaped text when there is no URL."""
    label = escape(text)
    if not url:
        return label
    return f"[{label}]({url.replace(' ', '%20').replace(')', '%29')})"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> str:
    """A pipe table. Cells are already Markdown (escape outside text first).

    `align` holds one character per column: `l`, `r` or `c` (default left).
    """
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    spec = align.ljust(len(headers), "l")
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(marks[a] for a in spec[: len(headers)]) + " |",
    ]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def heading(text: object, level: int = 3) -> str:
    """A heading whose text is outside text (a title from a workflow input), escaped."""
    return f"{'#' * level} {escape(text)}"


def callout(kind: str, markdown: str) -> str:
    """A GitHub alert (`note`, `warning`, …). Every line is quoted, so none can leave it.

    `markdown` is already Markdown: escape outside text first (an error message included).
    """
    lines = markdown.splitlines() or [""]
    return f"> [!{kind.upper()}]\n" + "\n".join(f"> {line}".rstrip() for line in lines)


def details(summary: str, body: str) -> str:
    """A folded section; the blank lines let GitHub render Markdown inside it."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def percent(value: float | None) -> str:
    """A percentage with two decimals, or an em dash when there is none."""
    return "—" if value is None else f"{value:.2f}%"


def truncate(text: str, limit: int, note: str, *, unit: str = "chars") -> str:
    """Cut `text` to `limit` characters (or UTF-8 bytes) at a line boundary, ending with `note`.

    Cutting at a line keeps every table row that survives whole; the note says what was cut.
    """
    if size(text, unit) <= limit:
        return text
    tail = f"\n\n{callout('note', note)}\n"
    budget = limit - size(tail, unit)
    if budget <= 0:
        return tail.strip()[:limit]
    lines = text.split("\n")
    return "\n".join(lines[:lines_that_fit(lines, budget, unit)]).rstrip() + tail


def size(text: str, unit: str = "chars") -> int:
    """Length in characters (GitHub's body limit) or UTF-8 bytes (the summary's)."""
    return len(text) if unit == "chars" else len(text.encode("utf-8"))


def lines_that_fit(lines: Sequence[str], budget: int, unit: str = "chars") -> int:
    """How many of `lines`, from the first, fit in `budget` once joined by newlines."""
    used, kept = -1, 0  # -1: no newline before the first line
    for line in lines:
        used += size(line, unit) + 1
        if used > budget:
            break
        kept += 1
    return kept
