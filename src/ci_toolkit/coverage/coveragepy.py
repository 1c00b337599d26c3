"""coverage.py JSON (`coverage json`), every layout from 5.5 to 7.17, decoded by msgspec.

The report is read whole and decoded in one pass into typed structs that name only the
members the figures need: msgspec's C decoder steps over the rest (`functions`, `classes`,
`contexts`, excluded lines: most of a 7.x report's bytes) without building it, and leaves
each file's lines and arcs undecoded (`msgspec.Raw`, views into the read bytes) until that
file is reduced to counts plus missing lines and arcs. Memory is the report's bytes plus the
reduced files; see docs/performance.md for the figures against the streamed tokenizer it
replaced and against `json.load`.
"""

from __future__ import annotations

import gc
import re
from array import array
from pathlib import Path
from typing import Any

import msgspec

from .model import (
    ARC,
    EXIT,
    FileCoverage,
    Format,
    JobReport,
    Keep,
    ReportError,
    Totals,
    normalise_path,
)
from .xmlstream import open_maybe_gzip

FORMAT: Format = "coverage.py-json"
_MASK = 0xFFFFFFFF
_BOM = b"\xef\xbb\xbf"
_FIRST = re.compile(rb"[^ \t\n\r]")  # the first character that is not JSON whitespace


class _Counts(msgspec.Struct):
    """A file's `summary` or the report's `totals`: the members the figures use."""

    num_statements: int
    covered_lines: int
    num_branches: int = 0
    covered_branches: int = 0


class _Entry(msgspec.Struct):
    """One entry of "files"; the lists stay raw JSON until the entry is reduced."""

    summary: _Counts
    missing_lines: msgspec.Raw
    missing_branches: msgspec.Raw = msgspec.Raw()  # absent before coverage 6.3
    executed_branches: msgspec.Raw = msgspec.Raw()
    executed_lines: msgspec.Raw = msgspec.Raw()  # decoded only for the kept files


class _Report(msgspec.Struct):
    meta: dict[str, Any]
    files: dict[str, _Entry]
    totals: _Counts | None = None


class _Files(msgspec.Struct):
    files: dict[str, msgspec.Raw]  # each entry undecoded: to name the one that is wrong


_REPORT = msgspec.json.Decoder(_Report)
_FILES = msgspec.json.Decoder(_Files)
_ENTRY = msgspec.json.Decoder(_Entry)
_LINES = msgspec.json.Decoder(list[int])
_ARCS = msgspec.json.Decoder(list[tuple[int, int]] | None)


def read_coveragepy_json(path: Path, job: str = "", keep: Keep | None = None) -> JobReport:
    with open_maybe_gzip(path) as fh:
        data = fh.read()
    was_enabled = gc.isenabled()
    gc.disable()  # nothing read here makes a cycle; the collector would only rescan the heap
    try:
        return _read(_decode(data, path), path, job, keep)
    finally:
        if was_enabled:
            gc.enable()


def _decode(data: bytes, path: Path) -> _Report:
    body = memoryview(data)[len(_BOM):] if data.startswith(_BOM) else memoryview(data)
    first = _FIRST.search(body)
    if first is None:
        raise ReportError(path, "empty file")
    if first[0] != b"{":
        raise ReportError(path, "not a coverage.py JSON report (not a JSON object)")
    try:
        return _REPORT.decode(body)
    except msgspec.ValidationError as exc:
        raise ReportError(path, f"not a coverage.py JSON report ({_where(body, exc)})") from None
    except msgspec.DecodeError as exc:
        raise ReportError(path, _invalid(str(exc))) from None


def _invalid(message: str) -> str:
    if "truncated" in message:
        return "not valid JSON: truncated"
    if "trailing characters" in message:
        return "not valid JSON: extra data after the report"
    if "UTF-8" in message:
        return "not UTF-8 text"
    return f"not valid JSON: {message.removeprefix('JSON is malformed: ')}"


def _where(body: memoryview, exc: msgspec.ValidationError) -> str:
    """msgspec's reason, with the file it is about where it says `$.files[...]`."""
    reason = str(exc)
    if "$.files[...]" not in reason:
        return reason
    for name, raw in _FILES.decode(body).files.items():
        try:
            _ENTRY.decode(raw)
        except msgspec.ValidationError as inner:
            return f"file {name!r}: {inner}"
    return reason


def _read(report: _Report, path: Path, job: str, keep: Keep | None) -> JobReport:
    job_report = JobReport(job=job, source_path=str(path), format=FORMAT, branch_kind=ARC)
    files = job_report.files
    for name, entry in report.files.items():
        fc = _file(entry, normalise_path(name), path)
        if keep is not None and keep(fc.path):
            fc.executed_lines = _lines(entry.executed_lines, fc.path, path)
        files[fc.path] = fc
    if not report.meta.get("branch_coverage") or any(
        f.missing_branches is None and f.totals.branches for f in files.values()
    ):
        job_report.branch_kind = None
    totals = report.totals
    job_report.totals = _totals(totals) if totals is not None else job_report.sum_files()
    return job_report


def _file(entry: _Entry, name: str, path: Path) -> FileCoverage:
    missing = _lines(entry.missing_lines, name, path)
    keys = _arcs(entry.missing_branches, name, path)
    taken = _arcs(entry.executed_branches, name, path)
    kind = ARC if keys is not None else None
    # per-line counts follow from the arcs when a union needs them (analysis.branch_counts)
    return FileCoverage(name, _totals(entry.summary), missing, keys, taken, None, kind)


def _lines(raw: msgspec.Raw, name: str, path: Path) -> array[int]:
    try:
        return array("i", _LINES.decode(raw) if raw else ())
    except (msgspec.DecodeError, OverflowError) as exc:
        raise ReportError(path, f"not a coverage.py JSON report (file {name!r}: {exc})") from None


def _arcs(raw: msgspec.Raw, name: str, path: Path) -> array[int] | None:
    """Arcs packed one per int64 (model.arc_key, inlined: millions of arcs in a big report)."""
    try:
        arcs = _ARCS.decode(raw) if raw else None
        if arcs is None:
            return None
        return array("q", [(a << 32) | ((b if b >= 0 else EXIT) & _MASK) for a, b in arcs])
    except (msgspec.DecodeError, OverflowError) as exc:
        raise ReportError(path, f"not a coverage.py JSON report (file {name!r}: {exc})") from None


def _totals(counts: _Counts) -> Totals:
    return Totals(counts.num_statements, counts.covered_lines, counts.num_branches,
                  counts.covered_branches)
