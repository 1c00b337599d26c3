"""coverage-soft-gate: every job's coverage summarised into ONE tracking issue. Never fails.

Reads the run's `coverage-*` artifacts (or `files` on disk), summarises them (average, worst,
combined, hotspots), writes the outputs and the step summary, and keeps the tracking issue up
to date: a comment per run, the body (figures, trend, hidden history) only from runs on the
default branch. Every fault after the inputs is a `::warning::` and exit 0.

PyGithub is imported only when GitHub is contacted, so a local `--dry-run` on files starts
fast and needs no token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_toolkit.coverage import JobReport, Summary, summarize
from ci_toolkit.joblist import Job
from ci_toolkit.runtime import Input, InputError, Runtime
from ci_toolkit.softgate import history, report, sources
from ci_toolkit.softgate.history import Point
from ci_toolkit.softgate.report import Report, Run

if TYPE_CHECKING:
    from github import Github

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
    return Gate(rt, read_options(rt)).run()


@dataclass
class Gate:
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
    def gh(self) -> Github | None:
        if self.offline or not self.opts.token:
            return None
        from ci_toolkit.github import connect

        return connect(self.opts.token, self.rt.context.api_url)

    @property
    def run_id(self) -> int | None:
        return self.opts.run_id or self.rt.context.run_id

    # ------------------------------------------------------------------ the steps

    def run(self) -> int:
        summary = summarize(self.collect(), self.opts.hotspots)
        self.set_figures(summary)
        origin = self.describe_run()
        rep = Report(summary, origin, problems=list(self.problems))
        rep.jobs, rep.jobs_note = self.list_jobs()
        visible = report.render(rep)
        self.rt.outputs.set("report", report.fit(visible, 0))
        if not self.opts.dry_run:
            self.track(summary, origin, visible)
        self.finish(visible, len(rep.problems))
        return 0

    def collect(self) -> list[JobReport]:
        if self.opts.files:
            groups = sources.find_reports(self.rt.context.workspace, self.opts.files)
            if not groups:
                self.warn(f"No file matches `files` ({', '.join(self.opts.files)}) under "
                          f"{self.rt.context.workspace}.")
            return sources.read_files(groups, self.warn)
        if self.gh is None or self.run_id is None:
            self.warn("No token or no run to read artifacts from: set `github-token` (with "
                      f"`{ACTIONS}`), or give the reports on disk with `files`.")
            return []
        temp = Path(self.rt.context.env.get("RUNNER_TEMP") or self._tempdir())
        return sources.read_artifacts(self.gh, self.rt.context.repository, self.run_id,
                                      self.opts.pattern, temp, self.warn)

    @staticmethod
    def _tempdir() -> str:
        import tempfile

        return tempfile.gettempdir()

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
        if self.gh is None or self.run_id is None:
            why = "dry run on files" if self.offline else "no token" if not self.opts.token \
                else "no run"
            return None, f"Left out: {why}, so the run's jobs were not listed."
        from ci_toolkit.github import explain
        from ci_toolkit.github.jobs import IncompleteJobs, fetch_jobs

        try:
            return fetch_jobs(self.gh, self.rt.context.repository, self.run_id), ""
        except IncompleteJobs as exc:
            self.warn(str(exc))
            return exc.jobs, ""
        except Exception as exc:
            self.warn(explain(exc, f"list the jobs of run {self.run_id}", ACTIONS))
            return None, "Left out: the run's jobs could not be listed (see the warnings)."

    # ------------------------------------------------------------------ which run, which branch

    def describe_run(self) -> Run:
        ctx = self.rt.context
        if self.opts.run_id is None:
            branch = ctx.env.get("GITHUB_HEAD_REF") or ctx.ref.removeprefix("refs/heads/")
            return Run(ctx.run_id, ctx.run_url(), ctx.sha, branch, ctx.on_default_branch,
                       ctx.run_attempt)
        upstream = self.upstream()
        attempt = upstream.get("run_attempt")
        return Run(
            self.opts.run_id, ctx.run_url(self.opts.run_id), str(upstream.get("head_sha") or ""),
            str(upstream.get("head_branch") or ""), self.upstream_on_default(upstream),
            attempt if isinstance(attempt, int) and attempt > 0 else 1)

    def upstream(self) -> dict[str, Any]:
        """The run named by `run-id`: from the workflow_run payload, else one GET."""
        payload = self.rt.context.event.get("workflow_run")
        if isinstance(payload, dict) and payload.get("id") == self.opts.run_id:
            return payload
        if self.gh is None:
            return {}
        from ci_toolkit.github import explain

        try:
            _, data = self.gh.requester.requestJsonAndCheck(
                "GET", f"/repos/{self.rt.context.repository}/actions/runs/{self.opts.run_id}")
            return data if isinstance(data, dict) else {}
        except Exception as exc:
            self.warn(explain(exc, f"read run {self.opts.run_id}", ACTIONS) +
                      " It is treated as not on the default branch.")
            return {}

    def upstream_on_default(self, upstream: dict[str, Any]) -> bool:
        """A push-like run of this repository's default branch; never a pull request's."""
        default = self.rt.context.default_branch or str(
            (upstream.get("repository") or {}).get("default_branch") or "")
        head_repo = (upstream.get("head_repository") or {}).get("full_name")
        same_repo = head_repo is None or str(head_repo).lower() == \
            self.rt.context.repository.lower()
        return (bool(default) and upstream.get("head_branch") == default and same_repo
                and not str(upstream.get("event") or "").startswith("pull_request"))

    # ------------------------------------------------------------------ the tracking issue

    def track(self, summary: Summary, origin: Run, visible: str) -> None:
        if self.gh is None:
            self.warn("No token: nothing was written to GitHub. Set `github-token` (with "
                      f"`{ISSUES}`).")
            return
        from ci_toolkit.github import explain

        try:
            if summary.jobs:
                self._track(summary, origin, visible)
            else:
                self._record_nothing_read(origin, visible)
        except Exception as exc:
            self.warn(explain(exc, "find or create the tracking issue", ISSUES))

    def _record_nothing_read(self, origin: Run, visible: str) -> None:
        """Every run comments; one that read no coverage leaves the figures as they are and
        creates no issue (a misconfigured run must not start or wipe the record)."""
        from ci_toolkit.github import repository
        from ci_toolkit.github.issues import marker
        from ci_toolkit.softgate import tracking

        assert self.gh is not None
        self.warn("No coverage was read, so the tracking issue's figures were left as they are.")
        repo = repository(self.gh, self.rt.context.repository)
        found = tracking.find(repo, marker(KIND, self.opts.title), self.opts.label)
        if not found:
            return
        issue = found[0]
        self.rt.outputs.set("issue-number", issue.number)
        self.rt.outputs.set("issue-url", issue.html_url)
        if self.opts.comment:
            self.comment(issue, visible, history.parse(issue.body), origin)

    def _track(self, summary: Summary, origin: Run, visible: str) -> None:
        from ci_toolkit.github import explain, repository
        from ci_toolkit.github.issues import marker
        from ci_toolkit.softgate import tracking

        assert self.gh is not None
        mark = marker(KIND, self.opts.title)
        point = self.point(summary, origin)
        first = [point] if origin.default_branch else []
        initial = report.body(mark, visible, first) if first else report.placeholder(mark)
        repo = repository(self.gh, self.rt.context.repository)
        found = tracking.ensure(repo, title=self.opts.title, label=self.opts.label, mark=mark,
                                body=initial, warn=self.warn)
        issue = found.issue
        self.rt.outputs.set("issue-number", issue.number)
        self.rt.outputs.set("issue-url", issue.html_url)
        points = history.add(history.parse(issue.body), point)
        if origin.default_branch and not found.created:
            try:
                tracking.replace_body(issue, report.body(mark, visible, points))
            except Exception as exc:
                self.warn(explain(exc, f"update the body of issue #{issue.number}", ISSUES))
        if self.opts.comment:
            self.comment(issue, visible, points, origin)

    def comment(self, issue: Any, visible: str, points: list[Point], origin: Run) -> None:
        from ci_toolkit.github import explain
        from ci_toolkit.github.issues import marker
        from ci_toolkit.softgate import tracking

        mark = marker(f"{KIND}-run",
                      f"{self.opts.title}:{origin.run_id}:{origin.attempt}")
        text = report.comment(mark, visible, points, default_branch=origin.default_branch)
        since = self.started - timedelta(minutes=5)  # the server's clock may differ a little
        try:
            tracking.post_comment(issue, text, mark, since)
        except Exception as exc:
            self.warn(explain(exc, f"comment on issue #{issue.number}", ISSUES))

    def point(self, summary: Summary, origin: Run) -> Point:
        return Point(origin.run_id or 0, origin.sha[:12].lower(), self.started.date().isoformat(),
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
