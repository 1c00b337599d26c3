"""JUnit XML (pytest `--junitxml`, xunit1/xunit2, `<testsuites>` or bare `<testsuite>`)."""

from __future__ import annotations

from pathlib import Path

from .model import JobReport, ReportError, TestCounts
from .xmlstream import iter_elements

FORMAT = "junit"
_ROOTS = ("testsuites", "testsuite")


def read_junit_counts(path: Path) -> TestCounts:
    """Counts from the <testcase> elements: the `tests` attribute also counts subtests.

    A test case is counted once: error before failure before skipped (pytest writes an
    xfail as <skipped>).
    """
    tests = failures = errors = skipped = 0
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
        if "error" in tags:
            errors += 1
        elif "failure" in tags:
            failures += 1
        elif "skipped" in tags:
            skipped += 1
        elem.clear()
    if first:
        raise ReportError(path, "empty XML")
    return TestCounts(tests, failures, errors, skipped)


def read_junit(path: Path, job: str = "") -> JobReport:
    return JobReport(job=job, source_path=str(path), format=FORMAT, tests=read_junit_counts(path))
