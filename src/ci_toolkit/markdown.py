"""Markdown for reports: escaping, tables, links, folding and size budgets.

Every piece of text that comes from outside (file paths, job names, titles) goes through
`escape` (prose) or `code` (a name shown exactly, as in every table) before it reaches a table,
an issue or a summary; a sentence of our own Markdown with outside parts in it is a `Message`.
No command formats Markdown by hand. GitHub's renderer (cmark-gfm) is the judge: rendered, an
outside text shows exactly as given, with no element, link or mention it did not ask for.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Literal

Unit = Literal["chars", "bytes"]
Kind = Literal["note", "tip", "important", "warning", "caution"]  # GitHub's five alerts

ISSUE_BODY_LIMIT = 65_536  # characters: GitHub answers 422 "body is too long" above this
SUMMARY_LIMIT = 1024 * 1024  # bytes: GitHub drops a step summary above 1 MiB

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
# Autolinks (GFM's extension) lose their power when the `:` of `://` or the `.` of `www.` is
# escaped; a line that starts with these is a block (heading, list item, setext underline).
_SCHEME = re.compile(r"(?<=[A-Za-z0-9]):(?=//)")
_WWW = re.compile(r"(www)\.", re.IGNORECASE)
_BLOCK_START = re.compile(r"^( *)(?:([#+=-])|(\d{1,9})([.)]))")
_WS = re.compile(r"[\r\n\t]+")
_TICKS = re.compile(r"`+")


def escape(text: object) -> str:
    """Make outside text inert prose: one line, no markup, no HTML, no link, no one pinged.

    Rendered, it shows exactly as given (line breaks and tabs become spaces), except that a
    zero-width space after `@` keeps GitHub from turning `@team` into a mention, both in the
    page and in the raw text of notification e-mails. `&` is escaped too, so an entity such as
    `&#64;` or `&lt;b&gt;` shows as typed instead of becoming an `@` or a tag.
    """
    value = _SPECIAL.sub(r"\\\1", _WS.sub(" ", str(text)))
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _WWW.sub(r"\1\\.", _SCHEME.sub(r"\\:", value))
    value = _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\{m[4]}",
                             value)
    return _MENTION.sub("@\u200b", value)


def code(text: object, *, in_table: bool = True) -> str:
    """Outside text as a code span: shown exactly as given, never markup, a link or a mention.

    The fence is one backtick longer than the longest run inside, padded where the text starts
    or ends with a backtick or a space (CommonMark strips one space each side). In a table cell
    (`in_table`, the default) `|` is escaped, as GFM requires even inside a code span; outside a
    table the backslash would show, so it is left as it is.
    """
    value = _WS.sub(" ", str(text))
    if in_table:
        value = value.replace("|", "\\|")
    if not value:
        return ""
    fence = "`" * (max((len(run) for run in _TICKS.findall(value)), default=0) + 1)
    padded = value.strip(" ") and (value[:1] in "` " or value[-1:] in "` ")
    pad = " " if padded else ""  # a span of spaces only is never stripped
    return f"{fence}{pad}{value}{pad}{fence}"


class Message:
    """A sentence of our own Markdown with outside parts kept apart.

    `Message("No file matches {} (set `files`).", pattern)`: `str()` of it is the plain text
    for logs and annotations; `.markdown` is the template as written (our backticks stay code)
    with each part escaped (a part that is a `Message` keeps its Markdown), so escaping applies
    to the outside text only. It is not a `str`, so the type checker refuses `message + "..."`
    (which would turn our words into outside text, escaped whole): add our own words with
    `then`, outside text with `Message("{}{}", message, text)`.
    """

    __slots__ = ("markdown", "plain")

    def __init__(self, template: str, *parts: object) -> None:
        self.plain = template.format(*parts)
        self.markdown = template.format(*(prose(part) for part in parts))

    @classmethod
    def _made(cls, plain: str, markdown: str) -> Message:
        made = cls.__new__(cls)
        made.plain, made.markdown = plain, markdown
        return made

    def then(self, more: str) -> Message:
        """This message followed by more of our own Markdown (no outside text in `more`)."""
        return self._made(self.plain + more, self.markdown + more)

    def replace(self, old: str, new: str) -> Message:
        """`old` (outside text, e.g. a secret) replaced by `new` in the plain text and the
        Markdown (where it may stand escaped)."""
        markdown = self.markdown.replace(old, new).replace(escape(old), new)
        return self._made(self.plain.replace(old, new), markdown)

    def rstrip(self, chars: str | None = None) -> Message:
        """Without trailing `chars` (both forms; the Markdown ends the same way)."""
        return self._made(self.plain.rstrip(chars), self.markdown.rstrip(chars))

    def __str__(self) -> str:
        return self.plain

    def __repr__(self) -> str:
        return f"Message({self.plain!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.plain, self.markdown) == (other.plain, other.markdown)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.plain, self.markdown))

    def __contains__(self, text: str) -> bool:
        return text in self.plain


Text = str | Message  # a line for the log or a report: outside text (a str) or our own words


class MessageError(Exception):
    """An error whose `message` is our words (a `Message`, its Markdown kept) or outside text;
    `str()` of it is the plain text."""

    def __init__(self, message: Text) -> None:
        super().__init__(str(message))
        self.message = message


def prose(text: object) -> str:
    """A `Message` as its Markdown; any other text as outside text, escaped."""
    return text.markdown if isinstance(text, Message) else escape(text)


def marker(kind: str, key: str) -> str:
    """A hidden HTML comment that finds "our" issue or comment again, keyed on `key`."""
    digest = hashlib.sha256(key.strip().encode("utf-8")).hexdigest()[:16]
    return f"<!-- ci-toolkit:{kind}:{digest} -->"


def fenced(lines: Iterable[str], info: str = "") -> str:
    """A fenced code block holding `lines` exactly: its backtick fence is longer than any run of
    backticks inside, so no line can close it (`info`: the language, e.g. `text`, `mermaid`)."""
    lines = list(lines)
    longest = max((len(run) for line in lines for run in _TICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n" + "\n".join(lines) + f"\n{fence}"


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


def callout(kind: Kind, markdown: str) -> str:
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


def truncate(text: str, limit: int, note: str, *, unit: Unit = "chars") -> str:
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


def size(text: str, unit: Unit = "chars") -> int:
    """Length in characters (GitHub's body limit) or UTF-8 bytes (the summary's)."""
    if unit == "chars":
        return len(text)
    if unit == "bytes":
        return len(text.encode("utf-8"))
    raise ValueError(f"unit must be 'chars' or 'bytes', not {unit!r}")


def lines_that_fit(lines: Sequence[str], budget: int, unit: Unit = "chars") -> int:
    """How many of `lines`, from the first, fit in `budget` once joined by newlines."""
    used, kept = -1, 0  # -1: no newline before the first line
    for line in lines:
        used += size(line, unit) + 1
        if used > budget:
            break
        kept += 1
    return kept
