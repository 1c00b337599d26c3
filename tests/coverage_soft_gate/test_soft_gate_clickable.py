"""coverage-soft-gate's report you can click: hotspots link to the measured commit with their
missed lines as ranges, files at 100 % are never hotspots, failed tests are named, and a job
that measured nothing is shown with a warning and left out of average and worst."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cmarkgfm
from test_soft_gate_support import add_run, coverage_json, one_warning, run_gate

SHA = "ab" * 20
JUNIT = b"""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="3">
<testcase classname="tests.test_a" name="test_ok"/>
<testcase classname="tests.test_a" name="test_bad"><failure message="assert 1 == 2&#10;more">
trace</failure></testcase>
<testcase classname="tests.test_a" name="test_setup"><error message="fixture broke"/></testcase>
</testsuite></testsuites>"""


def test_hotspots_link_to_the_measured_commit_with_line_ranges(tmp_path: Path, fake: Any) -> None:
    leg = tmp_path / "workspace" / "leg"
    leg.mkdir(parents=True)
    (leg / "coverage.json").write_bytes(coverage_json({"src/half.py": (10, 5),
                                                       "src/full.py": (4, 4)}))
    (leg / "pytest-report.xml").write_bytes(JUNIT)
    add_run(fake, {})

    result = run_gate(tmp_path, fake, {"files": "leg/coverage.json"}, env={"GITHUB_SHA": SHA})

    html = cmarkgfm.github_flavored_markdown_to_html(result.summary)
    blob = f"https://github.com/{fake.repo_full_name}/blob/{SHA}/src/half.py"
    assert f'<a href="{blob}"><code>src/half.py</code></a>' in html
    assert f'<a href="{blob}#L6-L10">6\u201110</a>' in html
    assert "src/full.py" not in result.summary  # at 100 %: never a hotspot
    failed = result.summary.split("### Failed tests", 1)[1].split("###", 1)[0]
    assert "`tests.test_a::test_bad`" in failed and "assert 1 == 2" in failed
    assert "more" not in failed and "fixture broke" in failed and "error" in failed


def test_a_job_that_measured_nothing_is_shown_and_left_out(tmp_path: Path, fake: Any) -> None:
    for name, files in (("good", {"src/a.py": (10, 8)}), ("empty", {})):
        folder = tmp_path / "workspace" / name
        folder.mkdir(parents=True)
        (folder / "coverage.json").write_bytes(coverage_json(files))
    add_run(fake, {})

    result = run_gate(tmp_path, fake, {"files": "*/coverage.json"})

    one_warning(result, "empty", "no statements measured")
    assert result.outputs["jobs"] == "2"
    assert (result.outputs["average"], result.outputs["worst"]) == ("80.00", "80.00")
    assert re.search(r"\| `empty` \| — \(no statements measured\) \|", result.summary)
