"""One job of the sample's CI matrix, as a workflow runs it: the job's tests under coverage.py,
then every report the soft gate reads; or, for `combine`, what coverage.py says of the union.

    python ci_job.py JOB MODE           JOB/: .coverage, coverage.json, coverage.xml, lcov.info,
                                        pytest-report.xml (JUnit), outcomes.json (pytest's count)
    python ci_job.py combine MODE JOB…  combined/: `coverage combine` of the jobs' data files,
                                        and its coverage.json

MODE is `branch` or `statements`. Run from this folder (paths in the reports are relative to it).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import coverage
import pytest


def measure(data_file: Path, branch: bool) -> coverage.Coverage:
    cov = coverage.Coverage(data_file=str(data_file), branch=branch, source=["tally"],
                            config_file=False)
    cov.set_option("run:relative_files", True)
    return cov


class Outcomes:
    """pytest's own count of the job's tests, to judge the JUnit reader by."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.count["tests"] = len(session.items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.count["errors" if report.when != "call" else "failures"] += 1
        elif report.skipped:
            self.count["skipped"] += 1


def job(name: str, branch: bool) -> None:
    out = Path(name)
    out.mkdir(exist_ok=True)
    cov, outcomes = measure(out / ".coverage", branch), Outcomes()
    cov.start()
    code = pytest.main(["-q", "-p", "no:cacheprovider", f"--junitxml={out}/pytest-report.xml",
                        f"tests_{name}"], plugins=[outcomes])
    cov.stop()
    cov.save()
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        sys.exit(f"job {name}: pytest exited {code}")
    write_reports(cov, out)
    (out / "outcomes.json").write_text(json.dumps(outcomes.count))


def write_reports(cov: coverage.Coverage, out: Path) -> None:
    cov.json_report(outfile=str(out / "coverage.json"))
    cov.xml_report(outfile=str(out / "coverage.xml"))
    cov.lcov_report(outfile=str(out / "lcov.info"))


def combine(branch: bool, jobs: list[str]) -> None:
    out = Path("combined")
    out.mkdir(exist_ok=True)
    cov = measure(out / ".coverage", branch)
    cov.combine([f"{name}/.coverage" for name in jobs], keep=True)
    cov.save()
    write_reports(cov, out)


def main(argv: list[str]) -> Any:
    what, mode, *jobs = argv
    branch = {"branch": True, "statements": False}[mode]
    return combine(branch, jobs) if what == "combine" else job(what, branch)


if __name__ == "__main__":
    main(sys.argv[1:])
