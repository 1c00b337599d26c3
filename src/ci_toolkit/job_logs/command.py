"""job-logs: every job of a run, failures first, with why they failed. Soft: never fails the job.

The table is `joblist.jobs_table`, the same one the coverage soft gate puts in its report: a
count line, failed jobs first, durations, the first failed step linked to its log line. For the
first 10 failed jobs (`excerpt-lines` > 0) one log download each gives the lines that explain
the failure; with `pr-comment`, the same goes into ONE comment on the pull request, edited in
place on later runs. Every fault after the inputs is a `::warning::` and exit 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Literal

from ci_toolkit.github.permissions import Permission, spelled
from ci_toolkit.job_logs import failures, report
from ci_toolkit.job_logs.report import MAX_QUOTED, Quoted, Where
from ci_toolkit.joblist import (
    ATTEMPTS,
    CONCLUSIONS,
    DEFAULT_TITLE,
    Attempts,
    Job,
    Verdict,
    clocks_wrong,
    failed_step,
    is_failed,
    is_pending,
    jobs_table,
    ordered,
)
from ci_toolkit.markdown import Message, Text, callout, heading, prose
from ci_toolkit.runtime import Input, Runtime, capped_json, pull_request_number

if TYPE_CHECKING:
    from ci_toolkit.job_logs.remote import Remote

PrComment = Literal["auto", "true", "false"]
PR_COMMENT: tuple[PrComment, ...] = ("auto", "true", "false")
INPUTS = (
    Input("github-token", secret=True,
          description="Token that reads the run's jobs (needs `actions: read`)."),
    Input("title", DEFAULT_TITLE,
          description="Heading of the table; use `Automated Status Summary` for a status table."),
    Input("filter", "latest", choices=ATTEMPTS,
          description="`latest` (the most recent attempt's jobs) or `all` (every attempt, "
                      "grouped by attempt)."),
    Input("exclude",
          description="Newline-separated globs of job names to leave out (e.g. `Status summary`, "
                      "`lint *`)."),
    Input("summary", "true", boolean=True,
          description="Append the table to the step summary (`true`/`false`)."),
    Input("run-id",
          description="The run whose jobs to list; empty means this run."),
    Input("excerpt-lines", "20",
          description="Log lines quoted per failed job (first 10), up to its first error; `0`: "
                      "no log is read."),
    Input("pr-comment", "auto", choices=PR_COMMENT,
          description="`auto`: ONE pull-request comment once a job failed, edited when it "
                      "passes; `true`: always; `false`: never."),
)
SOFT = True
KIND = "job-logs"
MAX_EXCERPT_LINES = 200  # more is a log, not an excerpt
# GitHub allows 1 MB of outputs per job: the two big ones share half of it, leaving room for
# the other steps' outputs.
OUTPUT_LIMIT = 256 * 1024
# The conclusions of a failed job (and one GitHub adds later: any not known to pass).
_FAILED_CONCLUSIONS = {None, *(c for c, o in CONCLUSIONS.items() if o.verdict is Verdict.FAILED)}
SUMMARY_SLACK = 1024  # bytes kept free in the summary for the blank lines Summary.write adds




@dataclass(frozen=True)
class Options:
    title: str
    attempts: Attempts
    exclude: list[str]
    summary: bool
    run_id: int | None
    excerpt_lines: int
    pr_comment: PrComment


def run(rt: Runtime) -> int:
    options = read_options(rt)
    rt.log.phase(f"job-logs: listing the jobs of run {options.run_id or '(none given)'}")
    remote, jobs = _fetch(rt, options)
    if remote is None or jobs is None:
        return 0
    now = datetime.now(UTC)
    jobs = [job for job in jobs if not any(fnmatchcase(job.name, g) for g in options.exclude)]
    jobs = this_job(rt, jobs, options.run_id)
    _warn_clocks(rt, jobs)
    title = options.title or None
    rt.outputs.set("table", jobs_table(jobs, title=title, limit=OUTPUT_LIMIT, now=now))
    rt.outputs.set("jobs", _capped(rt, "jobs", report.jobs_json(jobs, now)))
    rt.outputs.set("failed", sum(is_failed(job) for job in jobs))
    rt.outputs.set("pending", sum(is_pending(job) for job in jobs))
    rt.outputs.set("total", len(jobs))
    quoted = _quote(rt, remote, jobs, options.excerpt_lines)
    rt.outputs.set("failures", _capped(rt, "failures", [
        failures.entry(one.job, one.excerpt, one.annotations, now) for one in quoted]))
    where = Where(rt.context.server_url, rt.context.repository, _commit(rt, jobs))
    if options.summary:
        # Cut here, by whole rows and whole excerpts with a note, before Summary.write must cut.
        room = max(0, rt.summary.room() - SUMMARY_SLACK)
        rt.summary.write(report.summary(jobs, quoted, title=title, limit=room, now=now,
                                        where=where))
    if options.pr_comment != "false":
        failed = any(is_failed(job) for job in jobs)
        _comment(rt, remote, options, report.comment(
            jobs, quoted, title=title, run_url=rt.context.run_url(options.run_id), now=now,
            where=where), only_edit=options.pr_comment == "auto" and not failed)
    said = rt.outputs.values
    rt.log.result("job-logs", f"{said['total']} job(s) · {said['failed']} failed · "
                  f"{said['pending']} pending" + (f" · comment {said['pr-comment-url']}"
                                                  if said.get("pr-comment-url") else ""))
    return 0


def this_job(rt: Runtime, jobs: list[Job], run_id: int | None) -> list[Job]:
    """The jobs, the one running this step marked `this`.

    GITHUB_JOB is no help: it is the job's key in the workflow (`test`), not its name in the
    API (`test (3.12)`, `CI / test`), and every matrix leg shares it. The runner is: it sets
    RUNNER_NAME, and the jobs listing gives each started job the `runner_name` it runs on; a
    runner runs one job at a time, so the job of this run not completed yet on this runner is
    this job. Without RUNNER_NAME, or for another run's jobs, no job is marked.
    """
    runner = rt.context.env.get("RUNNER_NAME", "")
    if not runner or run_id != rt.context.run_id:
        return jobs
    mine = [job for job in jobs if job.status != "completed" and job.runner_name == runner]
    if len(mine) != 1:
        return jobs
    return [replace(job, this=True) if job is mine[0] else job for job in jobs]


def _commit(rt: Runtime, jobs: list[Job]) -> str | None:
    """The commit the run built: its jobs' `head_sha` (a pull request's head, not the merge
    commit GITHUB_SHA names), else GITHUB_SHA."""
    return next((job.head_sha for job in jobs if job.head_sha), None) or rt.context.sha or None


def read_options(rt: Runtime) -> Options:
    """Every input, checked before any request: a typo is exit 2 even when GitHub is down."""
    run_id = rt.inputs.run_id()
    return Options(
        title=rt.inputs.text("title"),
        attempts=rt.inputs.choice("filter", ATTEMPTS),
        exclude=rt.inputs.lines("exclude"),
        summary=rt.inputs.flag("summary"),
        run_id=run_id if run_id is not None else rt.context.run_id,
        excerpt_lines=rt.inputs.integer("excerpt-lines", 0, MAX_EXCERPT_LINES),
        pr_comment=rt.inputs.choice("pr-comment", PR_COMMENT),
    )


def _fetch(rt: Runtime, options: Options) -> tuple[Remote | None, list[Job] | None]:
    """The run's jobs; on any fault a warning (also in the summary) and None."""
    repository, run_id = rt.context.repository, options.run_id
    if not repository or run_id is None:
        _give_up(rt, Message("Could not list the jobs: GITHUB_REPOSITORY and a run id "
                             "(GITHUB_RUN_ID or the `run-id` input) are needed."), options)
        return None, None
    # Imported here: PyGithub is only loaded once the inputs are known to be good.
    from ci_toolkit.job_logs.remote import Remote

    remote = Remote.connect(rt.token(), rt.context.api_url, repository, rt.log.warning)
    jobs = remote.jobs(run_id, options.attempts)
    if jobs is None:  # soft: the cause is a warning already, and goes into the summary
        _give_up(rt, rt.log.warnings[-1], options, warned=True)
        return None, None
    return remote, jobs


def _give_up(rt: Runtime, message: Text, options: Options, *, warned: bool = False) -> None:
    if not warned:
        rt.log.warning(message)
    rt.outputs.set("table", "")
    if options.summary:
        # The message may quote GitHub's answer (or a proxy's HTML page): outside text.
        warning = callout("warning", prose(rt.log.scrub(message)))
        rt.summary.write(f"{heading(options.title)}\n\n{warning}" if options.title else warning)


def _warn_clocks(rt: Runtime, jobs: list[Job]) -> None:
    for job in jobs:
        if clocks_wrong(job.started_at, job.completed_at):
            rt.log.warning(f"Job {job.name!r}: GitHub gives it an end ({job.completed_at:%H:%M:%S})"
                           f" before its start ({job.started_at:%H:%M:%S}), so no duration is "
                           "shown for it.")
        step = failed_step(job)
        if step and clocks_wrong(step.started_at, step.completed_at):
            rt.log.warning(f"Job {job.name!r}: its failed step {step.number} ends before it "
                           "starts, so its log lines are found by the first error line instead.")


def _quote(rt: Runtime, remote: Remote, jobs: list[Job], lines: int) -> list[Quoted]:
    """For each of the first 10 failed jobs: one log download (none when `lines` is 0) and one
    request for its check run's annotations (none once GitHub refused them). Nothing at all
    when no job failed."""
    failed = [job for job in ordered(jobs) if is_failed(job)]
    if len(failed) > MAX_QUOTED:
        rt.log.info(f"{len(failed)} jobs failed: the logs of the first {MAX_QUOTED} are quoted.")
    quoted: list[Quoted] = []
    refused = False
    if not failed:
        return quoted
    read = failed[:MAX_QUOTED]
    with rt.log.group(f"job-logs: reading the logs and annotations of {len(read)} failed "
                      "job(s)"):
        for done, job in enumerate(read, start=1):
            excerpt = None
            if lines:
                found = remote.excerpt(job, lines)
                if found.missing:
                    rt.log.warning(Message("No log excerpt for job '{}': {}.", job.name,
                                           found.missing))
                excerpt = replace(found, lines=[rt.log.scrub(line) for line in found.lines],
                                  cause=[rt.log.scrub(line) for line in found.cause])
            notes = None if refused else remote.annotations(job)
            if notes is None and not refused:
                refused = True
                need = spelled(Permission.CHECKS_READ)
                rt.log.warning(Message("GitHub refused the jobs' check-run annotations (403/404), "
                                       "so the runner's messages (time limits, lost runners) are "
                                       f"not shown: the token needs {need}."))
            notes = [replace(note, message=rt.log.scrub(note.message)) for note in notes or []]
            quoted.append(Quoted(job, excerpt, tuple(notes)))
            rt.log.progress(done, len(read), "failed jobs read")
    return quoted


def _comment(rt: Runtime, remote: Remote, options: Options, body: str, *,
             only_edit: bool) -> None:
    """ONE comment on the run's pull request, edited in place; a refusal is a warning.

    `only_edit` (`auto` and nothing failed): an earlier run's comment is edited to say so, and
    none is created, so an all-green pull request never gets one. A merge queue's run
    (`merge_group`) writes none: its pull request is not the one being reviewed.
    """
    from ci_toolkit.markdown import marker

    if rt.context.event_name == "merge_group":
        rt.log.info("`pr-comment`: a merge queue's run writes no pull-request comment.")
        return
    number = pull_request_number(rt.context.event)
    if number is None:
        rt.log.info("`pr-comment`: this run's event is not about a pull request; no comment.")
        return
    workflow = rt.context.env.get("GITHUB_WORKFLOW", "")
    mark = marker(KIND, f"{workflow}:{options.title}")
    posted = remote.comment(number, mark, body, only_edit=only_edit)
    if posted is not None:
        rt.outputs.set("pr-comment-url", posted.url)


def _capped(rt: Runtime, name: str, items: list[dict[str, Any]]) -> str:
    """A JSON list output within OUTPUT_LIMIT: cut (with a warning) from its passed, skipped
    and pending entries first, so every failed job stays."""
    listed, rounds = len(items), []

    def shorten(data: list[dict[str, Any]]) -> bool:
        rounds.append(1)
        return _shorten(data)

    text = capped_json(items, OUTPUT_LIMIT, shorten)
    kept = len(items)
    if kept < listed:
        rt.log.warning(f"The `{name}` output holds {kept} of {listed} jobs (every failed one "
                       "first): GitHub limits a job's outputs to 1 MB.")
    elif rounds:
        rt.log.warning(f"The `{name}` output is shortened (annotations after the first "
                       f"{MAX_CUT_ANNOTATIONS}, texts after {MAX_CUT_TEXT} characters): GitHub "
                       "limits a job's outputs to 1 MB.")
    return text


MAX_CUT_ANNOTATIONS = 5  # per failure, once the `failures` output must be cut
MAX_CUT_TEXT = 2000  # characters of a cause or an annotation's message, then


def _shorten(items: list[dict[str, Any]]) -> bool:
    """One step of cutting a list output: a failure's annotations and long texts go before any
    job does; then `_drop_a_quarter`."""
    for item in items:
        notes = item.get("annotations")
        if isinstance(notes, list) and len(notes) > MAX_CUT_ANNOTATIONS:
            for each in items:
                each["annotations"] = each.get("annotations", [])[:MAX_CUT_ANNOTATIONS]
            return True
    texts = [(item, "cause") for item in items] + [
        (note, "message") for item in items for note in item.get("annotations") or []]
    long = [(where, key) for where, key in texts
            if isinstance(where.get(key), str) and len(where[key]) > MAX_CUT_TEXT]
    for where, key in long:
        where[key] = where[key][:MAX_CUT_TEXT - 1] + "…"
    return bool(long) or _drop_a_quarter(items)


def _drop_a_quarter(items: list[dict[str, Any]]) -> bool:
    """Drop a quarter of the entries, those of jobs that did not fail first (from the end):
    a few rounds at most, even for very long job names."""
    if not items:
        return False
    cut = max(len(items) // 4, 1)
    others = [n for n, item in enumerate(items) if not _failed_entry(item)]
    drop = set(others[len(others) - cut:]) if others else set(range(len(items) - cut,
                                                                     len(items)))
    items[:] = [item for n, item in enumerate(items) if n not in drop]
    return True


def _failed_entry(item: dict[str, Any]) -> bool:
    return "kind" in item or (item.get("status") == "completed"
                              and item.get("conclusion") in _FAILED_CONCLUSIONS)
