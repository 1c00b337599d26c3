"""The soft gate's GitHub side: every request it makes, and what a refusal means to a user.

The command imports this module only when GitHub is contacted, so a local `--dry-run` on
files never loads PyGithub. Each method turns a failed request into a warning naming its cause
(through `warn`) and returns what it could get: the soft gate never fails on GitHub.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from github.Issue import Issue

from ci_toolkit.coverage import JobReport, Keep
from ci_toolkit.coverage_soft_gate import sources, tracking
from ci_toolkit.coverage_soft_gate.artifacts import (
    ArtifactError,
    download,
    list_artifacts,
    newest_of_each_name,
)
from ci_toolkit.coverage_soft_gate.origin import PullRequest
from ci_toolkit.coverage_soft_gate.patch import ChangedFile, Changes, changed_file
from ci_toolkit.coverage_soft_gate.pulls import (
    FILES_LIMIT,
    commit_files,
    find_pull,
    get_pull,
    pull_files,
)
from ci_toolkit.github.client import RemoteBase, explain
from ci_toolkit.github.comments import CommentError, upsert_comment
from ci_toolkit.github.jobs import IncompleteJobs, fetch_jobs
from ci_toolkit.github.permissions import Permission
from ci_toolkit.joblist import Job
from ci_toolkit.markdown import Message, marker
from ci_toolkit.runtime import Progress

ISSUES = Permission.ISSUES_WRITE
ACTIONS = Permission.ACTIONS_READ
PULLS_READ = Permission.PULL_REQUESTS_READ
__all__ = ["ChangedFile", "Remote"]


class Remote(RemoteBase):
    """One repository of one GitHub, reached with the step's token."""

    @staticmethod
    def issue_mark(kind: str, title: str) -> str:
        return marker(kind, title)

    # ------------------------------------------------------------------ the run

    def reports(self, run_id: int, pattern: str, temp: Path,
                keep: Callable[[Path], Keep | None] | None = None,
                progress: Progress | None = None) -> list[JobReport]:
        """Each artifact matching `pattern` is one job, downloaded and read one at a time.

        `keep` is shown each downloaded folder before its report is read (it may hold the
        measured commit) and says which files' executed lines to keep.
        """
        try:
            listed = list_artifacts(self.gh, self.full_name, run_id, pattern)
            artifacts, older = newest_of_each_name(listed)
        except ArtifactError as exc:
            self.warn(exc.reason)
            return []
        for name in sorted({a.name for a in older}):
            copies = 1 + sum(a.name == name for a in older)
            self.warn(Message("{} artifacts of run {} are named '{}' (a re-run's attempts, or "
                              "an upload-artifact v3 copy beside v4): only the newest was read, "
                              "as one job.", copies, run_id, name))
        if not artifacts:
            self.warn(Message("No artifact of run {} matches '{}': upload each test job's "
                              "reports as an artifact with a matching name, or set `files`.",
                              run_id, pattern))
        temp.mkdir(parents=True, exist_ok=True)
        reports = []
        with tempfile.TemporaryDirectory(prefix="coverage-soft-gate-", dir=temp) as tmp:
            for done, artifact in enumerate(artifacts, start=1):
                if progress is not None and done > 1:
                    progress(done - 1, len(artifacts), f"artifacts read; now {artifact.name}")
                try:
                    folder = download(self.gh, self.full_name, artifact, Path(tmp))
                except (ArtifactError, ValueError) as exc:
                    reason = exc.reason if isinstance(exc, ArtifactError) else str(exc)
                    self.warn(Message("Job '{}' was left out: {}", artifact.name, reason))
                    continue
                kept = keep(folder) if keep else None
                report = sources.read_one(folder, artifact.name, self.warn, kept)
                shutil.rmtree(folder, ignore_errors=True)  # one job on disk at a time
                if report is not None:
                    reports.append(report)
        if progress is not None and artifacts:
            size = sum(a.size for a in artifacts) / 1024 ** 2
            progress(len(artifacts), len(artifacts),
                     f"artifacts read ({size:,.1f} MB zipped in all)")
        return reports

    def jobs(self, run_id: int) -> list[Job] | None:
        """The run's jobs for the logs table; None (with a warning) when they cannot be listed."""
        try:
            return fetch_jobs(self.gh, self.full_name, run_id)
        except IncompleteJobs as exc:
            self.warn(str(exc))
            return exc.jobs
        except Exception as exc:
            self.warn(explain(exc, f"list the jobs of run {run_id}", ACTIONS))
            return None

    def run(self, run_id: int) -> dict[str, Any]:
        """The run's REST representation; `{}` (with a warning) when it cannot be read."""
        try:
            _, data = self.gh.requester.requestJsonAndCheck(
                "GET", f"/repos/{self.full_name}/actions/runs/{run_id}")
            return data if isinstance(data, dict) else {}
        except Exception as exc:
            self.warn(explain(exc, f"read run {run_id}", ACTIONS).then(
                " It is treated as not on the default branch."))
            return {}

    # ------------------------------------------------------------------ the pull request

    def pull(self, number: int) -> dict[str, Any] | None:
        try:
            return get_pull(self.gh, self.full_name, number)
        except Exception as exc:
            self.warn(explain(exc, f"read pull request #{number}", PULLS_READ).then(
                " Patch coverage and the pull-request comment are left out."))
            return None

    def find_pull(self, owner: str, branch: str, sha: str) -> dict[str, Any] | None:
        """The open pull request of a (fork's) branch; None, with a warning, if there is none."""
        try:
            found = find_pull(self.gh, self.full_name, owner, branch, sha)
        except Exception as exc:
            self.warn(explain(exc, f"find the pull request of {owner}:{branch}", PULLS_READ))
            return None
        if found is None:
            self.warn(f"No open pull request of {owner}:{branch} was found: patch coverage and "
                      "the pull-request comment are left out.")
        return found

    def changes(self, pull: PullRequest, measured: str) -> Changes | None:
        """The pull request's changed lines as they are in the commit the jobs measured."""
        doing = f"list the changed files of pull request #{pull.number}"
        try:
            at = ""
            if measured and measured != pull.head_sha:
                found = commit_files(self.gh, self.full_name, measured)
                if _merges(found.parents, pull.head_sha):
                    return self._changes(found.files, pull, f"merge commit {measured[:7]}")
                self.warn(f"The measured commit {measured[:7]} is neither the head of pull "
                          f"request #{pull.number} nor a merge commit of it: the changed lines "
                          "are taken from the pull request, with the head's line numbers.")
                at = pull.head_sha
            return self._changes(pull_files(self.gh, self.full_name, pull.number).files, pull,
                                 f"pull request #{pull.number}", at)
        except Exception as exc:
            self.warn(explain(exc, doing, PULLS_READ).then(" Patch coverage is left out."))
            return None

    def _changes(self, entries: list[dict[str, Any]], pull: PullRequest, what: str,
                 at: str = "") -> Changes:
        files = [f for e in entries if (f := changed_file(e)) is not None]
        cut = ""
        if len(entries) >= FILES_LIMIT or (pull.changed_files or 0) > len(entries):
            cut = (f"GitHub lists {len(entries):,} changed files of {what}"
                   + (f" of its {pull.changed_files:,}" if pull.changed_files else "")
                   + f" (at most {FILES_LIMIT:,}): the patch coverage leaves the rest out.")
            self.warn(cut)
        return Changes(files, cut, at)

    def pr_comment(self, number: int, mark: str, body: str) -> str | None:
        """Keep our ONE comment on the pull request; its URL, or None with a warning."""
        try:
            return upsert_comment(self.repo, number, mark, body).url
        except CommentError as exc:
            self.warn(Message("{}", exc.message).then(
                " The summary, the outputs and the tracking issue are done."))
            return None

    # ------------------------------------------------------------------ the tracking issue

    def find_issue(self, mark: str, label: str) -> Issue | None:
        """The tracking issue if there is one (never created here)."""
        try:
            found = tracking.find(self.repo, mark, label)
        except Exception as exc:
            self.warn(explain(exc, "find the tracking issue", ISSUES))
            return None
        return found[0] if found else None

    def ensure_issue(self, *, title: str, label: str, mark: str,
                     body: str) -> tracking.Tracking | None:
        """The tracking issue, created with `body` when there is none."""
        try:
            return tracking.ensure(self.repo, title=title, label=label, mark=mark, body=body,
                                   warn=self.warn)
        except Exception as exc:
            self.warn(explain(exc, "find or create the tracking issue", ISSUES))
            return None

    def replace_body(self, issue: Issue, body: str) -> None:
        try:
            tracking.replace_body(issue, body)
        except Exception as exc:
            self.warn(explain(exc, f"update the body of issue #{issue.number}", ISSUES))

    def comment(self, issue: Issue, body: str, mark: str, since: datetime) -> None:
        """The run's own comment on the tracking issue, posted once."""
        try:
            tracking.post_comment(issue, body, mark, since)
        except Exception as exc:
            self.warn(explain(exc, f"comment on issue #{issue.number}", ISSUES))



def _merges(parents: tuple[str, ...], head: str) -> bool:
    """A merge commit of the pull request: two parents, its head among them. A commit an
    artifact names is the fork's word, so it must be one (when the head is known)."""
    return len(parents) == 2 and (not head or head.lower() in parents)
