"""job-logs' GitHub side: the run's jobs, a failed job's log excerpt, the pull-request comment.

The command imports this module only once its inputs are known to be good, so a typo costs no
PyGithub import. `excerpt` never raises: a log that cannot be had becomes an excerpt that says
why it is missing.
"""

from __future__ import annotations

from github import GithubException

from ci_toolkit.github import downloads
from ci_toolkit.github.client import RemoteBase, explain
from ci_toolkit.github.comments import (
    CommentError,
    PostedComment,
    edit_comment,
    upsert_comment,
)
from ci_toolkit.github.jobs import IncompleteJobs, fetch_jobs, job_log
from ci_toolkit.github.permissions import Permission, spelled
from ci_toolkit.job_logs.excerpts import Excerpt, Window, decoded_lines, find
from ci_toolkit.job_logs.failures import Annotation
from ci_toolkit.joblist import Attempts, Job, failed_step
from ci_toolkit.markdown import Message, Text

PERMISSION = Permission.ACTIONS_READ
ANNOTATIONS_PERMISSION = Permission.CHECKS_READ


class Remote(RemoteBase):
    """One repository of one GitHub, reached with the step's token. Soft: it never raises; what
    it cannot do is said through `warn`."""

    def jobs(self, run_id: int, attempts: Attempts) -> list[Job] | None:
        """Every job of the run (those listed, when GitHub listed fewer than it announced);
        None when they cannot be listed."""
        try:
            return fetch_jobs(self.gh, self.full_name, run_id, attempts=attempts)
        except IncompleteJobs as exc:
            self.warn(f"The job list of run {run_id} may be incomplete: {exc}.")
            return exc.jobs
        except Exception as exc:
            self.warn(explain(exc, f"list the jobs of run {run_id}", PERMISSION))
            return None

    def excerpt(self, job: Job, lines: int) -> Excerpt:
        """The failing step's last `lines` lines up to its first error, or why there are none."""
        if not job.steps:
            return Excerpt(missing="GitHub lists no steps for this job (it may never have "
                           "started on a runner), so there is no failing step to quote")
        step = failed_step(job)
        window = Window.of(step.started_at, step.completed_at) if step else None
        try:
            with job_log(self.gh, self.full_name, job.id) as chunks:
                try:
                    return find(decoded_lines(chunks), window, lines)
                except downloads.Retryable as exc:  # after the first bytes: not retried
                    return Excerpt(missing=Message("the log could not be read to the end: {}",
                                                   str(exc)))
        except Exception as exc:  # soft: every fault is a reason, never a failed step
            return Excerpt(missing=log_fault(exc))

    def annotations(self, job: Job) -> list[Annotation] | None:
        """The job's check-run annotations (one request: the first 100); None when GitHub
        refuses them (403/404: the token lacks `checks: read`); [] with a warning on a fault."""
        if not job.check_run_url:
            return []
        try:
            _, data = self.gh.requester.requestJsonAndCheck(
                "GET", f"{job.check_run_url}/annotations", parameters={"per_page": 100})
        except Exception as exc:  # soft: a refusal is None, any other fault a warning
            if isinstance(exc, GithubException) and exc.status in (403, 404):
                return None
            self.warn(explain(exc, f"read the annotations of job {job.name!r}",
                              ANNOTATIONS_PERMISSION))
            return []
        items = data if isinstance(data, list) else []
        return [Annotation.of(raw) for raw in items if isinstance(raw, dict)]

    def comment(self, number: int, mark: str, body: str, *,
                only_edit: bool = False) -> PostedComment | None:
        """Our one comment on pull request `number`, edited in place; None when refused (or,
        with `only_edit`, when there is none to edit)."""
        try:
            if only_edit:
                return edit_comment(self.repo, number, mark, body)
            return upsert_comment(self.repo, number, mark, body)
        except CommentError as exc:
            self.warn(exc.message)
            return None


def log_fault(exc: BaseException) -> Text:
    """Why a job's log could not be read, in words a user can act on."""
    if downloads.gone(exc):
        return ("its log is gone (410): GitHub deletes logs after the repository's retention "
                "period")
    if isinstance(exc, GithubException) and exc.status == 404:
        return Message(f"its log was not found (404); the token needs {spelled(PERMISSION)}")
    if isinstance(exc, downloads.NoRedirect):
        return "GitHub answered without a redirect to the log"
    if isinstance(exc, downloads.StorageRefused):
        return Message("the log could not be downloaded: {}", str(exc).rstrip("."))
    if isinstance(exc, downloads.Retryable):
        return Message("the log could not be downloaded: {}, {} times", str(exc),
                       downloads.ATTEMPTS)
    return explain(exc, "download its log", PERMISSION).rstrip(".")
