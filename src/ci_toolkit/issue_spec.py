"""The bulk-issues spec: Markdown text → the issues it plans. Pure: no I/O, no GitHub.

    ## Title of the first issue
    Labels: ci, tech-debt
    The body, any Markdown (``` and ~~~ fences may hold `##` lines: they stay body text).

    ## Title of the second issue
    ...

Headings follow CommonMark: `##` after at most three spaces, then a space or the end of the
line; an optional closing run of `#` is dropped. `###` and deeper headings are body text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

TITLE_LIMIT = 256  # GitHub answers 422 for a longer issue title

FORMAT = (
    "each issue starts with a line `## Title`; an optional first line `Labels: a, b` gives its "
    "labels; the rest, up to the next `## ` line, is its body (`##` inside ``` or ~~~ fences "
    "stays body text)"
)

_HEADING = re.compile(r" {0,3}##(?=[ \t]|$)(?P<text>.*)")
_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_FENCE = re.compile(r" {0,3}(?P<run>`{3,}|~{3,})(?P<info>.*)")
_LABELS = re.compile(r"labels[ \t]*:(?P<names>.*)", re.IGNORECASE)


class SpecError(ValueError):
    """A spec the action cannot read; `line` is 1-based, 0 when it is about the whole text."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class PlannedIssue:
    title: str
    labels: tuple[str, ...]
    body: str
    line: int  # where its `## ` heading is, for messages


def unique_labels(names: Iterable[str]) -> tuple[str, ...]:
    """Trimmed, empty ones dropped, de-duplicated ignoring case (GitHub labels ignore case)."""
    seen: dict[str, str] = {}
    for name in names:
        name = name.strip()
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return tuple(seen.values())


def parse(text: str) -> list[PlannedIssue]:
    """Every issue of the spec, in order. Raises SpecError naming the line at fault."""
    sections = _split(text.splitlines())
    if not sections:
        raise SpecError(0, f"no issue found: {FORMAT}.")
    issues = [_issue(line, heading, body) for line, heading, body in sections]
    _check_unique(issues)
    return issues


def _split(lines: list[str]) -> list[tuple[int, str, list[str]]]:
    """(heading line number, heading text, body lines) per section; text before the first
    heading is dropped. A fence swallowing the rest of the text is an error if it hides a
    heading, since the user almost surely forgot to close it."""
    sections: list[tuple[int, str, list[str]]] = []
    fence: tuple[str, int] | None = None  # (opening run, line) while inside a fenced block
    hidden: int | None = None  # first heading-looking line inside the open fence
    for number, line in enumerate(lines, start=1):
        if fence is not None:
            if _closes(fence[0], line):
                fence, hidden = None, None
            elif hidden is None and _HEADING.match(line):
                hidden = number
        elif (opened := _opens(line)) is not None:
            fence = (opened, number)
        elif match := _HEADING.match(line):
            sections.append((number, match["text"], []))
            continue
        if sections:
            sections[-1][2].append(line)
    if fence is not None and hidden is not None:
        raise SpecError(fence[1], f"this code fence is never closed, so the `##` heading on line "
                                  f"{hidden} and all after it would be body text; close it with "
                                  f"{fence[0]}.")
    return sections


def _opens(line: str) -> str | None:
    match = _FENCE.match(line)
    if match is None or (match["run"][0] == "`" and "`" in match["info"]):
        return None  # a backtick fence's info string may not hold a backtick (CommonMark)
    return match["run"]


def _closes(run: str, line: str) -> bool:
    stripped = line.strip()
    return (len(line) - len(line.lstrip(" ")) <= 3 and len(stripped) >= len(run)
            and stripped == run[0] * len(stripped))


def _issue(line: int, heading: str, lines: list[str]) -> PlannedIssue:
    title = _CLOSING.sub("", heading.strip()).strip()
    if not title:
        raise SpecError(line, "the `##` heading has no title.")
    if len(title) > TITLE_LIMIT:
        raise SpecError(line, f"the title is {len(title)} characters long; GitHub allows "
                              f"{TITLE_LIMIT}.")
    labels: tuple[str, ...] = ()
    first = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first is not None and (match := _LABELS.fullmatch(lines[first].strip())):
        labels = unique_labels(match["names"].split(","))
        lines = lines[first + 1:]
    return PlannedIssue(title=title, labels=labels, body=_trim(lines), line=line)


def _trim(lines: list[str]) -> str:
    """Blank lines dropped at both ends; the first line's indent kept (it may be code)."""
    start = next((i for i, text in enumerate(lines) if text.strip()), len(lines))
    return "\n".join(lines[start:]).rstrip()


def _check_unique(issues: list[PlannedIssue]) -> None:
    first: dict[str, int] = {}
    for issue in issues:
        if issue.title in first:
            raise SpecError(issue.line, f"the title {issue.title!r} is also on line "
                                        f"{first[issue.title]}; each issue is found again by "
                                        "its title, so titles must be unique.")
        first[issue.title] = issue.line
