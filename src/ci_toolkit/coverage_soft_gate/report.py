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
from ci_toolkit.coverage_soft_gate.patch import Patch, SamePath
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
    annotated: tuple[int, int] = (0, 0)  # missed ranges of changed lines: (annotated, all)


QUEUE_NOTE = ("_A merge queue's run: its commit is a candidate, so nothing is written to the "
              "pull request, the tracking issue or its history._")
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


NB_HYPHEN = "\u2011"  # a range never breaks at a comment's width: `43‑45`, not `43–` / `45`


def range_label(start: int, end: int) -> str:
    return f"{start}" if start == end else f"{start}{NB_HYPHEN}{end}"


def ranges_cell(path: str, lines: Sequence[int], blob: str | None) -> str:
    """Missed lines as ranges (`12‑15, 20`), the first few linked to `#L12-L15`; the rest
    counted ("and 3 more", linked to the whole file)."""
    spans = line_ranges(lines)
    shown = []
    for start, end in spans[:RANGES_SHOWN]:
        label = range_label(start, end)
        shown.append(f"[{label}]({_file_url(path, blob, (start, end))})" if blob else label)
    more = len(spans) - RANGES_SHOWN
    if more > 0:
        rest = f"and {_number(more)} more"
        shown.append(f"[{rest}]({_file_url(path, blob)})" if blob else rest)
    return ", ".join(shown) if shown else "—"


def _number(value: int) -> str:
    return f"{value:,}"


def _counts(covered: int, total: int) -> str:
    return f"{_number(covered)} / {_number(total)}" if total else "—"


def signed(value: float) -> str:
    return f"{value:+.2f}"


def verdict(patch: Patch | None) -> str:
    """Did the change's lines run? `✅ All 11 changed statements ran`, `⚠️ 6 of 11 changed
    statements never ran (patch 45.45%)`, or that no changed line is a measured statement."""
    if patch is None:
        return ""
    if patch.percent is None:
        return "➖ **This change touched no measured statement**"
    missed = patch.statements - patch.covered
    if not missed:
        return f"✅ **All {_number(patch.statements)} changed statements ran**"
    return (f"⚠️ **{_number(missed)} of {_number(patch.statements)} changed statements never "
            f"ran** (patch {percent(patch.percent)})")


def measured(summary: Summary) -> bool:
    """Some job measured a statement: without one, no figure may read as 100 %."""
    return any(j.measured for j in summary.jobs)


def combined_figure(summary: Summary) -> float | None:
    """`combined`, or None when nothing was measured (a union of nothing is not 100 %)."""
    return summary.combined if measured(summary) else None


def headline(report: Report) -> str:
    s = report.summary
    if not s.jobs:
        return "**No coverage report could be read in this run.**"
    if not measured(s):
        return (f"**Average —** · worst — · combined — (nothing measured: no job's report "
                f"lists a statement) · {_jobs(len(s.jobs))}")
    return f"**Average {percent(s.average)}**" + _figures(report)


def project_line(report: Report) -> str:
    """The pull-request comment's ONE line of project figures."""
    s = report.summary
    if not s.jobs or not measured(s):
        return "**Project:** " + headline(report).replace("**", "")
    return f"**Project:** average {percent(s.average)}" + _figures(report)


def _figures(report: Report) -> str:
    """` · worst … · combined … (delta) · N jobs`, the delta beside the headline figure."""
    s = report.summary
    change = "" if report.delta is None else f" ({signed(report.delta)} against the default branch)"
    worst = min((j for j in s.jobs if j.measured), key=lambda j: j.percent)
    combined = percent(s.combined) if s.combined is not None else "— (no line data)"
    if s.combined is not None and not s.combined_branches:
        combined += " (statements only)"
    head = change if s.combined is None else ""
    if s.combined is not None:
        combined += change
    return (f"{head} · worst {percent(s.worst)} ({escape(worst.job)}) · combined {combined}"
            f" · {_jobs(len(s.jobs))}")


def _jobs(count: int) -> str:
    return f"{count} job{'s' if count != 1 else ''}"


def origin(run: Run) -> str:
    parts = [link(f"run {run.run_id}", run.url) if run.run_id else "a local run"]
    if run.queue:
        parts.append(f"({escape(run.queue)})")
    elif run.branch:
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


def hotspots_section(hotspots: Sequence[Hotspot], blob: str | None = None,
                     among: str = "") -> str:
    if not hotspots:
        return ""
    title = f"Hotspots: the {len(hotspots)} least covered files" + (f" {among}" if among else "")
    rows = [[file_link(h.path, blob), percent(h.percent),
             f"{_number(h.totals.missed_statements)} of {_number(h.totals.statements)}",
             _counts(h.totals.taken, h.totals.branches), ranges_cell(h.path, h.missed, blob)]
            for h in hotspots]
    return (heading(title) + "\n\n" +
            table(["File", "Coverage", "Missed", "Branches", "Missed lines"], rows, "lrrrl"))


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


def changed_section(patch: Patch | None, blob: str | None, limit: int | None = None,
                    rest_url: str | None = None) -> str:
    """Each changed file with its changed statements, those that ran, and the missed ones
    linked; the files with no figures listed with the reason. Past `limit` files, "and N
    more" links to where the whole list is (`rest_url`: the run's summary)."""
    if patch is None or not (patch.files or patch.cut):
        return ""
    measured_files = sorted(patch.measured, key=lambda f: (-len(f.missed), f.path))
    shown = measured_files if limit is None else measured_files[:limit]
    rows = [[file_link(f.path, blob), _number(len(f.changed)), _number(len(f.covered)),
             ranges_cell(f.path, f.missed, blob)] for f in shown]
    parts = [heading("Changed files")]
    if rows:
        parts.append(table(["File", "Changed statements", "Ran", "Missed lines"], rows, "lrrl"))
    if len(measured_files) > len(shown):
        more = f"and {_number(len(measured_files) - len(shown))} more changed files"
        parts.append(f"_…{link(more, rest_url)} (the run's summary lists them all)._")
    quiet = [f for f in patch.files if not f.not_measured and not f.changed]
    if quiet:
        parts.append(f"_{_number(len(quiet))} changed file(s) change no statement._")
    if patch.unmeasured:
        items = [f"- {code(f.path, in_table=False)}: {escape(f.not_measured)}"
                 for f in patch.unmeasured[: limit or None]]
        more_files = len(patch.unmeasured) - len(items)
        parts.append("Not measured:\n" + "\n".join(items) +
                     (f"\n- …{link(f'and {_number(more_files)} more', rest_url)}"
                      if more_files > 0 else ""))
    if patch.cut:
        parts.append(f"_{escape(patch.cut)}_")
    return "\n\n".join(parts)


def annotations_note(annotated: tuple[int, int]) -> str:
    """How many missed ranges of changed lines the "Files changed" tab shows, when not all."""
    shown, total = annotated
    if total <= shown:
        return ""
    return (f"_{_number(total)} missed ranges of changed lines: the first {_number(shown)} are "
            f"annotated in the pull request's \"Files changed\" tab ({_number(total - shown)} "
            "more are listed above only; GitHub shows 10 of a kind per step)._")


def changed_hotspots(report: Report) -> list[Hotspot]:
    """The hotspots that are changed files: the pull-request comment shows no other."""
    if report.patch is None:
        return []
    changed = SamePath(f.path for f in report.patch.files)
    return [h for h in report.summary.hotspots if h.path in changed]


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
        verdict(report.patch),
        headline(report) + "  \n" + origin(report.run),
        QUEUE_NOTE if report.run.queue else "",
        problems_section(report.problems),
        changed_section(report.patch, report.blob),
        annotations_note(report.annotated),
        failed_section(report.summary.jobs),
        jobs_section(report.summary.jobs),
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
    """The ONE pull-request comment, the change first: its verdict (line 1), the commit it
    describes, the changed files, the failed tests, ONE line of project figures, the hotspots
    among the changed files, and where the rest is."""
    run = report.run
    where = [link("the run", run.url) if run.url else ""]
    if report.issue_url:
        where.append(link("the tracking issue", report.issue_url))
    pointers = " and ".join(w for w in where if w)
    hotspots = changed_hotspots(report)[:HOTSPOTS_SHOWN]
    parts = [
        verdict(report.patch) or "❔ **The change's lines could not be measured** (see the run)",
        f"{TITLE} {_commit(report)}" + (f" · {link(f'run {run.run_id}', run.url)}"
                                        if run.run_id else ""),
        changed_section(report.patch, report.blob, CHANGED_SHOWN, run.url),
        failed_section(report.summary.jobs),
        project_line(report),
        hotspots_section(hotspots, report.blob, "among the changed files") if hotspots else "",
        f"_Every job, the project's hotspots and the trend: {pointers}._" if pointers else "",
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def _commit(report: Report) -> str:
    """`at [abc1234](<server>/<repo>/commit/<sha>)`: the commit the figures describe."""
    sha = report.run.sha
    if not sha:
        return ""
    short = code(sha[:7], in_table=False)
    if report.blob is None:
        return f"at {short}"
    commit = report.blob.rsplit("/blob/", 1)[0] + f"/commit/{sha}"
    return f"at [{short}]({commit})"


def as_data(report: Report) -> dict[str, object]:
    """The report as data (`report-json`): no Markdown to parse."""
    s = report.summary
    patch = report.patch
    return {
        "average": _round(s.average), "worst": _round(s.worst),
        "combined": _round(combined_figure(s)), "delta": _round(report.delta),
        "run": {"id": report.run.run_id, "url": report.run.url, "sha": report.run.sha,
                "branch": report.run.branch, "default_branch": report.run.default_branch,
                "merge_queue": report.run.queue or None},
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
