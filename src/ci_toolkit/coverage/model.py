"""The small data model every coverage reader produces and the analysis consumes."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal


# Identity of branch keys in FileCoverage.missing_branches / taken_branches. Keys of one
# kind can be compared; coverage.py JSON and coverage.py Cobertura name the same arcs (every
# exit as -1), so those two kinds compare with each other too.
class BranchKind(StrEnum):
    ARC = "arc"  # coverage.py arcs (from line, to line), packed into one int64, exits as -1
    COBERTURA_ARC = "cobertura-arc"  # coverage.py's Cobertura: the same arcs
    LCOV_BRDA = "lcov"  # LCOV "line,block,branch" strings


ARC, COBERTURA_ARC, LCOV_BRDA = BranchKind.ARC, BranchKind.COBERTURA_ARC, BranchKind.LCOV_BRDA
Format = Literal["coverage.py-json", "cobertura", "lcov", "junit"]  # what a report was read as
# Which files' executed lines to keep (by normalised path): patch coverage needs them.
Keep = Callable[[str], bool]
ARC_KINDS = frozenset({ARC, COBERTURA_ARC})
EXIT = -1
_MASK = 0xFFFFFFFF


def arc_key(start: int, end: int) -> int:
    """An arc packed into one int64; every exit (a negative target) is the same -1."""
    return (start << 32) | ((EXIT if end < 0 else end) & _MASK)


def arc_line(key: int) -> int:
    return key >> 32


def branch_line(line: int, total: int, taken: int) -> int:
    """One branch line's counts packed into one int64 (FileCoverage.branch_lines)."""
    return (line << 32) | (min(total, 0xFFFF) << 16) | min(taken, 0xFFFF)


def unpack_branch_line(value: int) -> tuple[int, int, int]:
    return value >> 32, (value >> 16) & 0xFFFF, value & 0xFFFF


class ReportError(Exception):
    """A report that cannot be read; `reason` says why in words a user can act on."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def percent(covered: int, total: int) -> float:
    """coverage.py's `Numbers.pc_covered`: 100.0 when there is nothing to cover."""
    return 100.0 * covered / total if total > 0 else 100.0


@dataclass(frozen=True, slots=True)
class Totals:
    statements: int = 0
    executed: int = 0
    branches: int = 0
    taken: int = 0

    @property
    def percent(self) -> float:
        """Statements and branches together, what `coverage report` prints."""
        return percent(self.executed + self.taken, self.statements + self.branches)

    @property
    def missed_statements(self) -> int:
        return self.statements - self.executed

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.statements + other.statements,
            self.executed + other.executed,
            self.branches + other.branches,
            self.taken + other.taken,
        )


@dataclass(frozen=True, slots=True)
class FailedTest:
    """A failed or errored test case: its name and the first line of its message."""

    name: str
    message: str = ""
    error: bool = False  # an error (in setup, say), not a failed assertion


@dataclass(frozen=True, slots=True)
class TestCounts:
    __test__ = False  # not a pytest class

    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    # the first few failed or errored cases, by name (not part of the counts' equality)
    failed: tuple[FailedTest, ...] = field(default=(), compare=False)

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped


@dataclass(slots=True)
class FileCoverage:
    """One source file of one job. Only what the union needs is kept, compactly:
    the *missing* lines/branches (the union's misses are their intersection)."""

    path: str
    totals: Totals
    # None when the report carries counts only (no per-line data).
    missing_lines: array[int] | None = None
    # Keys of branches not taken, of the report's `branch_kind`; None: no identities.
    missing_branches: array[int] | frozenset[str] | None = None
    # Keys of branches taken (coverage.py JSON, LCOV); None: not named by the report.
    taken_branches: array[int] | frozenset[str] | None = None
    # Per branch line, `branch_line(line, total, taken)`; None: the report has file totals only.
    branch_lines: array[int] | None = None
    # The kind of the branch keys (ARC, COBERTURA_ARC, LCOV_BRDA); None: no keys.
    branch_kind: BranchKind | None = None
    # Executed lines, kept only for the files a caller asked for (patch coverage).
    executed_lines: array[int] | None = None


@dataclass(slots=True)
class JobReport:
    job: str
    source_path: str
    format: Format
    files: dict[str, FileCoverage] = field(default_factory=dict)
    totals: Totals = field(default_factory=Totals)
    tests: TestCounts | None = None
    # ARC / LCOV_BRDA when every file with branches names them; None otherwise.
    branch_kind: BranchKind | None = None
    # What was read around the report but could not be used (e.g. a broken JUnit file).
    warnings: tuple[str, ...] = ()

    def sum_files(self) -> Totals:
        """The job's totals from its files, for reports that carry no totals of their own."""
        total = Totals()
        for fc in self.files.values():
            total += fc.totals
        return total

    @property
    def has_line_data(self) -> bool:
        return all(f.missing_lines is not None for f in self.files.values())


# Checkout roots of hosted runners (Linux, container jobs, macOS, Windows): the part of an
# absolute path that differs between runners while the repository-relative rest matches.
_RUNNER_ROOT = re.compile(
    r"^(?:/home/runner/work|/__w|/Users/runner/work|[A-Za-z]:/a)/[^/]+/[^/]+/"
)


def normalise_path(path: str) -> str:
    """Repository-relative, forward-slash path so one file matches across jobs."""
    path = _RUNNER_ROOT.sub("", path.replace("\\", "/"), count=1)
    while path.startswith("./"):
        path = path[2:]
    return path


def join_source(source: str, filename: str) -> str:
    """Cobertura `filename` under a `<source>` directory, normalised."""
    filename = filename.replace("\\", "/")
    source = source.replace("\\", "/").rstrip("/")
    if not source or source == "." or filename.startswith("/") or re.match(r"[A-Za-z]:/", filename):
        return normalise_path(filename)
    return normalise_path(f"{source}/{filename}")
