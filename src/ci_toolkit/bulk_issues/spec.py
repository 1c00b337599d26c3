"""The bulk-issues spec: Markdown text → the issues it plans. Pure: no I/O, no GitHub.

    ## Title of the first issue
    Labels: ci, tech-debt
    The body, any Markdown (``` and ~~~ fences may hold `##` lines: they stay body text).

    ## Title of the second issue
    ...

The spec is read as CommonMark (and so GitHub) reads it, by markdown-it-py: an issue starts at
each level-2 ATX heading (`## Title`, after at most three spaces; an optional closing run of `#`
dropped) of the top level. A `##` line inside fenced or indented code, an HTML block
(`<details>` up to its blank line, `<pre>` up to `</pre>`), an HTML comment (a commented-out
plan), a block quote or a list item is body text. A byte-order mark is ignored; lines end at
`\\n`, `\\r\\n` or `\\r` only.
`###` and deeper headings, and setext underlines, are body text.

The lines right under a title (`FIELDS`, in any order) say more about the issue; the rest, up
to the next issue, is its body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

TITLE_LIMIT = 256  # GitHub answers 422 for a longer issue title
LABEL_LIMIT = 50  # GitHub answers 422 for a longer label name
ASSIGNEE_LIMIT = 10  # GitHub assigns at most 10 people to an issue
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})")
# The Copilot coding agent, as an assignee: the login GitHub's assignment takes, and the names
# a plan may give it.
COPILOT = "copilot-swe-agent[bot]"
_COPILOT_NAMES = frozenset({"copilot", "copilot-swe-agent", COPILOT})
_PARENT_NUMBER = re.compile(r"#(?P<number>[1-9][0-9]*)")

FORMAT = (
    "each issue starts with a line `## Title`; the lines right under it may say `Labels: a, b`, "
    "`Assignees: @a, b` (`copilot`: the Copilot coding agent), `Milestone: <title>`, `Type: Bug` "
    "(an organization's issue type) and `Parent: #12` or `Parent: <another title>`, in any "
    "order; the rest, up to the next `## ` line, is its body (`##` inside ``` or ~~~ fences, "
    "HTML comments and HTML blocks stays body text)"
)

_LINE_END = re.compile(r"\r\n|\r|\n")  # CommonMark's line endings, and only these
_HEADING = re.compile(r" {0,3}##(?=[ \t]|$)")  # a `##` line, for the unclosed-fence check
_PARSER = MarkdownIt("commonmark")
_FIELD = re.compile(r"(?P<key>[A-Za-z][A-Za-z ]*?)[ \t]*:(?P<value>.*)")


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
    assignees: tuple[str, ...] = ()
    milestone: str = ""  # a milestone's title
    parent: int | str | None = None  # `Parent: #12` (a number) or another section's title
    type: str = ""  # `Type: Bug`: an issue type of the organization, by name
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # key -> its line


@dataclass(frozen=True)
class Field:
    """One `Key: value` line right under a title."""

    value: str
    line: int


def unique_labels(names: Iterable[str]) -> tuple[str, ...]:
    """Trimmed, empty ones dropped, de-duplicated ignoring case (GitHub labels ignore case)."""
    seen: dict[str, str] = {}
    for name in names:
        name = name.strip()
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return tuple(seen.values())


def check_label(name: str, where: str) -> None:
    """GitHub's limit on a label's name, checked before anything is written."""
    if len(name) > LABEL_LIMIT:
        raise ValueError(f"{where}: the label {name!r} is {len(name)} characters long; "
                         f"GitHub allows {LABEL_LIMIT}.")


def lines_of(text: str) -> list[str]:
    """The lines as CommonMark sees them: a leading byte-order mark dropped, split at `\\n`,
    `\\r\\n` and `\\r` only (never at U+2028, NEL or a form feed, as `str.splitlines` does)."""
    lines = _LINE_END.split(text.removeprefix("\ufeff"))
    return lines[:-1] if lines and lines[-1] == "" else lines


def parse(text: str) -> list[PlannedIssue]:
    """Every issue of the spec, in order. Raises SpecError naming the line at fault."""
    sections = _split(lines_of(text))
    if not sections:
        raise SpecError(0, f"no issue found: {FORMAT}.")
    issues = [_issue(line, heading, body) for line, heading, body in sections]
    _check_unique(issues)
    _check_parents(issues)
    return issues


def headings(lines: list[str]) -> list[int]:
    """The 0-based indexes of the lines that are top-level `##` headings."""
    return [start for start, _ in _headings(lines)]


def _headings(lines: list[str]) -> list[tuple[int, str]]:
    """(0-based line, title) of each top-level ATX `##` heading, as markdown-it-py (CommonMark)
    reads the lines; the title without its closing `#` run.

    A top-level fence that is never closed and hides a `##` line is an error: the user almost
    surely forgot to close it.
    """
    tokens = _PARSER.parse("\n".join(lines))
    found = []
    for index, token in enumerate(tokens):
        if token.level != 0 or token.map is None:
            continue
        if token.type == "heading_open" and token.tag == "h2" and token.markup == "##":
            found.append((token.map[0], tokens[index + 1].content))
        elif token.type == "fence":
            _check_closed(lines, token.map[0], token.map[1], token.markup)
    return found


def _check_closed(lines: list[str], start: int, end: int, run: str) -> None:
    """A fence that runs to the end of the text without its closing line, over a `##` line."""
    last = lines[end - 1] if end > start + 1 else ""
    closed = _closes(run, last)
    hidden = next((n for n in range(start + 1, end) if _HEADING.match(lines[n])), None)
    if end == len(lines) and not closed and hidden is not None:
        raise SpecError(start + 1, f"this code fence is never closed, so the `##` heading on "
                                   f"line {hidden + 1} and all after it would be body text; "
                                   f"close it with {run}.")


def _closes(run: str, line: str) -> bool:
    """The line closes a fence opened with `run` (CommonMark: the same character, at least as
    many, at most three spaces in, nothing after)."""
    stripped = line.strip()
    indent = len(line) - len(line.lstrip(" "))
    return (indent <= 3 and len(stripped) >= len(run)
            and stripped == run[0] * len(stripped))


def _split(lines: list[str]) -> list[tuple[int, str, list[str]]]:
    """(heading line number, title, body lines) per section; text before the first heading is
    dropped."""
    found = _headings(lines)
    starts = [start for start, _ in found]
    return [(start + 1, title, lines[start + 1:end])
            for (start, title), end in zip(found, [*starts[1:], len(lines)], strict=False)]


# --- fields: the lines right under a title ---------------------------------------------------

FIELDS = ("labels", "assignees", "milestone", "parent", "type")  # keys of the lines under a title


def _fields(lines: list[str], first: int) -> tuple[dict[str, Field], list[str]]:
    """The `Key: value` lines from the first non-blank line under the title (keys in
    `FIELDS`, each once, in any order), and the lines after them. `first` is the 1-based
    number of `lines[0]`."""
    found: dict[str, Field] = {}
    start = next((i for i, text in enumerate(lines) if text.strip()), len(lines))
    index = start
    while index < len(lines) and (match := _FIELD.fullmatch(lines[index].strip())):
        key = match["key"].lower()
        if key not in FIELDS:
            break
        if key in found:
            raise SpecError(first + index, f"a second `{match['key']}:` line (the first is "
                                           f"line {found[key].line}).")
        found[key] = Field(match["value"].strip(), first + index)
        index += 1
    return found, lines[index:] if found else lines


def _issue(line: int, title: str, lines: list[str]) -> PlannedIssue:
    if not title:
        raise SpecError(line, "the `##` heading has no title.")
    if len(title) > TITLE_LIMIT:
        raise SpecError(line, f"the title is {len(title)} characters long; GitHub allows "
                              f"{TITLE_LIMIT}.")
    fields, body = _fields(lines, line + 1)
    labels: tuple[str, ...] = ()
    if "labels" in fields:
        labels = unique_labels(fields["labels"].value.split(","))
        for name in labels:
            try:
                check_label(name, "Labels")
            except ValueError as exc:
                raise SpecError(fields["labels"].line, str(exc)) from None
    return PlannedIssue(title=title, labels=labels, body=_trim(body), line=line,
                        assignees=_assignees(fields.get("assignees")),
                        milestone=_named(fields.get("milestone"),
                                         "`Milestone:` names no milestone (`Milestone: <title>`)."),
                        parent=_parent(fields.get("parent")),
                        type=_named(fields.get("type"),
                                    "`Type:` names no issue type (`Type: Bug`)."),
                        lines={key: found.line for key, found in fields.items()})


def _assignees(found: Field | None) -> tuple[str, ...]:
    if found is None:
        return ()
    logins = tuple(dict.fromkeys(
        COPILOT if name.lower() in _COPILOT_NAMES else name
        for name in (item.strip().lstrip("@") for item in found.value.split(",")) if name))
    for login in logins:
        if login != COPILOT and not _LOGIN.fullmatch(login):
            raise SpecError(found.line, f"{login!r} is not a GitHub login (`Assignees: @a, b`).")
    if not logins:
        raise SpecError(found.line, "`Assignees:` names no one (`Assignees: @a, b`).")
    if len(logins) > ASSIGNEE_LIMIT:
        raise SpecError(found.line, f"{len(logins)} assignees; GitHub assigns at most "
                                    f"{ASSIGNEE_LIMIT} to an issue.")
    return logins


def _named(found: Field | None, empty: str) -> str:
    """A `Milestone:` or `Type:` line's name; `empty` says what an empty one lacks."""
    if found is not None and not found.value:
        raise SpecError(found.line, empty)
    return found.value if found else ""


def _parent(found: Field | None) -> int | str | None:
    if found is None:
        return None
    if not found.value:
        raise SpecError(found.line, "`Parent:` names no issue (`Parent: #12` or `Parent: <the "
                                    "title of another section>`).")
    number = _PARENT_NUMBER.fullmatch(found.value)
    return int(number["number"]) if number else found.value


def _check_parents(issues: list[PlannedIssue]) -> None:
    """A parent named by title is another section of this spec, and no section is its own
    ancestor (GitHub refuses a loop)."""
    by_title = {issue.title: issue for issue in issues}
    for issue in issues:
        if not isinstance(issue.parent, str):
            continue
        line = issue.lines["parent"]
        if issue.parent not in by_title:
            raise SpecError(line, f"the parent {issue.parent!r} is no section of this spec "
                                  "(`Parent: #12` names an existing issue).")
        seen, current = {issue.title}, by_title[issue.parent]
        while True:
            if current.title in seen:
                raise SpecError(line, f"{issue.title!r} would be its own ancestor (through "
                                      f"{current.title!r}).")
            seen.add(current.title)
            if not isinstance(current.parent, str):
                break
            current = by_title[current.parent]


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
