"""JUnit XML (pytest `--junitxml`, xunit1/xunit2, `<testsuites>` or bare `<testsuite>`)."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

from .model import FailedTest, Format, JobReport, Keep, ReportError, TestCounts
from .xmlstream import iter_elements

FORMAT: Format = "junit"
_ROOTS = ("testsuites", "testsuite")
FAILED_LIMIT = 10  # failed tests named per job; the rest are counted


def read_junit_counts(path: Path) -> TestCounts:
    """Counts from the <testcase> elements: the `tests` attribute also counts subtests.

    A test case is counted once: error before failure before skipped (pytest writes an
    xfail as <skipped>).
    """
    tests = failures = errors = skipped = 0
    failed: list[FailedTest] = []
    first = True
    for event, elem in iter_elements(path, events=("start", "end")):
        if first:
            first = False
            if elem.tag not in _ROOTS:
                raise ReportError(path, f"not a JUnit report (root <{elem.tag}>)")
        if event != "end" or elem.tag != "testcase":
            continue
        tags = {child.tag for child in elem}
        tests += 1
        if "error" in tags or "failure" in tags:
            errors += "error" in tags
            failures += "error" not in tags
            if len(failed) < FAILED_LIMIT:
                failed.append(_failed(elem, "error" in tags))
        elif "skipped" in tags:
            skipped += 1
        elem.clear()
    if first:
        raise ReportError(path, "empty XML")
    return TestCounts(tests, failures, errors, skipped, tuple(failed))


def _failed(case: Element, error: bool) -> FailedTest:
    """`classname::name` and the first line of the failure's message (or of its text)."""
    child = case.find("error" if error else "failure")
    text = "" if child is None else (child.get("message") or child.text or "")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    classname, name = case.get("classname") or "", case.get("name") or "?"
    return FailedTest(f"{classname}::{name}" if classname else name, first[:200], error)


def read_junit(path: Path, job: str = "", keep: Keep | None = None) -> JobReport:
    return JobReport(job=job, source_path=str(path), format=FORMAT, tests=read_junit_counts(path))
