"""Reports the soft gate does not read, as the real tools write them (no tests here).

Clover and JaCoCo are quoted from public repositories (each source named beside it; cut to
their first file, then closed, so each is still well-formed); the rest is made at test time by
the real tools: coverage.py's data file, pytest's JUnit file, and a real report cut short.
"""

from __future__ import annotations

from pathlib import Path

from conftest import sample_coverage
from test_coverage_analysis import run_coverage, write_package

# istanbul's clover reporter (Jest), from github.com/0gunkim/JEST @ 97c0a8f,
# coverage/clover.xml: its head and first lines, then its closing tags.
CLOVER = b"""<?xml version="1.0" encoding="UTF-8"?>
<coverage generated="1672063245735" clover="3.2.0">
  <project timestamp="1672063245735" name="All files">
    <metrics statements="35" coveredstatements="35" conditionals="8" coveredconditionals="8" \
methods="7" coveredmethods="7" elements="50" coveredelements="50" complexity="0" loc="35" \
ncloc="35" packages="1" files="1" classes="1"/>
    <file name="calculator.js" path="/Users/ygun/projects/TDD/JEST/src/calculator.js">
      <line num="1" count="1" type="stmt"/>
      <line num="2" count="1" type="cond" truecount="1" falsecount="0"/>
    </file>
  </project>
</coverage>
"""

# JaCoCo's XML report, from github.com/FlyHorizon/test-jacoco @ f250bde, jacoco.xml: its
# head and first package, then its closing tag.
JACOCO = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC '
          b'"-//JACOCO//DTD Report 1.1//EN" "report.dtd"><report name="JaCoCo Coverage Report">'
          b'<sessioninfo id="taoqindndiannao-3c959c43" start="1716126368447" '
          b'dump="1716127977372"/><package name="com/study/springbootmybatis"><sourcefile '
          b'name="SpringbootMybatisApplication.java"><line nr="9" mi="0" ci="3" mb="0" cb="0"/>'
          b'<counter type="LINE" missed="0" covered="3"/></sourcefile></package></report>')


def data_file(tmp: Path) -> bytes:
    """coverage.py's own `.coverage` (SQLite), from a real `coverage run`."""
    write_package(tmp)
    (tmp / "run.py").write_text("from pkg.mod import sign\nsign(1)\n")
    run_coverage(tmp, "run", "--source=pkg", "run.py")
    return (tmp / ".coverage").read_bytes()


def junit() -> bytes:
    """pytest's own JUnit file from the sample's matrix job `a`."""
    return sample_coverage().branch.report("a", "pytest-report.xml")


def cut() -> bytes:
    """A real coverage.py JSON report, cut in the middle (an interrupted upload)."""
    whole = sample_coverage().branch.report("a")
    return whole[: len(whole) // 2]


def write_all(workspace: Path) -> dict[str, str]:
    """One job folder per wrong report under `workspace`; {job: the report's file name}."""
    made = {"clover": ("coverage.xml", CLOVER), "jacoco": ("jacoco.xml", JACOCO),
            "data": (".coverage", data_file(workspace / "_measure")),
            "junit": ("pytest-report.xml", junit()), "empty": ("coverage.json", b""),
            "cut": ("coverage.json", cut())}
    for job, (name, data) in made.items():
        (workspace / job).mkdir(parents=True, exist_ok=True)
        (workspace / job / name).write_bytes(data)
    return {job: name for job, (name, _) in made.items()}
