"""The lines with which the common tools report a failure: ONE table of data, and its matcher.

Each row is a family of output (the tool that prints it), a pattern matched at the start of a
log line (after its timestamp, colours removed), the kind of failure it reports, and how many
lines around it belong to it: `before` (the source line pytest marks with `>`), `after` (the
assertion, the exception, the compiler message), and `stop`, a pattern for the first following
line that no longer belongs (pytest's `E` block ends at the first line without `E`), and
`last`, one that belongs and is the last (a Python traceback's exception line). Each
family is tested on real output of its tool (tests/job_logs/test_causes.py).

The patterns are anchored and free of nested repetition: matched against every line of the
failing step, a million `FAILED` lines or a line of 64 KiB cost linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What kind of failure a job had (the `failures` output's `kind`)."""

    TEST = "test"
    BUILD = "build"
    LINT = "lint"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    INFRASTRUCTURE = "infrastructure"
    AWAITING_APPROVAL = "awaiting-approval"
    STARTUP = "startup"
    UNKNOWN = "unknown"


_BLANK = r"\s*$"
MATCHED_CHARS = 512  # of a line, matched: every marker is at its start; a 64 KiB line costs this


@dataclass(frozen=True)
class Marker:
    family: str
    pattern: str
    kind: Kind
    before: int = 0
    after: int = 10
    stop: str = _BLANK  # the first following line matching this is not part of it
    last: str = "(?!)"  # a following line matching this is the block's last (never, by default)


MARKERS: tuple[Marker, ...] = (
    # pytest: the assertion block (`E   `), then the short summary lines.
    Marker("pytest", r"E   ", Kind.TEST, before=1, after=12, stop=r"(?!E )"),
    Marker("pytest", r"(?:FAILED|ERROR) \S+::\S", Kind.TEST, after=0),
    Marker("pytest", r"ERROR collecting ", Kind.TEST, after=0),
    # unittest: `FAIL: test_x (module.Class.test_x)` and its traceback.
    Marker("unittest", r"(?:FAIL|ERROR): \w+ \(", Kind.TEST, after=12),
    # go test.
    Marker("go test", r"\s*--- FAIL: ", Kind.TEST, after=8, stop=r"(?:===|---|FAIL|ok)\s"),
    Marker("go test", r"panic: ", Kind.TEST, after=8),
    # cargo: a test's panic (before its backtrace), a compiler error, the summary.
    Marker("cargo", r"thread '[^']*'(?: \(\d+\))? panicked at ", Kind.TEST, after=6,
           stop=r"(?:stack backtrace:|note: )|\s*$"),
    Marker("cargo", r"error\[E\d{4}\]: ", Kind.BUILD, after=10),
    Marker("cargo", r"test result: FAILED", Kind.TEST, after=0),
    # jest / vitest (`●`, `✕`, `×`, `FAIL `), node's test runner (TAP `not ok`, spec `✖`).
    Marker("jest", r"\s*● ", Kind.TEST, after=15, stop=r"\s*● "),
    Marker("jest", r"\s*[✕×] ", Kind.TEST, after=0),
    Marker("node test", r"\s*not ok \d+ ", Kind.TEST, after=14, stop=r"\s*\.\.\.$"),
    Marker("node test", r"\s*✖ ", Kind.TEST, after=6),
    # gradle: a failed test, a failed task, the build's own report.
    Marker("gradle", r"\S[^>]* > .* FAILED$", Kind.TEST, after=4),
    Marker("gradle", r"> Task \S+ FAILED", Kind.BUILD, after=0),
    Marker("gradle", r"\* What went wrong:", Kind.BUILD, after=6, stop=r"\* Try:|\s*$"),
    # maven / surefire: a failed test class, the failures summary, then any error.
    Marker("maven", r"\[ERROR\] Tests run: .*<<< FAILURE!", Kind.TEST, after=6),
    Marker("maven", r"\[ERROR\] (?:Failures|Errors): ?$", Kind.TEST, after=10,
           stop=r"\[INFO\]"),
    Marker("maven", r"\[ERROR\] ", Kind.BUILD, after=4, stop=r"\[(?:INFO|ERROR)\] ?$"),
    # tsc (`file.ts(3,7): error TS2322:` or `file.ts:3:7 - error TS2322:`).
    Marker("tsc", r"\S+(?:\(\d+,\d+\):|:\d+:\d+ -) error TS\d+:", Kind.BUILD, after=0),
    # linters: ruff, flake8, eslint's unix/compact formats (`path:line:col: message`), and
    # eslint's default (stylish) rows (`  3:7  error  message  rule`).
    Marker("lint", r"[^\s:]+:\d+:\d+:? [A-Z]+\d+\b", Kind.LINT, after=0),
    Marker("eslint", r"\s+\d+:\d+\s+error\s", Kind.LINT, before=1, after=0),
    # ruff's default (full) format: the rule, then ` --> path:line:col` on the next line.
    Marker("lint", r"[A-Z]{1,4}\d{3,4} (?:\[\*\] )?\S", Kind.LINT, after=1,
           stop=r"(?!\s*-->)"),
    # npm (old `npm ERR!`, new `npm error`).
    Marker("npm", r"npm (?:ERR!|error) ", Kind.BUILD, after=10, stop=r"(?!npm )"),
    # docker build (buildx's plain progress and its summary).
    Marker("docker", r"(?:#\d+ )?ERROR(?: \[|: )", Kind.BUILD, after=10),
    # tracebacks: Python's (to its exception line), Node's uncaught error.
    Marker("python", r"Traceback \(most recent call last\):", Kind.UNKNOWN, after=30,
           last=r"\S"),
    Marker("node", r"(?:Uncaught )?[A-Z]\w*Error(?: \[\w+\])?: ", Kind.UNKNOWN, after=4,
           stop=r"(?!\s+at )"),
)

_ANY = re.compile("|".join(f"(?P<m{n}>{m.pattern})" for n, m in enumerate(MARKERS)))
_STOPS = [re.compile(m.stop) for m in MARKERS]
_LASTS = [re.compile(m.last) for m in MARKERS]


def match(text: str) -> int | None:
    """The index in MARKERS of the first marker `text` starts with, or None."""
    found = _ANY.match(text, 0, MATCHED_CHARS)
    return None if found is None or found.lastgroup is None else int(found.lastgroup[1:])


def ends(index: int, text: str) -> bool:
    """`text`, following a line of marker `index`, no longer belongs to it."""
    return _STOPS[index].match(text) is not None


def last(index: int, text: str) -> bool:
    """`text`, taken into marker `index`'s block, is its last line."""
    return _LASTS[index].match(text) is not None
