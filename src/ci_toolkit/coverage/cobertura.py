"""Cobertura XML (coverage.py `coverage xml`, gcovr, istanbul, coverlet), streamed."""

from __future__ import annotations

import re
from array import array
from pathlib import Path
from typing import Literal

from .model import (
    COBERTURA_ARC,
    EXIT,
    FileCoverage,
    Format,
    JobReport,
    Keep,
    ReportError,
    Totals,
    arc_key,
    branch_line,
    join_source,
)
from .xmlstream import parse_with

FORMAT: Format = "cobertura"
_CONDITION = re.compile(r"\((\d+)/(\d+)\)")


class _FileLines:
    """Lines of one file, merged over consecutive <class> elements (Java, .NET: several)."""

    __slots__ = ("arcs_known", "branches", "hits", "missing_arcs", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.hits: dict[int, bool] = {}
        self.branches: dict[int, tuple[int, int]] = {}
        self.missing_arcs: set[int] = set()
        self.arcs_known = True

    def add(self, line: dict[str, str]) -> None:
        get = line.get
        number = int(get("number", "0"))
        self.hits[number] = self.hits.get(number, False) or get("hits", "0") != "0"
        if (get("branch") or "").lower() != "true":  # coverlet writes "True"
            return
        match = _CONDITION.search(get("condition-coverage", ""))
        if match is None:
            return
        taken, total = int(match[1]), int(match[2])
        self.branches[number] = max(self.branches.get(number, (0, 0)), (taken, total))
        if taken < total:
            self._add_missing(number, get("missing-branches"))

    def _add_missing(self, number: int, missing: str | None) -> None:
        if missing is None:
            self.arcs_known = False  # only coverage.py names the branches it missed
            return
        for target in missing.split(","):
            # coverage.py writes "exit" for any arc leaving the code object
            to = EXIT if target == "exit" else int(target) if target.lstrip("-").isdigit() else None
            if to is None:
                self.arcs_known = False
            else:
                self.missing_arcs.add(arc_key(number, to))

    def coverage(self, keep: Keep | None) -> FileCoverage:
        missing = array("i", sorted(n for n, hit in self.hits.items() if not hit))
        totals = Totals(
            statements=len(self.hits),
            executed=len(self.hits) - len(missing),
            branches=sum(t for _, t in self.branches.values()),
            taken=sum(k for k, _ in self.branches.values()),
        )
        arcs = array("q", sorted(self.missing_arcs)) if self.arcs_known else None
        lines = array("q", [branch_line(n, total, taken)
                            for n, (taken, total) in sorted(self.branches.items())])
        executed = array("i", sorted(n for n, hit in self.hits.items() if hit)) \
            if keep is not None and keep(self.path) else None
        return FileCoverage(self.path, totals, missing, arcs, None, lines,
                            COBERTURA_ARC if arcs is not None else None, executed)


def _merge(old: FileCoverage, new: FileCoverage) -> FileCoverage:
    """A file whose classes are not consecutive: counts add up (their lines are disjoint)."""
    lines = None
    if old.missing_lines is not None and new.missing_lines is not None:
        lines = array("i", sorted(set(old.missing_lines) | set(new.missing_lines)))
    arcs = None
    if isinstance(old.missing_branches, array) and isinstance(new.missing_branches, array):
        arcs = array("q", sorted(set(old.missing_branches) | set(new.missing_branches)))
    branches = None
    if old.branch_lines is not None and new.branch_lines is not None:
        branches = array("q", sorted(set(old.branch_lines) | set(new.branch_lines)))
    executed = None
    if old.executed_lines is not None and new.executed_lines is not None:
        executed = array("i", sorted(set(old.executed_lines) | set(new.executed_lines)))
    return FileCoverage(old.path, old.totals + new.totals, lines, arcs, None, branches,
                        COBERTURA_ARC if arcs is not None else None, executed)


class _Collector:
    """Keeps one file's lines open at a time so memory stays bounded."""

    def __init__(self, report: JobReport, keep: Keep | None) -> None:
        self.report = report
        self.keep = keep
        self.current: _FileLines | None = None

    def lines_for(self, path: str) -> _FileLines:
        if self.current is None or self.current.path != path:
            self.flush()
            self.current = _FileLines(path)
        return self.current

    def flush(self) -> None:
        if self.current is not None:
            fc = self.current.coverage(self.keep)
            old = self.report.files.get(fc.path)
            self.report.files[fc.path] = fc if old is None else _merge(old, fc)
            self.current = None


def read_cobertura(path: Path, job: str = "", keep: Keep | None = None) -> JobReport:
    report = JobReport(job=job, source_path=str(path), format=FORMAT)
    collector = _Collector(report, keep)
    reader = _Reader(path, collector)
    try:
        parse_with(path, reader.start, reader.end, reader.text)
    except ValueError as exc:  # a line number that is not a number: the producer's fault
        raise ReportError(path, f"not a Cobertura report ({exc})") from None
    collector.flush()
    _finish(report)
    return report


_Where = Literal["", "class", "lines", "methods"]  # in a <class>: itself or its open child


class _Reader:
    """expat's callbacks: each <class>'s own lines (not the copies under <methods>) go to the
    collector as their tags start; nothing else is kept."""

    def __init__(self, path: Path, collector: _Collector) -> None:
        self.path = path
        self.collector = collector
        self.root = ""
        self.sources: list[str] = []
        self.source: list[str] | None = None  # the text of an open <source>
        self.lines: _FileLines | None = None  # the open <class>'s
        self.where: _Where = ""

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "line":
            if self.where == "lines" and self.lines is not None:
                self.lines.add(attrs)
        elif tag in ("lines", "methods"):
            if self.where == "class":
                self.where = "lines" if tag == "lines" else "methods"
        elif tag == "class":
            self.lines = self.collector.lines_for(
                join_source(self.sources[0] if self.sources else "", attrs.get("filename", "")))
            self.where = "class"
        elif tag == "source":
            self.source = []
        if not self.root:
            if tag != "coverage":
                raise ReportError(self.path, f"not a Cobertura report (root <{tag}>)")
            self.root = tag

    def end(self, tag: str) -> None:
        if tag == self.where and tag in ("lines", "methods"):
            self.where = "class"
        elif tag == "class":
            self.lines, self.where = None, ""
        elif tag == "source" and self.source is not None:
            self.sources.append("".join(self.source).strip())
            self.source = None

    def text(self, data: str) -> None:
        if self.source is not None:
            self.source.append(data)


def _finish(report: JobReport) -> None:
    report.totals = report.sum_files()
    branched = [f for f in report.files.values() if f.totals.branches]
    if branched and all(f.missing_branches is not None for f in branched):
        report.branch_kind = COBERTURA_ARC
