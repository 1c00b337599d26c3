"""The soft gate's Markdown: headline, per-job table, hotspots, the run's logs, size budgets.

Every string from outside goes through `markdown`: job names and file paths in tables as code
spans (`code`), prose through `escape`, problems as `Message`s (our Markdown, outside parts
escaped) — so a name holding `|`, a newline, backticks, `<script>`, `&#64;x` or `@someone`
keeps every table intact, shows as given and pings no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from ci_toolkit.coverage import Hotspot, JobSummary, Summary, Totals, line_ranges
from ci_toolkit.coverage_soft_gate import history, trend
from ci_toolkit.coverage_soft_gate.history import Point
from ci_toolkit.coverage_soft_gate.origin import Run
from ci_toolkit.coverage_soft_gate.patch import Patch
from ci_toolkit.joblist import DEFAULT_TITLE, Job, jobs_table
from ci_toolkit.markdown import (
    ISSUE_BODY_LIMIT,
    Text,
    callout,
    code,
    escape,
    heading,
    link,
    percent,
    prose,
    table,
    truncate,
)

TITLE = "Coverage soft gate"
CUT_NOTE = ("This report was cut to GitHub's limit of 65,536 characters; the full report is in "
            "the step summary of the run.")


@dataclass
class Report:
    """Everything the Markdown is made of."""

    summary: Summary
    run: Run
    jobs: list[Job] | None = None  # the run's jobs, for the logs table; None: not listed
    jobs_note: str = ""  # why the logs table is missing
    problems: list[Text] = field(default_factory=list)
    blob: str | None = None  # `<server>/<repo>/blob/<measured sha>`: where files link to
    patch: Patch | None = None  # the change's coverage; None: not a change (or not read)
    delta: float | None = None  # the headline figure minus the default branch's last one
    issue_url: str | None = None  # the tracking issue, once found


CHANGED_SHOWN = 25  # changed files in the pull-request comment; the summary lists them all
HOTSPOTS_SHOWN = 5  # hotspots in the pull-request comment


RANGES_SHOWN = 5  # missed-line ranges linked per file; the rest are counted


def file_link(path: str, blob: str | None, lines: tuple[int, int] | None = None) -> str:
    """A file (or its lines) at the measured commit; the path shown as a code span."""
    return f"[{code(path)}]({_file_url(path, blob, lines)})" if blob else code(path)


def _file_url(path: str, blob: str | None, lines: tuple[int, int] | None = None) -> str:
    anchor = "" if lines is None else f"#L{lines[0]}" + (
        f"-L{lines[1]}" if lines[1] != lines[0] else "")
    return f"{blob}/{quote(path, safe='/')}{anchor}"


def ranges_cell(path: str, lines: Sequence[int], blob: str | None) -> str:
    """Missed lines as ranges (`12-15, 20`), the first few linked to `#L12-L15`."""
    spans = line_ranges(lines)
    shown = []
    for start, end in spans[:RANGES_SHOWN]:
        label = f"{start}" if start == end else f"{start}–{end}"
        shown.append(f"[{label}]({_file_url(path, blob, (start, end))})" if blob else label)
    more = len(spans) - RANGES_SHOWN
    return ", ".join(shown) + (f" (+{more} more)" if more > 0 else "") if shown else "—"


def _number(value: int) -> str:
    return f"{value:,}"


def _counts(covered: int, total: int) -> str:
    return f"{_number(covered)} / {_number(total)}" if total else "—"


def signed(value: float) -> str:
    return f"{value:+.2f}"


def patch_line(patch: Patch | None) -> str:
    """"Patch coverage 75.00% (3 of 4 changed statements)", or why there is none."""
    if patch is None:
        return ""
    if patch.percent is None:
        return "Patch coverage: — (no changed line is a statement)"
    return (f"**Patch coverage {percent(patch.percent)}** ({_number(patch.covered)} of "
            f"{_number(patch.statements)} changed statements executed)")


def headline(report: Report) -> str:
    s = report.summary
    if not s.jobs:
        return "**No coverage report could be read in this run.**"
    change = "" if report.delta is None else f" ({signed(report.delta)} against the default branch)"
    measured = [j for j in s.jobs if j.measured] or list(s.jobs)
    worst = min(measured, key=lambda j: j.percent)
    combined = percent(s.combined) if s.combined is not None else "— (no line data)"
    if s.combined is not None and not s.combined_branches:
        combined += " (statements only)"
    average = f"**Average {percent(s.average)}**"
    if s.combined is not None:
        combined += change
    else:
        average += change
    return (f"{average} · worst {percent(s.worst)} ({escape(worst.job)}) · combined {combined}"
            f" · {len(s.jobs)} job{'s' if len(s.jobs) != 1 else ''}")


def origin(run: Run) -> str:
    parts = [link(f"run {run.run_id}", run.url) if run.run_id else "a local run"]
    if run.branch:
        parts.append(f"on {escape(run.branch)}")
    if run.sha:
        parts.append(f"at {escape(run.sha[:7])}")
    return "From " + " ".join(parts) + "."


def jobs_section(jobs: Sequence[JobSummary]) -> str:
    if not jobs:
        return ""
    junit = any(j.tests is not None for j in jobs)
    headers = ["Job", "Total", "Statements", "Branches"] + (["Tests", "Failed"] if junit else [])
    rows = [_job_row(j, junit) for j in sorted(jobs, key=lambda j: j.job)]
    return heading("Jobs") + "\n\n" + table(headers, rows, "lrrr" + ("rr" if junit else ""))


def _job_row(job: JobSummary, junit: bool) -> list[str]:
    t: Totals = job.totals
    total = percent(job.percent) if job.measured else "— (no statements measured)"
    row = [code(job.job), total, _counts(t.executed, t.statements),
           _counts(t.taken, t.branches)]
    if junit:
        tests = job.tests
        row += ["—", "—"] if tests is None else [
            _number(tests.tests), _number(tests.failures + tests.errors)]
    return row


def hotspots_section(hotspots: Sequence[Hotspot], blob: str | None = None) -> str:
    if not hotspots:
        return ""
    rows = [[file_link(h.path, blob), percent(h.percent), _number(h.totals.missed_statements),
             _number(h.totals.statements), _counts(h.totals.taken, h.totals.branches),
             ranges_cell(h.path, h.missed, blob)]
            for h in hotspots]
    return (heading(f"Hotspots: the {len(hotspots)} least covered files") + "\n\n" +
            table(["File", "Coverage", "Missed", "Statements", "Branches", "Missed lines"],
                  rows, "lrrrrl"))


def failed_section(jobs: Sequence[JobSummary]) -> str:
    """The failed and errored tests each job's JUnit report names."""
    rows = []
    for job in sorted(jobs, key=lambda j: j.job):
        tests = job.tests
        if tests is None or not tests.failed:
            continue
        for case in tests.failed:
            rows.append([code(job.job), code(case.name), "error" if case.error else "failed",
                         escape(case.message) or "—"])
        unnamed = tests.failures + tests.errors - len(tests.failed)
        if unnamed > 0:
            rows.append([code(job.job), f"_and {_number(unnamed)} more_", "", ""])
    if not rows:
        return ""
    return heading("Failed tests") + "\n\n" + table(["Job", "Test", "", "Message"], rows, "llll")


def changed_section(patch: Patch | None, blob: str | None, limit: int | None = None) -> str:
    """Each changed file with its changed statements, covered, and the missed ones linked;
    the files with no figures listed with the reason."""
    if patch is None or not (patch.files or patch.cut):
        return ""
    measured = sorted(patch.measured, key=lambda f: (-len(f.missed), f.path))
    shown = measured if limit is None else measured[:limit]
    rows = [[file_link(f.path, blob), _number(len(f.changed)), _number(len(f.covered)),
             percent(100.0 * len(f.covered) / len(f.changed)),
             ranges_cell(f.path, f.missed, blob)] for f in shown]
    parts = [heading("Changed lines")]
    if rows:
        parts.append(table(["File", "Changed statements", "Covered", "%", "Missed lines"],
                           rows, "lrrrl"))
    if len(measured) > len(shown):
        parts.append(f"_…and {_number(len(measured) - len(shown))} more changed files: the full "
                     "list is in the step summary._")
    quiet = [f for f in patch.files if not f.not_measured and not f.changed]
    if quiet:
        parts.append(f"_{_number(len(quiet))} changed file(s) change no statement._")
    if patch.unmeasured:
        items = [f"- {code(f.path)}: not measured ({escape(f.not_measured)})"
                 for f in patch.unmeasured[: limit or None]]
        more = len(patch.unmeasured) - len(items)
        parts.append("Not measured:\n" + "\n".join(items) +
                     (f"\n- …and {_number(more)} more" if more > 0 else ""))
    if patch.cut:
        parts.append(f"_{escape(patch.cut)}_")
    return "\n\n".join(parts)


def logs_section(report: Report) -> str:
    if report.jobs is None:
        return f"{heading(DEFAULT_TITLE)}\n\n_{escape(report.jobs_note or 'Not listed.')}_"
    return jobs_table(report.jobs, title=DEFAULT_TITLE)


def problems_section(problems: Sequence[Text]) -> str:
    if not problems:
        return ""
    items = "\n".join(f"- {prose(p)}" for p in problems)
    return callout("warning", f"Some of this run could not be read or written:\n{items}")


def render(report: Report) -> str:
    """The visible report, as the step summary, the comment and the issue body show it."""
    parts = [
        heading(TITLE, 2),
        headline(report) + "  \n" + origin(report.run),
        patch_line(report.patch),
        problems_section(report.problems),
        changed_section(report.patch, report.blob),
        jobs_section(report.summary.jobs),
        failed_section(report.summary.jobs),
        hotspots_section(report.summary.hotspots, report.blob),
        logs_section(report),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def fit(visible: str, reserved: int) -> str:
    """`visible` cut (with a note) so that `reserved` more characters still fit in a body."""
    return truncate(visible, ISSUE_BODY_LIMIT - reserved, CUT_NOTE)


def body(mark: str, visible: str, points: list[Point]) -> str:
    """The issue body: marker, report, trend chart, hidden history; never over the limit.

    Only the visible report is ever cut: the marker finds the issue again and the history
    carries the trend forward.
    """
    chart = trend.chart(points)
    shown = f"\n{heading('Trend')}\n\n{chart}\n" if chart else ""
    tail = shown + "\n" + history.render(points) + "\n"
    head = mark + "\n"
    return head + fit(visible, len(head) + len(tail)) + tail


def comment(mark: str, visible: str, points: list[Point], *, default_branch: bool) -> str:
    """One run's comment: its marker, the sparkline line first (e-mails show raw text), then
    the report, cut so that the whole comment fits."""
    lines = [mark, trend.headline(points)]
    if not default_branch:
        lines.append("_Not a default-branch run: the issue body keeps the default branch's "
                     "figures; this comment records this run._")
    head = "\n\n".join(line for line in lines if line) + "\n\n"
    return head + fit(visible, len(head))


def placeholder(mark: str) -> str:
    """The body of an issue first created by a run that is not on the default branch."""
    return (f"{mark}\n{heading(TITLE, 2)}\n\n_The figures appear here after the first run "
            f"on the default branch; every run adds a comment below._\n\n"
            f"{history.render([])}\n")


def pull_comment(report: Report) -> str:
    """The ONE pull-request comment: the headline with the change, patch coverage, the changed
    lines, the first hotspots, failed tests, and where the rest is."""
    where = [link("the run", report.run.url) if report.run.url else ""]
    if report.issue_url:
        where.append(link("the tracking issue", report.issue_url))
    pointers = " and ".join(w for w in where if w)
    parts = [
        heading(TITLE, 2),
        headline(report) + "  \n" + origin(report.run),
        patch_line(report.patch),
        changed_section(report.patch, report.blob, CHANGED_SHOWN),
        hotspots_section(report.summary.hotspots[:HOTSPOTS_SHOWN], report.blob),
        failed_section(report.summary.jobs),
        f"_Every job, every hotspot and the trend: {pointers}._" if pointers else "",
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def as_data(report: Report) -> dict[str, object]:
    """The report as data (`report-json`): no Markdown to parse."""
    s = report.summary
    patch = report.patch
    return {
        "average": _round(s.average), "worst": _round(s.worst),
        "combined": _round(s.combined), "delta": _round(report.delta),
        "run": {"id": report.run.run_id, "url": report.run.url, "sha": report.run.sha,
                "branch": report.run.branch, "default_branch": report.run.default_branch},
        "issue_url": report.issue_url,
        "jobs": [{"name": j.job, "total": _round(j.percent) if j.measured else None,
                  "statements": j.totals.statements, "covered": j.totals.executed,
                  "branches": j.totals.branches, "taken": j.totals.taken,
                  "tests": None if j.tests is None else j.tests.tests,
                  "failed": None if j.tests is None else [
                      {"name": f.name, "message": f.message, "error": f.error}
                      for f in j.tests.failed]}
                 for j in s.jobs],
        "hotspots": [{"path": h.path, "percent": _round(h.percent),
                      "statements": h.totals.statements,
                      "missed": h.totals.missed_statements, "branches": h.totals.branches,
                      "taken": h.totals.taken, "missed_lines": line_ranges(h.missed)}
                     for h in s.hotspots],
        "patch": None if patch is None else {
            "percent": _round(patch.percent), "covered": patch.covered,
            "statements": patch.statements, "cut": patch.cut or None,
            "files": [{"path": f.path, "changed": line_ranges(f.changed),
                       "covered": line_ranges(f.covered), "missed": line_ranges(f.missed),
                       "not_measured": f.not_measured or None} for f in patch.files]},
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
