"""job-logs: every job of a run with its result and a link to its log. Soft: never fails the job.

The table is `joblist.jobs_table`, the same one the coverage soft gate puts in its report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ci_toolkit.joblist import DEFAULT_TITLE, Job, is_failed, is_pending, jobs_table
from ci_toolkit.markdown import callout, escape, heading, size
from ci_toolkit.runtime import Input, Runtime

INPUTS = (
    Input("github-token", secret=True),
    Input("title", DEFAULT_TITLE),
    Input("filter", "latest"),
    Input("exclude"),
    Input("summary", "true", boolean=True),
    Input("run-id"),
)
SOFT = True
PERMISSION = "actions: read"
# GitHub allows 1 MB of outputs per job: the two big ones share half of it, leaving room for
# the other steps' outputs.
OUTPUT_LIMIT = 256 * 1024
SUMMARY_SLACK = 1024  # bytes kept free in the summary for the blank lines Summary.write adds


@dataclass(frozen=True)
class Options:
    title: str
    attempts: str
    exclude: list[str]
    summary: bool
    run_id: int | None


def run(rt: Runtime) -> int:
    options = _options(rt)
    jobs = _fetch(rt, options)
    if jobs is None:
        return 0
    jobs = [job for job in jobs if not any(fnmatchcase(job.name, g) for g in options.exclude)]
    title = options.title or None
    rt.outputs.set("table", jobs_table(jobs, title=title, limit=OUTPUT_LIMIT))
    rt.outputs.set("jobs", _jobs_json(rt, jobs))
    rt.outputs.set("failed", sum(is_failed(job) for job in jobs))
    rt.outputs.set("pending", sum(is_pending(job) for job in jobs))
    rt.outputs.set("total", len(jobs))
    if options.summary:
        # Cut here, by whole rows with an "N more jobs" line, before Summary.write must cut.
        room = max(0, rt.summary.room() - SUMMARY_SLACK)
        rt.summary.write(jobs_table(jobs, title=title, limit=room))
    return 0


def _options(rt: Runtime) -> Options:
    """Every input, checked before any request: a typo is exit 2 even when GitHub is down."""
    run_id = rt.inputs.run_id()
    return Options(
        title=rt.inputs.text("title"),
        attempts=rt.inputs.choice("filter", ("latest", "all")),
        exclude=rt.inputs.lines("exclude"),
        summary=rt.inputs.flag("summary"),
        run_id=run_id if run_id is not None else rt.context.run_id,
    )


def _fetch(rt: Runtime, options: Options) -> list[Job] | None:
    """The run's jobs; on any fault a warning (also in the summary) and None."""
    repository, run_id = rt.context.repository, options.run_id
    if not repository or run_id is None:
        _give_up(rt, "Could not list the jobs: GITHUB_REPOSITORY and a run id "
                 "(GITHUB_RUN_ID or the `run-id` input) are needed.", options)
        return None
    # Imported here: PyGithub is only loaded once the inputs are known to be good.
    from ci_toolkit.github import connect, explain
    from ci_toolkit.github.jobs import IncompleteJobs, fetch_jobs

    try:
        gh = connect(rt.token(), rt.context.api_url)
        return fetch_jobs(gh, repository, run_id, attempts=options.attempts)
    except IncompleteJobs as exc:
        rt.log.warning(f"The job list of run {run_id} may be incomplete: {exc}.")
        return exc.jobs
    except Exception as exc:  # soft: any fault is a warning, never a failed job
        _give_up(rt, explain(exc, f"list the jobs of run {run_id}", PERMISSION), options)
        return None


def _give_up(rt: Runtime, message: str, options: Options) -> None:
    rt.log.warning(message)
    rt.outputs.set("table", "")
    if options.summary:
        # The message may quote GitHub's answer (or a proxy's HTML page): outside text.
        warning = callout("warning", escape(rt.log.scrub(message)))
        rt.summary.write(f"{heading(options.title)}\n\n{warning}" if options.title else warning)


def _jobs_json(rt: Runtime, jobs: list[Job]) -> str:
    """The `jobs` output; cut from the end (with a warning) if it would pass OUTPUT_LIMIT."""
    items = [{"name": j.name, "status": j.status, "conclusion": j.conclusion, "url": j.url,
              "attempt": j.attempt} for j in jobs]
    text = json.dumps(items, ensure_ascii=False)
    kept = len(items)
    while size(text, "bytes") > OUTPUT_LIMIT and kept > 0:
        kept = kept * 3 // 4  # a few rounds at most, even for very long job names
        text = json.dumps(items[:kept], ensure_ascii=False)
    if kept < len(items):
        rt.log.warning(f"The `jobs` output holds the first {kept} of {len(items)} jobs: GitHub "
                       "limits a job's outputs to 1 MB.")
    return text
