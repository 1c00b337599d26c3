"""The soft gate's pure parts: hidden history, trend, report Markdown, grouping of files."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_soft_gate_support import average_and_worst, percent, sample_report

from ci_toolkit.coverage import Summary, read_job, summarize
from ci_toolkit.coverage_soft_gate import history, report, sources, trend
from ci_toolkit.coverage_soft_gate.history import Point
from ci_toolkit.coverage_soft_gate.origin import Run
from ci_toolkit.coverage_soft_gate.report import Report
from ci_toolkit.markdown import ISSUE_BODY_LIMIT
from conftest import SAMPLE_JOBS, sample_coverage


def point(n: int, average: float = 80.0, combined: float | None = 85.0) -> Point:
    return Point(n, f"{n:012x}", "2025-03-01", average, average - 5, combined)


def test_history_round_trips_and_keeps_the_last_30() -> None:
    points: list[Point] = []
    for n in range(40):
        points = history.add(points, point(n, 50 + n / 2))
    text = f"intro\n{history.render(points)}\nmore"
    parsed = history.parse(text)
    assert [p.run_id for p in parsed] == list(range(10, 40))
    assert parsed[-1] == point(39, 69.5)


def test_a_rerun_replaces_its_entry() -> None:
    points = history.add(history.add([point(1), point(2)], point(1, 90)), point(3))
    assert [(p.run_id, p.average) for p in points] == [(2, 80), (1, 90), (3, 80)]


@pytest.mark.parametrize("body", [
    None, "", "no history here", "<!-- ci-toolkit:coverage-history [[1, 2 -->",
    '<!-- ci-toolkit:coverage-history {"a": 1} -->',
])
def test_a_missing_or_broken_history_starts_afresh(body: str | None) -> None:
    assert history.parse(body) == []


def test_entries_edited_into_nonsense_are_dropped() -> None:
    body = ('<!-- ci-toolkit:coverage-history [[1,"abc","2025-01-01",50,40,null],'
            '[2,"not hex","2025-01-01",50,40,45],[3,"abc","2025-01-01",500,40,45],'
            '[4,"abc","2025-01-01",true,40,45]] -->')
    assert [p.run_id for p in history.parse(body)] == [1]


def test_rendered_history_cannot_close_its_comment_early() -> None:
    text = history.render([point(n) for n in range(30)])
    assert text.count("-->") == 1 and "--" not in text[4:-3]


def test_sparkline_scales_between_lowest_and_highest() -> None:
    assert trend.sparkline([10, 20, 30, 40, 50, 60, 70, 80]) == "▁▂▃▄▅▆▇█"
    assert trend.sparkline([70, 70, 70]) == "▄▄▄"
    assert trend.sparkline([]) == ""


def test_headline_is_one_line_with_the_change() -> None:
    line = trend.headline([point(1, 80.1), point(2, 81), point(3, 82.4)])
    assert "\n" not in line
    assert line == "Trend: ▁▄█ average 80.10% → 82.40% (+2.30) over the last 3 runs."
    assert trend.headline([point(1, 80)]) == "Trend: first recorded run, average 80.00%."


def test_chart_is_a_mermaid_xychart_with_one_line_per_total() -> None:
    chart = trend.chart([point(1, 70), point(2, 75, None)])
    assert chart.startswith("```mermaid\n%%{init: ") and "%%\nxychart-beta\n" in chart
    # both short shas are 0000000 on one day: two runs, two points (Mermaid merges equal labels)
    assert 'x-axis ["03-01 0000000", "03-01 0000000 #2"]' in chart
    assert "line [70.00, 75.00]" in chart and "line [65.00, 70.00]" in chart
    assert "combined" not in chart.split("```")[2]  # one run had no combined: no such line
    assert chart.endswith("Legend: 🟦 average · 🟥 worst.")
    assert '"plotColorPalette": "#0969da, #cf222e"' in chart  # the legend's colours, in order
    assert "y-axis \"coverage %\" 60 --> 100" in chart
    assert trend.chart([point(1)]) == ""


def test_chart_keys_its_points_by_run() -> None:
    runs = [point(1), Point(2, "abcdef123456", "2025-03-02", 81, 76, 86), point(3)]
    labels = trend.labels(runs)
    assert len(set(labels)) == 3 == len(labels)  # the first run's commit ran again: a 3rd point
    chart = trend.chart(runs)
    assert chart.count("line [") == 3
    assert "Legend: 🟩 combined · 🟦 average · 🟥 worst." in chart


def sample_summary() -> Summary:
    run = sample_coverage().branch
    return summarize([read_job(run.job(job), job) for job in SAMPLE_JOBS], 15)


def test_report_has_headline_jobs_hotspots_and_logs_note() -> None:
    text = report.render(Report(sample_summary(), Run(), jobs=None, jobs_note="Left out: no run."))
    average, worst = average_and_worst()
    assert (f"**Average {average}%** · worst {worst}% (a) · combined {percent()}% · 2 jobs"
            in text)
    run = sample_coverage().branch
    a, tests = run.coverage_py("a")["totals"], run.outcomes("a")
    assert (f"| `a` | {percent('a')}% | {a['covered_lines']} / {a['num_statements']} | "
            f"{a['covered_branches']} / {a['num_branches']} | {tests['tests']} | 0 |") in text
    files = run.coverage_py("combined")["files"]
    worst_first = sorted(files, key=lambda f: (-files[f]["summary"]["missing_lines"], f))
    assert text.index(worst_first[0]) < text.index(worst_first[1])
    assert "### Logs for this run\n\n_Left out: no run._" in text


def test_body_over_the_limit_keeps_marker_chart_and_history() -> None:
    visible = "## Coverage soft gate\n\n" + "\n".join(f"| row {n} | {'x' * 90} |"
                                                      for n in range(2000))
    points = [point(n) for n in range(30)]
    body = report.body("<!-- mark -->", visible, points)
    assert len(body) <= ISSUE_BODY_LIMIT
    assert body.startswith("<!-- mark -->\n## Coverage soft gate")
    assert "xychart-beta" in body and history.parse(body) == points
    assert "cut to GitHub's limit of 65,536 characters" in body
    assert body.count("| row ") < 2000


def test_pull_request_comment_says_the_body_is_not_replaced() -> None:
    text = report.comment("<!-- m -->", "## report\n", [point(1), point(2, 90)],
                          default_branch=False)
    assert text.startswith("<!-- m -->\n\nTrend: ▁█ average 80.00% → 90.00%")
    assert "Not a default-branch run" in text
    assert "Not a default" not in report.comment("<!-- m -->", "## r\n", [point(1)],
                                                 default_branch=True)


def test_comment_over_the_limit_keeps_its_marker_and_one_cut_note() -> None:
    visible = "\n".join(f"| row {n} | {'x' * 90} |" for n in range(2000))
    text = report.comment("<!-- m -->", visible, [point(1)], default_branch=True)
    assert len(text) <= ISSUE_BODY_LIMIT and text.startswith("<!-- m -->")
    assert text.count("cut to GitHub's limit") == 1


def test_files_are_grouped_by_folder_with_junit_beside_them(tmp_path: Path) -> None:
    for folder in ("a/py311", "a/py312", "b/py312"):
        (tmp_path / folder).mkdir(parents=True)
        for name in ("coverage.json", "coverage.xml", "pytest-report.xml", "notes.txt"):
            (tmp_path / folder / name).write_text("x")
    (tmp_path / "coverage.json").write_text("x")
    groups = sources.find_reports(tmp_path, ["**/coverage.*"])
    assert sorted(groups) == ["a/py312", "b/py312", "coverage.json", "py311"]
    assert [p.name for p in groups["py311"]] == ["coverage.json", "coverage.xml",
                                                 "pytest-report.xml"]
    assert [p.name for p in groups["coverage.json"]] == ["coverage.json"]


def test_a_job_with_a_broken_junit_file_is_counted_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "leg").mkdir()
    (tmp_path / "leg" / "coverage.json").write_bytes(sample_report("a"))
    (tmp_path / "leg" / "pytest-report.xml").write_text("<testsuites><testsuite>")
    warnings: list[str] = []
    jobs = sources.read_files(sources.find_reports(tmp_path, ["**/coverage.json"]),
                              warnings.append)
    assert [job.job for job in jobs] == ["leg"] and jobs[0].tests is None
    assert len(warnings) == 1 and "test counts left out" in warnings[0]


def test_one_rule_names_the_same_file_for_the_patch_and_for_what_the_reader_keeps() -> None:
    from ci_toolkit.coverage_soft_gate.patch import ChangedFile, KeepChanged, SamePath

    same = SamePath(["src/pkg/a.py", "/w/repo/src/pkg/b.py", "c.py"])
    assert same.matches("src/pkg/a.py") == ["src/pkg/a.py"]
    assert same.matches("pkg/a.py") == ["src/pkg/a.py"]  # a report relative to src/
    assert same.matches("src/pkg/b.py") == ["/w/repo/src/pkg/b.py"]  # an absolute report path
    assert same.matches("lib/c.py") == ["c.py"] and same.matches("xsrc/pkg/a.py") == []
    keep = KeepChanged([ChangedFile("src/pkg/a.py", (1,)), ChangedFile("img.png", None)])
    assert keep("/w/src/pkg/a.py") and keep("pkg/a.py") and not keep("img.png")
    assert "pkg/a.py" in same and "d.py" not in same
