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

from ci_toolkit.job_logs import causes
from ci_toolkit.job_logs.causes import Kind
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
# The first line of a post step and of the job's end: a step ends there too (they have no header).
STEP_ENDS = ("Post job cleanup.", "Cleaning up orphan processes")
# The runner's own last error line of a failed or cancelled step: its end, not a finding.
_STEP_END_ERRORS = ("Process completed with exit code ", "The operation was canceled.",
                    "The action has timed out.")
MAX_BEFORE = 3  # lines kept before each output line for a marker's `before`
MAX_FINDINGS = 5  # further findings shown after the first cause block; the rest are counted
MAX_CAUSE_LINES = 40  # the cause's lines, all blocks together


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
    """The quoted lines, or why there are none (`missing`).

    `cause`: the lines with which a known tool reported the failure (its first block, then the
    first few further findings), `more` the findings beyond those, `kind` and `family` what
    reported it. `lines`: the failing step's last lines (up to its end).
    """

    lines: list[str] = field(default_factory=list)
    header: str = ""  # the step header the lines follow (`Run pytest -q`), if any
    missing: Text = ""
    by_window: bool = True  # False: found by the log's first error line, not the step's times
    cause: list[str] = field(default_factory=list)
    more: int = 0
    kind: Kind | None = None
    family: str = ""


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


def _is_end(text: str) -> bool:
    """A runner message that ends a step's output: not a finding."""
    message = text[len(ERROR):]
    return message.startswith(_STEP_END_ERRORS)


class _Cause:
    """The cause lines of one section, as they stream by: bounded, whatever the output."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.recent: deque[str] = deque(maxlen=MAX_BEFORE)  # for a marker's `before` lines
        self.block: int | None = None  # the marker whose lines are being taken
        self.left = 0  # lines the block may still take
        self.findings = 0  # markers after the first block, shown or not
        self.more = 0  # those not shown
        self.kind: Kind | None = None
        self.family = ""

    def output(self, text: str) -> None:
        if "\x1b" in text:
            text = _ANSI.sub("", text)
        if self.block is not None:
            if self.left > 0 and not causes.ends(self.block, text):
                self.lines.append(readable(text))
                self.left -= 1
                if causes.last(self.block, text):
                    self.block, self.left = None, 0
                return
            if self.left == 0 and causes.match(text) == self.block:
                return  # the same block goes on past its lines: not a new finding
            self.block = None
        index = causes.match(text)
        if index is not None:
            self.hit(index, text)
        self.recent.append(text)

    def hit(self, index: int, text: str) -> None:
        marker = causes.MARKERS[index]
        if self.lines:
            if not self.room():
                return
            before: list[str] = []
        else:
            before = list(self.recent)[len(self.recent) - marker.before:] if marker.before else []
            self.kind, self.family = marker.kind, marker.family
        self.lines += [readable(line) for line in [*before, text]]
        if marker.after:
            self.block = index
            self.left = min(marker.after, MAX_CAUSE_LINES - len(self.lines))

    def error(self, text: str) -> None:
        """A runner or problem-matcher error line inside the step: a finding."""
        self.block = None
        if not self.lines:
            self.family = "annotation"
        else:
            if not self.room():
                return
        self.lines.append(readable(text))

    def room(self) -> bool:
        """A further finding: whether it is shown (else it is counted in `more`)."""
        self.findings += 1
        shown = self.findings <= MAX_FINDINGS and len(self.lines) < MAX_CAUSE_LINES
        self.more += not shown
        return shown


class _Section:
    """One step's part of the log: its header, its last lines, its cause."""

    def __init__(self, header: str, in_window: bool, count: int, *, skip_header: bool) -> None:
        self.header, self.in_window = header, in_window
        self.in_header, self.header_lines = skip_header, 0
        self.tail: deque[str] = deque(maxlen=count)
        self.cause = _Cause()
        self.chosen = False  # an error line of the failing step is in it
        self.stray = False  # an error line outside the failing step's time is in it

    def excerpt(self, count: int, *, by_window: bool) -> Excerpt:
        lines = [readable(line) for line in self.tail][-count:] if count else []
        cause = self.cause
        return Excerpt(lines, self.header, by_window=by_window, cause=cause.lines,
                       more=cause.more, kind=cause.kind, family=cause.family)


class _Scan:
    def __init__(self, window: Window | None, count: int) -> None:
        self.window, self.count = window, count
        self.section = _Section("", False, count, skip_header=False)  # the set-up lines
        self.markers = False
        self.stamp: str | None = None  # the last timestamp seen (for lines without one)
        self.first_error: Excerpt | None = None
        self.window_tail: Excerpt | None = None

    def run(self, lines: Iterable[str]) -> Excerpt:
        for raw in lines:
            found = self.line(raw)
            if found is not None:
                return found
        found = self.close()
        if found is not None:
            return found
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
        section = self.section
        if section.in_window and self.window is not None and self.stamp and \
                self.stamp > self.window.end:
            return self.open("", skip_header=False)  # the step is over
        if not text.startswith("##["):  # output: by far the most lines
            if text.startswith(STEP_ENDS):  # a post step or the job's end: no header
                return self.open(_tidy(text), skip_header=False)
            if section.in_header:
                section.header_lines += 1
                section.in_header = section.header_lines <= HEADER_LINES
                return None
            section.tail.append(text)
            if self.window is None or (self.stamp or "") >= self.window.start:
                section.cause.output(text)
            return None
        if text.startswith("##[group]"):
            self.markers = True
            if text.startswith(STEP_HEADER):
                return self.open(_tidy(text[len("##[group]"):]), skip_header=True)
        if section.in_header:
            section.header_lines += 1
            if text.startswith("##[endgroup]") or section.header_lines > HEADER_LINES:
                section.in_header = False
            return None
        if text.startswith("##[endgroup]"):
            return None
        section.tail.append(text)
        if text.startswith(ERROR):
            self.error(section, text)
        return None

    def error(self, section: _Section, text: str) -> None:
        if not _is_end(text):
            section.cause.error(text)
        if self.window is None or self.window.holds(self.stamp):
            section.chosen = True
        else:  # another step's (continue-on-error): a last resort
            section.stray = True

    def open(self, header: str, *, skip_header: bool) -> Excerpt | None:
        """End the current section (its excerpt, if it is the failing step's) and start one."""
        found = self.close()
        in_window = self.window is not None and self.window.holds(self.stamp)
        self.section = _Section(header, in_window, self.count, skip_header=skip_header)
        return found

    def close(self) -> Excerpt | None:
        section = self.section
        if section.chosen:
            return section.excerpt(self.count, by_window=self.window is not None)
        if section.stray and self.first_error is None:
            self.first_error = section.excerpt(self.count, by_window=False)
        if section.in_window and self.window_tail is None and section.tail:
            self.window_tail = section.excerpt(self.count, by_window=True)
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
