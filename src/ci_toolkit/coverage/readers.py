"""Which reader a file needs, and one job's folder read as one JobReport."""

from __future__ import annotations

import fnmatch
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from . import cobertura, coveragepy, junit, lcov
from .model import JobReport, Keep, ReportError
from .xmlstream import GZIP_MAGIC, open_maybe_gzip, root_tag

Reader = Callable[[Path, str, Keep | None], JobReport]

# Richest first: JSON carries arcs and exact counts, Cobertura lines and per-line
# branches, LCOV lines and branch records.
RICHNESS = (coveragepy.FORMAT, cobertura.FORMAT, lcov.FORMAT)
_READERS: dict[str, Reader] = {
    coveragepy.FORMAT: coveragepy.read_coveragepy_json,
    cobertura.FORMAT: cobertura.read_cobertura,
    lcov.FORMAT: lcov.read_lcov,
    junit.FORMAT: junit.read_junit,
}
_XML_ROOTS = {"coverage": cobertura.FORMAT, "testsuites": junit.FORMAT, "testsuite": junit.FORMAT}
_UNSUPPORTED_XML = {"report": "JaCoCo XML"}
_JUNIT_NAMES = ("pytest-report.xml", "pytest-report.xml.gz", "*junit*.xml", "*junit*.xml.gz")
_HEAD = 4096
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)([^>]*)")
_SKIP = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)", re.S)


def detect_format(path: Path) -> str:
    """The reader a file needs, from its first bytes (names lie; artifacts get renamed)."""
    try:
        with open_maybe_gzip(path) as fh:
            head = fh.read(_HEAD).lstrip(b"\xef\xbb\xbf \t\r\n")
    except (OSError, EOFError, zlib.error) as exc:  # gzip errors included
        raise ReportError(path, f"cannot be read ({exc})") from None
    if not head:
        raise ReportError(path, "empty file")
    if head[:1] in (b"{", b"["):
        return coveragepy.FORMAT  # the reader itself says when it is another JSON
    if head[:1] == b"<":
        tag = root_tag(path)
        if tag == "coverage" and xml_kind(head) == "clover":
            raise ReportError(path, "unsupported format (Clover XML)")
        if tag in _XML_ROOTS:
            return _XML_ROOTS[tag]
        kind = _UNSUPPORTED_XML.get(tag, f"XML with root <{tag}>")
        raise ReportError(path, f"unsupported format ({kind})")
    first = head.split(b"\n", 1)[0].strip()
    if first.startswith((b"TN:", b"SF:")):
        return lcov.FORMAT
    if first.startswith(b"mode:"):
        raise ReportError(path, "unsupported format (Go coverprofile)")
    raise ReportError(path, "unsupported format (not coverage.py JSON, Cobertura, LCOV or JUnit)")


def xml_kind(head: bytes) -> str:
    """`jacoco`, `clover`, `junit`, `cobertura`, or "" (not XML, or another root), from a
    file's first bytes: the one place that tells XML reports apart (Clover's root is
    `<coverage>` too)."""
    rest = head
    while (skipped := _SKIP.match(rest)) is not None and skipped.end() > 0:
        rest = rest[skipped.end():]
    root = _ROOT.match(rest.lstrip())
    if root is None:
        return ""
    tag, attributes = root.group(1).decode("ascii", "replace"), root.group(2)
    if tag == "report":
        return "jacoco"
    if tag in ("testsuites", "testsuite"):
        return "junit"
    if tag == "coverage":
        clover = b"clover=" in attributes or (b"<project" in head and b"line-rate" not in head)
        return "clover" if clover else "cobertura"
    return ""


def read_report(path: str | Path, job: str = "", keep: Keep | None = None) -> JobReport:
    """Read one report of any supported format; ReportError says why it could not be."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(path, "no such file")
    return _READERS[detect_format(path)](path, job, keep)


def _candidates(source: Path | str | Iterable[Path | str]) -> list[Path]:
    if isinstance(source, (str, Path)):
        root = Path(source)
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    return sorted(Path(p) for p in source)


def _is_junit_name(path: Path) -> bool:
    return any(fnmatch.fnmatch(path.name.lower(), pattern) for pattern in _JUNIT_NAMES)


def _coverage_kind(path: Path) -> str | None:
    """The coverage format of a candidate, or None for anything else in the folder."""
    name = path.name.lower()
    if _is_junit_name(path) or not name.endswith((".json", ".xml", ".info", ".lcov")):
        return None
    try:
        kind = detect_format(path)
    except ReportError:
        return None
    if kind == coveragepy.FORMAT and not _looks_like_coveragepy(path):
        return None  # htmlcov/status.json and the like
    return kind if kind in RICHNESS else None


def _looks_like_coveragepy(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
    return b'"meta"' in head or b'"files"' in head


def read_job(source: Path | str | Iterable[Path | str], job: str,
             keep: Keep | None = None) -> JobReport:
    """One job from its folder (or its files): the richest coverage report only, plus
    JUnit test counts when a `pytest-report.xml` / `*junit*.xml` is there. `keep` names the
    files whose executed lines are kept (for patch coverage)."""
    paths = _candidates(source)
    ranked = [(RICHNESS.index(kind), str(p), p) for p in paths if (kind := _coverage_kind(p))]
    if not ranked:
        raise ReportError(
            str(source) if isinstance(source, (str, Path)) else job, "no coverage report found"
        )
    report = read_report(min(ranked)[2], job, keep)
    junit_files = [p for p in paths if _is_junit_name(p)]
    if junit_files:
        # A broken test report must not cost the job its coverage: keep it, without counts.
        try:
            report = replace(report, tests=junit.read_junit_counts(junit_files[0]))
        except ReportError as exc:
            report = replace(report, warnings=(f"test counts left out: {exc}",))
    return report


__all__ = ["GZIP_MAGIC", "RICHNESS", "detect_format", "read_job", "read_report"]
