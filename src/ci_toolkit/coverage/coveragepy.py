"""coverage.py JSON (`coverage json`), every layout from 5.5 to 7.17, streamed.

The file is read in chunks; of each entry of "files" only the members the figures need are
decoded (by the C JSON decoder) and reduced at once to counts plus missing lines/arcs; the
rest (`functions`, `classes`, `contexts`, excluded lines: most of a 7.x report's bytes) is
stepped over without being built. Memory stays bounded by the chunk size whatever the
report's size. Measured faster than ijson's C backend (see docs/performance.md).
"""

from __future__ import annotations

import codecs
import gc
import json
import re
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

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
_CHUNK = 1 << 20  # 1 MiB of text at a time (4 MiB measured no faster)
_WS = re.compile(r"[ \t\n\r]*")
_KEY = re.compile(r'[ \t\n\r]*"([^"\\\x00-\x1f]*)"[ \t\n\r]*:')  # a plain key and its colon
_DECODER = json.JSONDecoder()
_MASK = 0xFFFFFFFF
# what an entry's figures are made of; the executed lines only where `keep` asks for them
_NEEDED = frozenset({"summary", "missing_lines", "missing_branches", "executed_branches"})
_KEPT = _NEEDED | {"executed_lines"}


class _Stream:
    """A text buffer over a binary file that grows only as far as one value needs."""

    def __init__(self, fh: IO[bytes], path: Path) -> None:
        self._fh = fh
        self._path = path
        self._utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def _more(self, size: int = _CHUNK) -> None:
        data = self._fh.read(size)
        try:
            text = self._utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise ReportError(self._path, f"not UTF-8 text ({exc.reason})") from None
        self.buf = self.buf[self.pos :] + text
        self.pos = 0
        self.eof = not data

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos : self.pos + 1]
            self._more()

    def expect(self, chars: str) -> str:
        char = self.peek()
        if not char or char not in chars:
            found = repr(char) if char else "the end of the file"
            raise ReportError(self._path, f"not valid JSON: expected {chars!r}, found {found}")
        self.pos += 1
        return char

    def value(self) -> Any:
        """Decode one JSON value, reading more text until it is complete."""
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    cut = exc.pos >= len(self.buf) - 1 or exc.msg.startswith("Unterminated")
                    reason = "truncated" if cut else f"{exc.msg} (character {exc.pos})"
                    raise ReportError(self._path, f"not valid JSON: {reason}") from None
            else:
                # a number or literal may go on in the next chunk
                if end < len(self.buf) or self.eof:
                    self.pos = end
                    return obj
            self._more(max(_CHUNK, len(self.buf)))  # geometric growth for big values

    def skip(self) -> None:
        """Step over the value that starts here without building (or checking) it.

        An object or array ends at the bracket that brings its depth back to 0; a bracket
        inside a string is told apart by the odd number of quotes before it. A value with a
        backslash (an escaped quote would break that count) is decoded instead.
        """
        char = self.peek()
        if char not in ("{", "["):
            self.value()
            return
        close = "}" if char == "{" else "]"
        while True:
            end = _closing(self.buf, self.pos, char, close)
            if self.buf.find("\\", self.pos, end if end >= 0 else len(self.buf)) >= 0:
                self.value()  # a quote may be escaped: the decoder knows
                return
            if end >= 0:
                self.pos = end + 1
                return
            if self.eof:
                raise ReportError(self._path, "not valid JSON: truncated")
            self._more(max(_CHUNK, len(self.buf)))

    def pick(self, names: frozenset[str]) -> dict[str, Any]:
        """The object that starts here, with only the members in `names` decoded."""
        picked: dict[str, Any] = {}
        for key in self.members():
            if key in names:
                picked[key] = self.value()
            else:
                self.skip()
        return picked

    def key(self) -> str:
        found = _KEY.match(self.buf, self.pos)
        if found:
            self.pos = found.end()
            return found.group(1)
        if self.peek() != '"':
            self.expect('"')
        key = self.value()
        self.expect(":")
        return str(key)

    def members(self) -> Iterator[str]:
        """Keys of the object that starts here; the caller consumes each value."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            yield self.key()
            if self.expect(",}") == "}":
                return


def _closing(buf: str, start: int, opener: str, close: str) -> int:
    """Where the object or array opened at `start` closes in `buf` (-1: not in `buf` yet)."""
    find, count = buf.find, buf.count
    depth = quotes = 0
    pos = start
    next_open, next_close = start, find(close, start)
    while next_close >= 0:
        if 0 <= next_open < next_close:
            at, step = next_open, 1
            next_open = find(opener, at + 1)
        else:
            at, step = next_close, -1
            next_close = find(close, at + 1)
        quotes += count('"', pos, at)
        pos = at
        if not quotes & 1:  # outside any string
            depth += step
            if not depth:
                return at
    return -1


def read_coveragepy_json(path: Path, job: str = "", keep: Keep | None = None) -> JobReport:
    was_enabled = gc.isenabled()
    gc.disable()  # entries are freed by refcount; cyclic GC would only rescan the heap
    try:
        with open_maybe_gzip(path) as fh:
            return _read(_Stream(fh, path), path, job, keep)
    finally:
        if was_enabled:
            gc.enable()


def _read(stream: _Stream, path: Path, job: str, keep: Keep | None) -> JobReport:
    if stream.peek() == "":
        raise ReportError(path, "empty file")
    if stream.peek() != "{":
        raise ReportError(path, "not a coverage.py JSON report (not a JSON object)")
    report = JobReport(job=job, source_path=str(path), format=FORMAT, branch_kind=ARC)
    meta: Any = None
    totals: Any = None
    seen_files = False
    for key in stream.members():
        if key == "files":
            seen_files = True
            _read_files(stream, path, report, keep)
        elif key == "meta":
            meta = stream.value()
        elif key == "totals":
            totals = stream.value()
        else:
            stream.value()
    if stream.peek() != "":
        raise ReportError(path, "not valid JSON: extra data after the report")
    if not (isinstance(meta, dict) and seen_files):
        raise ReportError(path, "not a coverage.py JSON report (no 'meta' and 'files')")
    if not meta.get("branch_coverage") or any(
        f.missing_branches is None and f.totals.branches for f in report.files.values()
    ):
        report.branch_kind = None
    report.totals = _totals(totals, path) if totals is not None else report.sum_files()
    return report


def _read_files(stream: _Stream, path: Path, report: JobReport, keep: Keep | None) -> None:
    if stream.peek() != "{":
        raise ReportError(path, "not a coverage.py JSON report ('files' is not an object)")
    for name in stream.members():
        name = normalise_path(name)
        kept = keep is not None and keep(name)
        if stream.peek() != "{":
            raise ReportError(path, f"not a coverage.py JSON report (file {name!r} is not an "
                                    "object)")
        entry = stream.pick(_KEPT if kept else _NEEDED)
        fc = _file(entry, name, path)
        if kept:
            fc.executed_lines = array("i", entry.get("executed_lines") or [])
        report.files[fc.path] = fc



def _file(entry: Any, name: str, path: Path) -> FileCoverage:
    try:
        totals = _totals(entry["summary"], path)
        missing = array("i", entry["missing_lines"])
        arcs = entry.get("missing_branches")  # absent before coverage 6.3
        done = entry.get("executed_branches")
        # arc_key inlined: millions of arcs in a big report
        keys = array("q", [(a << 32) | ((b if b >= 0 else EXIT) & _MASK) for a, b in arcs]) \
            if arcs is not None else None
        taken = array("q", [(a << 32) | ((b if b >= 0 else EXIT) & _MASK) for a, b in done]) \
            if done is not None else None
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ReportError(path, f"not a coverage.py JSON report (file {name!r}: {exc!r})") from None
    kind = ARC if keys is not None else None
    # per-line counts follow from the arcs when a union needs them (analysis.branch_counts)
    return FileCoverage(name, totals, missing, keys, taken, None, kind)


def _totals(summary: Any, path: Path) -> Totals:
    try:
        return Totals(
            statements=int(summary["num_statements"]),
            executed=int(summary["covered_lines"]),
            branches=int(summary.get("num_branches", 0)),
            taken=int(summary.get("covered_branches", 0)),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ReportError(path, "not a coverage.py JSON report (bad 'summary'/'totals')") from None
