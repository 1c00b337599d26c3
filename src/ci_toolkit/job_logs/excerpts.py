"""The lines of a job's log that say why it failed, and how they are shown. Pure: no I/O.

A job's log, as GitHub serves it: every line starts with a timestamp
(`2026-01-15T10:00:05.1234567Z `), the file may start with a byte-order mark, colour codes are
left in, and each step begins with `##[group]Run <command>` … `##[endgroup]`, which wraps only
the step's header (its command, shell and env); the step's output follows. A step's name in the
API may differ from its header in the log (`name: Tests` runs as `Run pytest -q`), so the
failing step's section is found by time: the first `##[error]` line inside the step's time
window (from the jobs listing) ends the excerpt, and the excerpt is the lines before it in the
same section (after the last step header). Without a usable window (clocks in the wrong order,
no failed step), the first `##[error]` line of the log is taken, again with the last header
before it. Without an error line in the window, the last lines of the section whose header
falls in it; failing that, the log's first error line.

The log is read once, as it streams: memory holds at most `lines` lines (each capped), never
the log, and reading stops at the error line that ends the excerpt.
"""

from __future__ import annotations

import codecs
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ci_toolkit.markdown import Message, Text, details, fenced

MAX_LINE = 300  # characters of one excerpt line; the rest is cut with "…"
MAX_RAW_LINE = 64 * 1024  # characters of one log line kept while reading; a longer one is cut
HEADER_LINES = 500  # a step header never closed: give up skipping it after this many lines

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_COMMANDS = {"##[error]": "Error: ", "##[warning]": "Warning: ", "##[notice]": "Notice: ",
             "##[debug]": "Debug: ", "##[command]": "", "##[group]": "▸ ", "##[section]": ""}
STEP_HEADER = "##[group]Run "
ERROR = "##[error]"


@dataclass(frozen=True)
class Window:
    """The failing step's time span, to the second, as `YYYY-MM-DDTHH:MM:SS` strings (UTC).

    The API's times are whole seconds, the log's are not: compared to the second, a log line
    of the step's last second is inside; one second of slack before the start covers a start
    the API rounded up.
    """

    start: str
    end: str

    @classmethod
    def of(cls, started: datetime | None, completed: datetime | None) -> Window | None:
        """The window, or None when a time is missing or the clocks are in the wrong order."""
        if started is None or completed is None or completed < started:
            return None
        def fmt(moment: datetime) -> str:
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return cls(fmt(started - timedelta(seconds=1)), fmt(completed))

    def holds(self, stamp: str | None) -> bool:
        return stamp is not None and self.start <= stamp <= self.end


@dataclass(frozen=True)
class Excerpt:
    """The quoted lines, or why there are none (`missing`)."""

    lines: list[str] = field(default_factory=list)
    header: str = ""  # the step header the lines follow (`Run pytest -q`), if any
    missing: Text = ""
    by_window: bool = True  # False: found by the log's first error line, not the step's times


def clean(line: str) -> tuple[str | None, str]:
    """(timestamp to the second or None, the text without timestamp, BOM, colours, controls)."""
    stamp, text = _split(line)
    return stamp, _tidy(text)


def _split(line: str) -> tuple[str | None, str]:
    """(timestamp to the second or None, the rest of the line): all a line costs while read.

    Plain string checks, not a regular expression: a 60 MB log has half a million lines.
    """
    if line[:1] == "\ufeff":
        line = line[1:]
    if line[10:11] == "T" and line[4:5] == "-" and line[13:14] == ":":
        space = line.find(" ", 19, 40)
        if space > 0 and line[space - 1] == "Z":
            return line[:19], line[space + 1:]
    return None, line


def _tidy(text: str) -> str:
    return _CONTROL.sub("", _ANSI.sub("", text))


def readable(text: str) -> str:
    """A line as the excerpt shows it: no colours or controls, a runner command shown the way
    GitHub's log page shows it, long lines cut."""
    text = _tidy(text)
    for command, shown in _COMMANDS.items():
        if text.startswith(command):
            text = shown + text[len(command):]
            break
    return text if len(text) <= MAX_LINE else text[:MAX_LINE - 1] + "…"


def find(lines: Iterable[str], window: Window | None, count: int) -> Excerpt:
    """The excerpt of at most `count` lines from the log `lines` (already decoded)."""
    return _Scan(window, count).run(lines)


class _Scan:
    def __init__(self, window: Window | None, count: int) -> None:
        self.window, self.count = window, count
        self.tail: deque[str] = deque(maxlen=count)  # the current section's last lines
        self.header, self.in_header, self.header_lines = "", False, 0
        self.section_in_window = False
        self.markers = False
        self.stamp: str | None = None  # the last timestamp seen (for lines without one)
        self.first_error: Excerpt | None = None
        self.window_tail: Excerpt | None = None

    def run(self, lines: Iterable[str]) -> Excerpt:
        for raw in lines:
            found = self.line(raw)
            if found is not None:
                return found
        self.end_section()
        if self.window_tail is not None:
            return self.window_tail
        if self.first_error is not None:
            return self.first_error
        if not self.markers:
            return Excerpt(missing=Message("the log has no step markers (`##[group]Run …`), "
                                           "so the failing step's lines could not be told "
                                           "apart"))
        if self.window is None:
            return Excerpt(missing="the log has no error line, and the failing step has no "
                           "usable times to find its lines by")
        return Excerpt(missing="no error line and no step header in the log falls within the "
                       "failing step's time")

    def line(self, raw: str) -> Excerpt | None:
        stamp, text = _split(raw)  # cleaned only if it is quoted: most lines are not
        if stamp is not None:
            self.stamp = stamp
        if self.section_in_window and self.window is not None and self.stamp and \
                self.stamp > self.window.end:
            self.end_section()  # the step is over: what follows is not its output
            self.section_in_window = False
        if not text.startswith("##["):  # output: by far the most lines
            if self.in_header:
                self.header_lines += 1
                self.in_header = self.header_lines <= HEADER_LINES
            else:
                self.tail.append(text)
            return None
        if text.startswith("##[group]"):
            self.markers = True
            if text.startswith(STEP_HEADER):
                self.start_section(_tidy(text[len("##[group]"):]))
                return None
        if self.in_header:
            self.header_lines += 1
            if text.startswith("##[endgroup]") or self.header_lines > HEADER_LINES:
                self.in_header = False
            return None
        if text.startswith("##[endgroup]"):
            return None
        if text.startswith(ERROR):
            return self.error(text)
        self.tail.append(text)
        return None

    def start_section(self, header: str) -> None:
        self.end_section()
        self.tail.clear()
        self.header, self.in_header, self.header_lines = header, True, 0
        self.section_in_window = self.window is not None and self.window.holds(self.stamp)

    def end_section(self) -> None:
        if self.section_in_window and self.window_tail is None and self.tail:
            self.window_tail = Excerpt(self.quoted(), self.header)

    def quoted(self, *last: str) -> list[str]:
        return [readable(line) for line in [*self.tail, *last][-self.count:]]

    def error(self, text: str) -> Excerpt | None:
        lines = self.quoted(text)
        if self.window is None:
            return Excerpt(lines, self.header, by_window=False)  # the first error it is
        if self.window.holds(self.stamp):
            return Excerpt(lines, self.header)
        if self.first_error is None:  # another step's (continue-on-error): a last resort
            self.first_error = Excerpt(lines, self.header, by_window=False)
        self.tail.append(text)
        return None


def decoded_lines(chunks: Iterable[bytes], max_chars: int = MAX_RAW_LINE) -> Iterator[str]:
    """The lines of a byte stream, decoded as UTF-8 (bad bytes replaced), each cut to
    `max_chars`: a 60 MB log with no newline at all still costs only that much memory.

    Each chunk is decoded and split whole (in C); a character split across two chunks is
    joined by the incremental decoder.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending, skipping = "", False  # skipping: inside a line already cut, up to its newline
    for chunk in chunks:
        parts = decoder.decode(chunk).split("\n")
        if len(parts) > 1:
            yield pending if skipping else (pending + parts[0])[:max_chars]
            for part in parts[1:-1]:
                yield part[:max_chars]
            pending, skipping = "", False
        if not skipping:
            pending = (pending + parts[-1])[:max_chars]
            skipping = len(pending) >= max_chars
    pending = pending if skipping else (pending + decoder.decode(b"", final=True))[:max_chars]
    if pending:
        yield pending


# ---------------------------------------------------------------------------- rendering


def block(lines: list[str], summary: str) -> str:
    """The lines as a collapsed code block. `summary` is our own HTML-safe text."""
    return details(summary, fenced(lines, "text"))
