"""Remake examples/coverage/, the reports the README's Quick start reads, from the current source.

    python scripts/make_examples.py

Two legs of this project's own tests, as two matrix jobs would upload them, each measured over
the coverage readers (src/ci_toolkit/coverage/) with the settings in pyproject.toml:
`readers/` runs tests/test_coverage_readers.py, `analysis/` tests/test_coverage_analysis.py.
Each leg writes coverage.py's JSON report and pytest's JUnit XML. tests/test_quickstart.py fails
when the reports no longer match the source (a statement added, moved or removed): run this.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "coverage"
MEASURED = "src/ci_toolkit/coverage"
LEGS = {"readers": "tests/test_coverage_readers.py", "analysis": "tests/test_coverage_analysis.py"}


def make(leg: str, tests: str) -> None:
    out = EXAMPLES / leg
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    relative = out.relative_to(ROOT).as_posix()
    subprocess.run([sys.executable, "-m", "pytest", "-q", tests, f"--cov={MEASURED}",
                    f"--cov-report=json:{relative}/coverage.json",
                    f"--junitxml={relative}/pytest-report.xml"], cwd=ROOT, check=True)


def main() -> int:
    for old in EXAMPLES.iterdir():
        if old.is_dir() and old.name not in LEGS:
            shutil.rmtree(old)  # a leg that is no longer made
    for leg, tests in LEGS.items():
        make(leg, tests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
