"""coverage-soft-gate: every job's coverage summarised into ONE tracking issue. Never fails.

Reads the run's `coverage-*` artifacts (or `files` on disk), summarises them (average, worst,
combined, hotspots), writes the outputs and the step summary, and keeps the tracking issue up
to date: a comment per run, the body (figures, trend, hidden history) only from runs on the
default branch. Every fault after the inputs is a `::warning::` and exit 0.

PyGithub is imported only when GitHub is contacted, so a local `--dry-run` on files starts
fast and needs no token.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_toolkit.coverage import JobReport, Keep, Summary, line_ranges, summarize
from ci_toolkit.coverage_soft_gate import history, origin, patch, report, sources
from ci_toolkit.coverage_soft_gate.history import Point
from ci_toolkit.coverage_soft_gate.origin import PullLookup, PullRequest, Run
from ci_toolkit.coverage_soft_gate.patch import Changes, KeepChanged, Patch
from ci_toolkit.coverage_soft_gate.report import Report
from ci_toolkit.github.permissions import Permission, spelled
from ci_toolkit.joblist import Job
from ci_toolkit.markdown import ISSUE_BODY_LIMIT, Message, Text, percent
from ci_toolkit.runtime import Input, InputError, Runtime, capped_json

if TYPE_CHECKING:
    from github.Issue import Issue

    from ci_toolkit.coverage_soft_gate.remote import Remote

INPUTS = (
    Input("github-token", secret=True,
          description="Token for the API; needs `issues: write` (the tracking issue) and "
                      "`actions: read` (the run's artifacts and jobs)."),
    Input("artifact-pattern", "coverage-*",
          description="Download the run's artifacts whose names match this glob, through the "
                      "API; each artifact is one job."),
    Input("files", "",
          description="Newline-separated globs (relative to the workspace, `**` recursive) of "
                      "reports already on disk. When set, nothing is downloaded and each "
                      "report's parent folder names the job."),
    Input("issue-title", "Increase test coverage (soft gate)",
          description="Title of the tracking issue; also its key (two gates with two titles keep "
                      "two issues)."),
    Input("issue-label", "tech:coverage",
          description="Label of the tracking issue; created if missing."),
    Input("hotspots", "15",
          description="Rows in the hotspot table (lowest-covered files first), 0 to 100."),
    Input("comment", "true", boolean=True,
          description="Post one comment per run on the tracking issue (`true`/`false`)."),
    Input("summary", "true", boolean=True,
          description="Write the report to the step summary (`true`/`false`)."),
    Input("dry-run", "false", boolean=True,
          description="Compute and print the report; write nothing to GitHub (`true`/`false`)."),
    Input("run-id", "",
          description="Read the jobs and artifacts of another run (the `workflow_run` follow-up "
                      "that lets fork pull requests reach the issue). Empty: this run."),
    Input("pr-comment", "true", boolean=True,
          description="On a pull request's run (or its `run-id` follow-up): keep ONE comment on "
                      "it with the figures (`true`/`false`)."),
    Input("diff-base", "",
          description="A git revision (e.g. `origin/main`): patch coverage of `git diff` against "
                      "it in the workspace (needs git)."),
    Input("annotate", "true", boolean=True,
          description="On a pull request's run: each missed range of changed lines as a notice "
                      "on Files changed (at most 10)."),
)
SOFT = True
MAX_HOTSPOTS = 100  # a longer table is no longer a list of hotspots
MAX_ANNOTATIONS = 10  # GitHub shows 10 annotations of one kind per step
KIND = "coverage-soft-gate"
ISSUES = Permission.ISSUES_WRITE
ACTIONS = Permission.ACTIONS_READ


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
    pr_comment: bool
    diff_base: str
    annotate: bool


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
        pr_comment=rt.inputs.flag("pr-comment"),
        diff_base=rt.inputs.text("diff-base"),
        annotate=rt.inputs.flag("annotate"),
    )


def run(rt: Runtime) -> int:
    return SoftGate(rt, read_options(rt)).run()


@dataclass
class SoftGate:
    rt: Runtime
    opts: Options
    problems: list[Text] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    local: Changes | None = None  # `diff-base`: the workspace's changes
    recorded: tuple[str, str] | None = None  # (sha, ref) coverage-upload recorded
    created: bool = False  # this run created the tracking issue (with its final body)
    pr_comment_url: str = ""

    def warn(self, message: Text) -> None:
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
        from ci_toolkit.coverage_soft_gate.remote import Remote

        ctx = self.rt.context
        return Remote.connect(self.opts.token, ctx.api_url, ctx.repository, self.warn)

    @property
    def run_id(self) -> int | None:
        return self.opts.run_id or self.rt.context.run_id

    # ------------------------------------------------------------------ the steps

    def run(self) -> int:
        self.rt.log.phase("coverage-soft-gate: reading " + (", ".join(self.opts.files) if
                          self.opts.files else f"the artifacts matching {self.opts.pattern}"))
        if self.opts.diff_base:  # before anything else: a bad revision is an input error
            self.local = Changes(patch.git_changes(self.rt.context.workspace,
                                                   self.opts.diff_base))
        jobs = self.collect()
        summary = summarize(jobs, self.opts.hotspots)
        for job in summary.jobs:
            if not job.measured:
                self.warn(f"Job '{job.job}': no statements measured, so it is left out of the "
                          "average and the worst (is coverage measuring the right sources?).")
        self.set_figures(summary)
        where = self.describe_run()
        changes = self.changes
        rep = Report(summary, where, blob=self.blob(changes.at if changes and changes.at
                                                    else self.measured_sha),
                     patch=patch.patch_coverage(jobs, changes.files, changes.cut)
                     if changes is not None else None)
        self.set_patch(rep.patch)
        rep.annotated = self.annotate(rep.patch)
        rep.problems = list(self.problems)
        rep.jobs, rep.jobs_note = self.list_jobs()
        if where.queue:
            self.read_queue_delta(rep)
        elif not self.opts.dry_run:
            self.rt.log.phase("coverage-soft-gate: updating the tracking issue and the pull "
                              "request's comment")
            self.track(rep)
        self.rt.outputs.set("delta", "" if rep.delta is None else f"{rep.delta:+.2f}")
        self.rt.outputs.set("pr-comment-url", self.pr_comment_url)
        visible = report.render(rep)
        self.rt.outputs.set("report", report.fit(visible, 0))
        self.rt.outputs.set("report-json", self.report_json(rep))
        self.finish(visible, len(rep.problems))
        self.rt.log.result("coverage-soft-gate", figures(rep, self.pr_comment_url))
        return 0

    def collect(self) -> list[JobReport]:
        if self.opts.files:
            workspace = self.rt.context.workspace.resolve()
            groups = sources.find_reports(workspace, self.opts.files)
            for folder in sources.folders(workspace, self.opts.files):
                self.warn(Message("{} is a folder: `files` takes globs of report files, e.g. "
                                  "{}.", folder, f"{folder.rstrip('/')}/**/*"))
            if not groups:
                self.warn(Message("No file matches `files` ({}) in the folder {}.",
                                  ", ".join(self.opts.files), workspace))
            return sources.read_files(groups, self.warn, self.keep())
        if self.remote is None or self.run_id is None:
            self.warn(Message("No token or no run to read artifacts from: set `github-token` "
                              f"(with {spelled(ACTIONS)}), or give the reports on disk with "
                              "`files`."))
            return []
        temp = Path(self.rt.context.env.get("RUNNER_TEMP") or tempfile.gettempdir())
        with self.rt.log.group(f"coverage-soft-gate: downloading the artifacts of run "
                               f"{self.run_id} matching {self.opts.pattern}"):
            found = self.remote.reports(self.run_id, self.opts.pattern, temp, self.keep,
                                        self.rt.log.progress)
        self.rt.log.phase(f"coverage-soft-gate: read {len(found)} job(s)")
        return found

    def keep(self, folder: Path | None = None) -> Keep | None:
        """Before a job is read: note the commit it measured (coverage-upload's file), and
        keep the executed lines of the changed files only (their diff is read once)."""
        if folder is not None and self.recorded is None:
            self.recorded = sources.measured_commit(folder)
        changes = self.changes
        return KeepChanged(changes.files) if changes is not None else None

    def set_figures(self, summary: Summary) -> None:
        """The outputs that need only the reports: set before GitHub can fail."""
        def two(value: float | None) -> str:
            return "" if value is None else f"{value:.2f}"

        self.rt.outputs.set("average", two(summary.average))
        self.rt.outputs.set("worst", two(summary.worst))
        self.rt.outputs.set("combined", two(report.combined_figure(summary)))
        self.rt.outputs.set("jobs", len(summary.jobs))

    def annotate(self, found: Patch | None) -> tuple[int, int]:
        """On a pull request's run, each missed range of changed lines as a notice on the
        "Files changed" tab: the first MAX_ANNOTATIONS by file order. (annotated, all)."""
        if found is None or not self.opts.annotate or self.pull is None:
            return 0, 0
        spans = [(f.path, start, end) for f in sorted(found.measured, key=lambda f: f.path)
                 for start, end in line_ranges(f.missed)]
        for path, start, end in spans[:MAX_ANNOTATIONS]:
            lines = f"Line {start}" if start == end else f"Lines {start}-{end}"
            self.rt.log.annotate("notice", f"{lines}: changed, and run by no test job.",
                                 file=path, line=start, end_line=end,
                                 title="Coverage soft gate: not run")
        return min(len(spans), MAX_ANNOTATIONS), len(spans)

    def set_patch(self, found: Patch | None) -> None:
        measured = found is not None and found.percent is not None
        self.rt.outputs.set("patch", f"{found.percent:.2f}" if measured and found else "")
        self.rt.outputs.set("patch-covered", found.covered if measured and found else "")
        self.rt.outputs.set("patch-statements", found.statements if measured and found else "")

    def report_json(self, rep: Report) -> str:
        """The report as data, capped like every output: long lists are shortened first."""
        data = report.as_data(rep)
        text = capped_json(data, ISSUE_BODY_LIMIT, _shorten, unit="chars")
        return text or json.dumps({"truncated": True, "average": data.get("average")})

    def list_jobs(self) -> tuple[list[Job] | None, str]:
        """The run's jobs for the logs table, or why there is none."""
        if self.remote is None or self.run_id is None:
            why = "dry run on files" if self.offline else "no token" if not self.opts.token \
                else "no run"
            return None, f"Left out: {why}, so the run's jobs were not listed."
        self.rt.log.phase(f"coverage-soft-gate: listing the jobs of run {self.run_id}")
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
            attempt=ctx.run_attempt, base_ref=_queue_base(ctx.event))

    def describe_run(self) -> Run:
        if self.opts.run_id is None:
            return origin.own_run(self.here)
        return origin.upstream_run(self.here, self.opts.run_id,
                                   self.rt.context.run_url(self.opts.run_id), self.upstream)

    @cached_property
    def upstream(self) -> dict[str, Any]:
        """The run named by `run-id`: from the workflow_run payload, else one GET."""
        payload = self.rt.context.event.get("workflow_run")
        if isinstance(payload, dict) and payload.get("id") == self.opts.run_id:
            return payload
        if self.remote is None or self.opts.run_id is None:
            return {}
        return self.remote.run(self.opts.run_id)

    @property
    def measured_sha(self) -> str:
        """The commit the jobs measured: coverage-upload's record, else the run's own commit
        (for the `run-id` follow-up: the upstream head, which a pull request's jobs did not
        measure when they ran on its merge commit)."""
        if self.recorded is not None:
            return self.recorded[0]
        if self.opts.run_id is None:
            return self.rt.context.sha
        return str(self.upstream.get("head_sha") or "")

    @cached_property
    def pull(self) -> PullRequest | None:
        """The pull request this run (or the upstream run) is for."""
        if self.remote is None:
            return None
        if self.opts.run_id is None:
            return origin.event_pull(self.rt.context.event_name, self.rt.context.event)
        found = origin.upstream_pull(self.upstream)
        if not isinstance(found, PullLookup):
            return found
        raw = self.remote.find_pull(found.owner, found.branch, found.sha)
        if raw is None:
            return None
        changed = raw.get("changed_files")
        return PullRequest(int(raw["number"]), str((raw.get("head") or {}).get("sha") or ""),
                           changed if isinstance(changed, int) else None)

    @cached_property
    def changes(self) -> Changes | None:
        """The changed lines: `diff-base`'s, else the pull request's at the measured commit."""
        if self.local is not None:
            return self.local
        if self.pull is None or self.remote is None:
            return None
        return self.remote.changes(self.pull, self.measured_sha)

    # ------------------------------------------------------------------ the tracking issue

    def read_queue_delta(self, rep: Report) -> None:
        """A merge queue's run writes nothing to GitHub (no comment, no history point: its
        commit is a candidate); it only reads the tracking issue for the delta."""
        if self.remote is None or not rep.summary.jobs:
            return
        issue = self.remote.find_issue(self.remote.issue_mark(KIND, self.opts.title),
                                       self.opts.label)
        if issue is not None:
            self.set_issue(issue)
            rep.issue_url = issue.html_url
            rep.delta = delta(rep.summary, history.parse(issue.body))

    def track(self, rep: Report) -> None:
        """The tracking issue (body on the default branch, a comment per run), then the
        pull-request comment; `rep` gains the delta and the issue's link on the way."""
        if self.remote is None:
            self.warn(Message("No token: nothing was written to GitHub. Set `github-token` "
                              f"(with {spelled(ISSUES)})."))
            return
        issue = self.tracking_issue(self.remote, rep)
        if issue is not None:
            self.set_issue(issue)
            rep.issue_url = issue.html_url
            earlier = [p for p in history.parse(issue.body) if p.run_id != rep.run.run_id]
            rep.delta = delta(rep.summary, earlier)
            self.update_issue(self.remote, issue, rep, earlier)
        if self.opts.pr_comment and self.pull is not None:
            self.comment_on_pull(self.remote, self.pull, rep)

    def tracking_issue(self, remote: Remote, rep: Report) -> Issue | None:
        """Found, or created (only by a run that read coverage)."""
        mark = remote.issue_mark(KIND, self.opts.title)
        if not rep.summary.jobs:
            self.warn("No coverage was read, so the tracking issue's figures were left as they "
                      "are.")
            return remote.find_issue(mark, self.opts.label)
        point = self.point(rep.summary, rep.run)
        initial = report.body(mark, report.render(rep), [point]) if rep.run.default_branch \
            else report.placeholder(mark)
        found = remote.ensure_issue(title=self.opts.title, label=self.opts.label, mark=mark,
                                    body=initial)
        if found is None:
            return None
        if found.created:
            self.created = True
        return found.issue

    def update_issue(self, remote: Remote, issue: Issue, rep: Report,
                     earlier: list[Point]) -> None:
        visible = report.render(rep)
        points = earlier
        if rep.summary.jobs:
            points = history.add(earlier, self.point(rep.summary, rep.run))
            if rep.run.default_branch and not self.created:
                remote.replace_body(issue, report.body(
                    remote.issue_mark(KIND, self.opts.title), visible, points))
        if self.opts.comment:
            self.comment(remote, issue, visible, points, rep.run)

    def comment_on_pull(self, remote: Remote, pull: PullRequest, rep: Report) -> None:
        mark = remote.issue_mark(f"{KIND}-pr", self.opts.title)
        self.pr_comment_url = remote.pr_comment(pull.number, mark, report.pull_comment(rep)) or ""

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
                     summary.average or 0.0, summary.worst or 0.0,
                     report.combined_figure(summary))

    # ------------------------------------------------------------------ the end

    def finish(self, visible: str, shown: int) -> None:
        """The summary (with the problems met after the report was made) and the dry-run print."""
        later = self.problems[shown:]
        extra = report.problems_section(later) if later else ""
        if self.opts.summary:
            self.rt.summary.write(visible + ("\n" + extra if extra else ""))
        if self.opts.dry_run or (self.remote is None and not self.offline):
            print(visible)
            print("Dry run: nothing was written to GitHub." if self.opts.dry_run else
                  "No token: nothing was written to GitHub; the report is above. To write it, "
                  "give a token: --github-token, or GITHUB_TOKEN / GH_TOKEN (GH_TOKEN=$(gh auth "
                  "token) with the GitHub CLI).")


def figures(rep: Report, pr_comment_url: str) -> str:
    """The result line's figures: patch, average, worst, where the report went."""
    parts = []
    if rep.patch is not None and rep.patch.percent is not None:
        missed = rep.patch.statements - rep.patch.covered
        parts.append(f"patch {percent(rep.patch.percent)} ({missed} of {rep.patch.statements} "
                     "changed statements never ran)")
    parts += [f"{len(rep.summary.jobs)} job(s)", f"average {percent(rep.summary.average)}",
              f"worst {percent(rep.summary.worst)}"]
    if rep.summary.combined is not None:
        parts.append(f"combined {percent(rep.summary.combined)}")
    if rep.issue_url:
        parts.append(f"issue {rep.issue_url}")
    if pr_comment_url:
        parts.append(f"comment {pr_comment_url}")
    return " · ".join(parts)


def _queue_base(event: dict[str, Any]) -> str:
    """A merge_group payload's base branch (`merge_group.base_ref`), "" for other events."""
    group = event.get("merge_group")
    return str(group.get("base_ref") or "") if isinstance(group, dict) else ""


def delta(summary: Summary, earlier: list[Point]) -> float | None:
    """The headline figure (combined, else average) minus the last default-branch run's."""
    if not earlier or summary.average is None:
        return None
    last = earlier[-1]
    combined = report.combined_figure(summary)
    if combined is not None and last.combined is not None:
        return combined - last.combined
    return summary.average - last.average if combined is None else None


def _shorten(data: dict[str, Any]) -> bool:
    """Halve the longest list of the report's data; False when nothing is left to cut."""
    patch_data = data.get("patch")
    lists: list[list[Any]] = [data["hotspots"], data["jobs"]]
    if isinstance(patch_data, dict):
        lists.append(patch_data["files"])
    lists += [job["failed"] for job in data["jobs"] if job.get("failed")]
    longest = max(lists, key=len)
    if len(longest) <= 1:
        return False
    del longest[len(longest) // 2:]
    data["truncated"] = True
    return True
