"""coverage-soft-gate: every job's coverage summarised into ONE tracking issue. Never fails.

Reads the run's `coverage-*` artifacts (or `files` on disk), summarises them (average, worst,
combined, hotspots), writes the outputs and the step summary, and keeps the tracking issue up
to date: a comment per run, the body (figures, trend, hidden history) only from runs on the
default branch. Every fault after the inputs is a `::warning::` and exit 0.

PyGithub is imported only when GitHub is contacted, so a local `--dry-run` on files starts
fast and needs no token.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ci_toolkit.coverage import JobReport, Summary, summarize
from ci_toolkit.joblist import Job
from ci_toolkit.runtime import Input, InputError, Runtime
from ci_toolkit.softgate import history, origin, report, sources
from ci_toolkit.softgate.history import Point
from ci_toolkit.softgate.origin import Run
from ci_toolkit.softgate.report import Report

if TYPE_CHECKING:
    from github.Issue import Issue

    from ci_toolkit.softgate.remote import Remote

INPUTS = (
    Input("github-token", secret=True),
    Input("artifact-pattern", "coverage-*"),
    Input("files", ""),
    Input("issue-title", "Increase test coverage (soft gate)"),
    Input("issue-label", "tech:coverage"),
    Input("hotspots", "15"),
    Input("comment", "true", boolean=True),
    Input("summary", "true", boolean=True),
    Input("dry-run", "false", boolean=True),
    Input("run-id", ""),
)
SOFT = True
MAX_HOTSPOTS = 100  # a longer table is no longer a list of hotspots
KIND = "coverage-soft-gate"
ISSUES = "issues: write"
ACTIONS = "actions: read"


@dataclass(frozen=True)
class Options:
    token: str
    pattern: str
    files: list[str]
    title: str
    label: str
    hotspots: int
    comment: bool
    summary: bool
    dry_run: bool
    run_id: int | None


def read_options(rt: Runtime) -> Options:
    """Every input, checked before anything else happens (a bad one is exit 2)."""
    title = rt.inputs.text("issue-title")
    if not title:
        raise InputError("issue-title", "must not be empty")
    run_id = rt.inputs.run_id()
    return Options(
        token=rt.token(),
        pattern=rt.inputs.text("artifact-pattern") or "coverage-*",
        files=rt.inputs.lines("files"),
        title=title,
        label=rt.inputs.text("issue-label"),
        hotspots=rt.inputs.integer("hotspots", 0, MAX_HOTSPOTS),
        comment=rt.inputs.flag("comment"),
        summary=rt.inputs.flag("summary"),
        dry_run=rt.inputs.flag("dry-run"),
        run_id=run_id,
    )


def run(rt: Runtime) -> int:
    return SoftGate(rt, read_options(rt)).run()


@dataclass
class SoftGate:
    rt: Runtime
    opts: Options
    problems: list[str] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    def warn(self, message: str) -> None:
        self.rt.log.warning(message)
        self.problems.append(self.rt.log.scrub(message))

    @property
    def offline(self) -> bool:
        """Dry run on files: GitHub is not contacted at all (nor PyGithub imported)."""
        return self.opts.dry_run and bool(self.opts.files)

    @cached_property
    def remote(self) -> Remote | None:
        """The GitHub side, imported only when GitHub is contacted."""
        if self.offline or not self.opts.token:
            return None
        from ci_toolkit.softgate.remote import Remote

        ctx = self.rt.context
        return Remote.connect(self.opts.token, ctx.api_url, ctx.repository, self.warn)

    @property
    def run_id(self) -> int | None:
        return self.opts.run_id or self.rt.context.run_id

    # ------------------------------------------------------------------ the steps

    def run(self) -> int:
        summary = summarize(self.collect(), self.opts.hotspots)
        for job in summary.jobs:
            if not job.measured:
                self.warn(f"Job '{job.job}': no statements measured, so it is left out of the "
                          "average and the worst (is coverage measuring the right sources?).")
        self.set_figures(summary)
        where = self.describe_run()
        rep = Report(summary, where, problems=list(self.problems), blob=self.blob(where.sha))
        rep.jobs, rep.jobs_note = self.list_jobs()
        visible = report.render(rep)
        self.rt.outputs.set("report", report.fit(visible, 0))
        if not self.opts.dry_run:
            self.track(summary, where, visible)
        self.finish(visible, len(rep.problems))
        return 0

    def collect(self) -> list[JobReport]:
        if self.opts.files:
            groups = sources.find_reports(self.rt.context.workspace, self.opts.files)
            if not groups:
                self.warn(f"No file matches `files` ({', '.join(self.opts.files)}) under "
                          f"{self.rt.context.workspace}.")
            return sources.read_files(groups, self.warn)
        if self.remote is None or self.run_id is None:
            self.warn("No token or no run to read artifacts from: set `github-token` (with "
                      f"`{ACTIONS}`), or give the reports on disk with `files`.")
            return []
        temp = Path(self.rt.context.env.get("RUNNER_TEMP") or tempfile.gettempdir())
        return self.remote.reports(self.run_id, self.opts.pattern, temp)

    def set_figures(self, summary: Summary) -> None:
        """The outputs that need only the reports: set before GitHub can fail."""
        def two(value: float | None) -> str:
            return "" if value is None else f"{value:.2f}"

        self.rt.outputs.set("average", two(summary.average))
        self.rt.outputs.set("worst", two(summary.worst))
        self.rt.outputs.set("combined", two(summary.combined))
        self.rt.outputs.set("jobs", len(summary.jobs))

    def list_jobs(self) -> tuple[list[Job] | None, str]:
        """The run's jobs for the logs table, or why there is none."""
        if self.remote is None or self.run_id is None:
            why = "dry run on files" if self.offline else "no token" if not self.opts.token \
                else "no run"
            return None, f"Left out: {why}, so the run's jobs were not listed."
        jobs = self.remote.jobs(self.run_id)
        if jobs is None:
            return None, "Left out: the run's jobs could not be listed (see the warnings)."
        return jobs, ""

    def blob(self, sha: str) -> str | None:
        """Where the report's files link to: the measured commit on GitHub."""
        ctx = self.rt.context
        return f"{ctx.server_url}/{ctx.repository}/blob/{sha}" if sha and ctx.repository else None

    # ------------------------------------------------------------------ which run, which branch

    @property
    def here(self) -> origin.Here:
        ctx = self.rt.context
        return origin.Here(
            repository=ctx.repository, run_id=ctx.run_id, run_url=ctx.run_url(), sha=ctx.sha,
            ref=ctx.ref, head_ref=ctx.env.get("GITHUB_HEAD_REF", ""),
            event_name=ctx.event_name, default_branch=ctx.default_branch,
            attempt=ctx.run_attempt)

    def describe_run(self) -> Run:
        if self.opts.run_id is None:
            return origin.own_run(self.here)
        return origin.upstream_run(self.here, self.opts.run_id,
                                   self.rt.context.run_url(self.opts.run_id), self.upstream())

    def upstream(self) -> dict[str, object]:
        """The run named by `run-id`: from the workflow_run payload, else one GET."""
        payload = self.rt.context.event.get("workflow_run")
        if isinstance(payload, dict) and payload.get("id") == self.opts.run_id:
            return payload
        if self.remote is None or self.opts.run_id is None:
            return {}
        return self.remote.run(self.opts.run_id)

    # ------------------------------------------------------------------ the tracking issue

    def track(self, summary: Summary, where: Run, visible: str) -> None:
        if self.remote is None:
            self.warn("No token: nothing was written to GitHub. Set `github-token` (with "
                      f"`{ISSUES}`).")
            return
        mark = self.remote.issue_mark(KIND, self.opts.title)
        if not summary.jobs:
            self._record_nothing_read(self.remote, mark, where, visible)
            return
        point = self.point(summary, where)
        first = [point] if where.default_branch else []
        initial = report.body(mark, visible, first) if first else report.placeholder(mark)
        found = self.remote.ensure_issue(title=self.opts.title, label=self.opts.label,
                                         mark=mark, body=initial)
        if found is None:
            return
        issue = found.issue
        self.set_issue(issue)
        points = history.add(history.parse(issue.body), point)
        if where.default_branch and not found.created:
            self.remote.replace_body(issue, report.body(mark, visible, points))
        if self.opts.comment:
            self.comment(self.remote, issue, visible, points, where)

    def _record_nothing_read(self, remote: Remote, mark: str, where: Run, visible: str) -> None:
        """Every run comments; one that read no coverage leaves the figures as they are and
        creates no issue (a misconfigured run must not start or wipe the record)."""
        self.warn("No coverage was read, so the tracking issue's figures were left as they are.")
        issue = remote.find_issue(mark, self.opts.label)
        if issue is None:
            return
        self.set_issue(issue)
        if self.opts.comment:
            self.comment(remote, issue, visible, history.parse(issue.body), where)

    def set_issue(self, issue: Issue) -> None:
        self.rt.outputs.set("issue-number", issue.number)
        self.rt.outputs.set("issue-url", issue.html_url)

    def comment(self, remote: Remote, issue: Issue, visible: str, points: list[Point],
                where: Run) -> None:
        mark = remote.issue_mark(f"{KIND}-run",
                                 f"{self.opts.title}:{where.run_id}:{where.attempt}")
        text = report.comment(mark, visible, points, default_branch=where.default_branch)
        since = self.started - timedelta(minutes=5)  # the server's clock may differ a little
        remote.comment(issue, text, mark, since)

    def point(self, summary: Summary, where: Run) -> Point:
        return Point(where.run_id or 0, where.sha[:12].lower(), self.started.date().isoformat(),
                     summary.average or 0.0, summary.worst or 0.0, summary.combined)

    # ------------------------------------------------------------------ the end

    def finish(self, visible: str, shown: int) -> None:
        """The summary (with the problems met after the report was made) and the dry-run print."""
        later = self.problems[shown:]
        extra = report.problems_section(later) if later else ""
        if self.opts.summary:
            self.rt.summary.write(visible + ("\n" + extra if extra else ""))
        if self.opts.dry_run:
            print(visible)
            print("Dry run: nothing was written to GitHub.")
