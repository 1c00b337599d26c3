"""The bulk-issues spec: Markdown text → the issues it plans. Pure: no I/O, no GitHub.

    ## Title of the first issue
    Labels: ci, tech-debt
    The body, any Markdown (``` and ~~~ fences may hold `##` lines: they stay body text).

    ## Title of the second issue
    ...

The spec is read as CommonMark (and so GitHub) reads it: an issue starts at each level-2 ATX
heading (`## Title`, after at most three spaces; an optional closing run of `#` dropped) of the
top level. A `##` line inside fenced or indented code, an HTML block (`<details>` up to its blank
line, `<pre>` up to `</pre>`), an HTML comment (a commented-out plan), a block quote or a list
item is body text. A byte-order mark is ignored; lines end at `\\n`, `\\r\\n` or `\\r` only.
`###` and deeper headings, and setext underlines, are body text.

The lines right under a title (`FIELDS`, in any order) say more about the issue; the rest, up
to the next issue, is its body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

TITLE_LIMIT = 256  # GitHub answers 422 for a longer issue title
LABEL_LIMIT = 50  # GitHub answers 422 for a longer label name
ASSIGNEE_LIMIT = 10  # GitHub assigns at most 10 people to an issue
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,38})")
_PARENT_NUMBER = re.compile(r"#(?P<number>[1-9][0-9]*)")

FORMAT = (
    "each issue starts with a line `## Title`; the lines right under it may say `Labels: a, b`, "
    "`Assignees: @a, b`, `Milestone: <title>` and `Parent: #12` or `Parent: <another title>`, "
    "in any order; the rest, up to the next `## ` line, is its body (`##` inside ``` or ~~~ "
    "fences, HTML comments and HTML blocks stays body text)"
)

_LINE_END = re.compile(r"\r\n|\r|\n")  # CommonMark's line endings, and only these
_HEADING = re.compile(r" {0,3}##(?=[ \t]|$)(?P<text>.*)")
_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
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
    """The 0-based indexes of the lines that are top-level `##` headings.

    A top-level fence that is never closed and hides a `##` line is an error: the user almost
    surely forgot to close it.
    """
    blocks = Blocks()
    found: list[int] = []
    opened = hidden = None  # the open top-level fence's first line, a `##` line inside it
    for number, line in enumerate(lines):
        if blocks.feed(line.expandtabs(4)) and _HEADING.match(line):
            found.append(number)
        if not isinstance(fence := blocks.open_fence(), _Fence):
            opened = hidden = None
        elif opened is None:
            opened = number
        elif hidden is None and _HEADING.match(line):
            hidden = number
    if opened is not None and hidden is not None and isinstance(fence, _Fence):
        raise SpecError(opened + 1, f"this code fence is never closed, so the `##` heading on "
                                    f"line {hidden + 1} and all after it would be body text; "
                                    f"close it with {fence.run}.")
    return found


def _split(lines: list[str]) -> list[tuple[int, str, list[str]]]:
    """(heading line number, heading text, body lines) per section; text before the first
    heading is dropped."""
    starts = headings(lines)
    sections = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=False):
        match = _HEADING.match(lines[start])
        assert match is not None
        sections.append((start + 1, match["text"], lines[start + 1:end]))
    return sections


# --- fields: the lines right under a title ---------------------------------------------------

FIELDS = ("labels", "assignees", "milestone", "parent")  # keys of the lines under a title


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


def _issue(line: int, heading: str, lines: list[str]) -> PlannedIssue:
    title = _CLOSING.sub("", heading.strip()).strip()
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
                        milestone=_milestone(fields.get("milestone")),
                        parent=_parent(fields.get("parent")),
                        lines={key: found.line for key, found in fields.items()})


def _assignees(found: Field | None) -> tuple[str, ...]:
    if found is None:
        return ()
    logins = tuple(dict.fromkeys(
        name.strip().lstrip("@") for name in found.value.split(",") if name.strip()))
    for login in logins:
        if not _LOGIN.fullmatch(login):
            raise SpecError(found.line, f"{login!r} is not a GitHub login (`Assignees: @a, b`).")
    if not logins:
        raise SpecError(found.line, "`Assignees:` names no one (`Assignees: @a, b`).")
    if len(logins) > ASSIGNEE_LIMIT:
        raise SpecError(found.line, f"{len(logins)} assignees; GitHub assigns at most "
                                    f"{ASSIGNEE_LIMIT} to an issue.")
    return logins


def _milestone(found: Field | None) -> str:
    if found is not None and not found.value:
        raise SpecError(found.line, "`Milestone:` names no milestone (`Milestone: <title>`).")
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


# --- CommonMark's block structure, as far as a top-level heading needs it ----------------------

_INDENT = re.compile(r" *")
_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(?P<run>`{3,}|~{3,})(?P<info>.*)")
_BREAK = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_QUOTE = re.compile(r" {0,3}> ?")
_ITEM = re.compile(r"(?P<indent> {0,3})(?P<marker>[-+*]|(?P<number>\d{1,9})[.)])(?=[ \t]|$)")
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h1|h2|h3|h4|h5|h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|"
    "noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|"
    "thead|title|tr|track|ul")
_ATTRIBUTE = r"""(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)"""
# CommonMark's seven kinds of HTML block: how one starts, and the text that ends it (None: a
# blank line ends it). The seventh (any other complete tag alone on its line) cannot
# interrupt a paragraph.
_HTML_BLOCKS: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...] = (
    (re.compile(r" {0,3}<(?:script|pre|style|textarea)(?:\s|>|$)", re.I),
     re.compile(r"</(?:script|pre|style|textarea)>", re.I)),
    (re.compile(r" {0,3}<!--"), re.compile(r"-->")),
    (re.compile(r" {0,3}<\?"), re.compile(r"\?>")),
    (re.compile(r" {0,3}<![A-Za-z]"), re.compile(r">")),
    (re.compile(r" {0,3}<!\[CDATA\["), re.compile(r"\]\]>")),
    (re.compile(rf" {{0,3}}</?(?:{_BLOCK_TAGS})(?:\s|/?>|$)", re.I), None),
    (re.compile(rf" {{0,3}}(?:<[A-Za-z][A-Za-z0-9-]*{_ATTRIBUTE}*\s*/?>|</[A-Za-z][A-Za-z0-9-]*"
                rf"\s*>)\s*$"), None),
)
_PARAGRAPH, _CODE = "paragraph", "indented code"


@dataclass
class _Fence:
    run: str


@dataclass
class _Html:
    end: re.Pattern[str] | None


@dataclass
class Blocks:
    """The open blocks of one container (the document, a block quote, a list item).

    `feed` takes the container's lines one at a time (tabs expanded) and says whether the line
    is an ATX heading of this container itself. Only what decides that is modelled: the leaf
    block that is open (a paragraph, which lazy lines continue; a fence; an HTML block;
    indented code) and the one open child container, whose own lines never reach this level.
    """

    leaf: str | _Fence | _Html | None = None
    quote: Blocks | None = None
    item: tuple[int, Blocks] | None = None  # (content column, its blocks)
    item_blank: bool = False  # the open item has had no content yet

    def lazy(self) -> bool:
        """The innermost open block is a paragraph, which a lazy line may continue."""
        if self.quote is not None:
            return self.quote.lazy()
        if self.item is not None:
            return self.item[1].lazy()
        return self.leaf == _PARAGRAPH

    def open_fence(self) -> _Fence | None:
        """The fence open at this very level, if any."""
        return self.leaf if isinstance(self.leaf, _Fence) else None

    def feed(self, line: str) -> bool:
        if self._in_child(line) or self._in_leaf(line):
            return False
        return self._start(line)

    def _in_child(self, line: str) -> bool:
        """The line belongs to the open block quote or list item (and goes there)."""
        blank = not line.strip()
        if self.quote is not None:
            if quoted := _QUOTE.match(line):
                self.quote.feed(line[quoted.end():])
                return True
            if not blank and self.quote.lazy() and not _interrupts(line):
                self.quote.feed(line)
                return True
            self.quote = None
        if self.item is not None:
            column, inner = self.item
            if blank and self.item_blank:
                self.item = None  # an item may start with at most one blank line
                return True
            if blank or _indent(line) >= column:
                self.item_blank = self.item_blank and blank
                inner.feed(line[column:] if not blank else "")
                return True
            if inner.lazy() and not _interrupts(line):
                inner.feed(line)
                return True
            self.item = None
        return False

    def _in_leaf(self, line: str) -> bool:
        """The line continues the open leaf block (or ends it and is consumed)."""
        leaf, blank = self.leaf, not line.strip()
        if isinstance(leaf, _Fence):
            if _closes(leaf.run, line):
                self.leaf = None
            return True
        if isinstance(leaf, _Html):
            if (blank if leaf.end is None else leaf.end.search(line)):
                self.leaf = None
            return True
        if leaf == _CODE and (blank or _indent(line) >= 4):
            return True
        if leaf == _PARAGRAPH:
            if blank or _SETEXT.match(line):
                self.leaf = None
                return True
            if not _interrupts(line):
                return True
        self.leaf = None
        return False

    def _start(self, line: str) -> bool:
        """A line that starts a block of this container; True for an ATX heading."""
        if not line.strip():
            return False
        if _indent(line) >= 4:
            self.leaf = _CODE
        elif _ATX.match(line):
            return True
        elif opened := _opens(line):
            self.leaf = _Fence(opened)
        elif html := _html_start(line, after_paragraph=False):
            start, end = html
            done = end is not None and end.search(line, start)
            self.leaf = None if done else _Html(end)
        elif _BREAK.match(line):
            pass
        elif quoted := _QUOTE.match(line):
            self.quote = Blocks()
            self.quote.feed(line[quoted.end():])
        elif item := _item(line):
            column, content = item
            self.item, self.item_blank = (column, Blocks()), not content.strip()
            self.item[1].feed(content)
        else:
            self.leaf = _PARAGRAPH
        return False


def _indent(line: str) -> int:
    match = _INDENT.match(line)
    return match.end() if match else 0


def _opens(line: str) -> str | None:
    match = _FENCE.match(line)
    if match is None or (match["run"][0] == "`" and "`" in match["info"]):
        return None  # a backtick fence's info string may not hold a backtick (CommonMark)
    return match["run"]


def _closes(run: str, line: str) -> bool:
    stripped = line.strip()
    return (_indent(line) <= 3 and len(stripped) >= len(run)
            and stripped == run[0] * len(stripped))


def _html_start(line: str, *, after_paragraph: bool) -> tuple[int, re.Pattern[str] | None] | None:
    """(where the start ends, the end condition) when the line starts an HTML block."""
    kinds = _HTML_BLOCKS[:-1] if after_paragraph else _HTML_BLOCKS
    for start, end in kinds:
        if match := start.match(line):
            return match.end(), end
    return None


def _item(line: str) -> tuple[int, str] | None:
    """(content column, first line's content) when the line starts a list item."""
    match = _ITEM.match(line)
    if match is None:
        return None
    after = match.end()
    rest = line[after:]
    spaces = _indent(rest)
    if not rest.strip():
        return after + 1, ""
    if spaces > 4:  # the content is indented code: the item's column is one space in
        return after + 1, rest[1:]
    return after + spaces, rest[spaces:]


def _interrupts(line: str) -> bool:
    """The line starts a block even right after a paragraph (else it continues it)."""
    if not line.strip() or _indent(line) >= 4:
        return False
    if _ATX.match(line) or _opens(line) or _BREAK.match(line) or _QUOTE.match(line):
        return True
    if _html_start(line, after_paragraph=True):
        return True
    item = _ITEM.match(line)
    if item is None or not line[item.end():].strip():
        return False  # an empty list item cannot interrupt a paragraph
    return item["number"] is None or int(item["number"]) == 1
