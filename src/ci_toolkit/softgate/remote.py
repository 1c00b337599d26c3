"""The soft gate's GitHub side: every request it makes, and what a refusal means to a user.

The command imports this module only when GitHub is contacted, so a local `--dry-run` on
files never loads PyGithub. Each method turns a failed request into a warning naming its cause
(through `warn`) and returns what it could get: the soft gate never fails on GitHub.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from github import Github
from github.Issue import Issue
from github.Repository import Repository

from ci_toolkit.coverage import JobReport
from ci_toolkit.github import connect, explain, repository
from ci_toolkit.github.issues import marker
from ci_toolkit.github.jobs import IncompleteJobs, fetch_jobs
from ci_toolkit.joblist import Job
from ci_toolkit.softgate import sources, tracking

Warn = Callable[[str], None]
ISSUES = "issues: write"
ACTIONS = "actions: read"


@dataclass
class Remote:
    """One repository of one GitHub, reached with the step's token."""

    gh: Github
    full_name: str
    warn: Warn

    @classmethod
    def connect(cls, token: str, api_url: str, full_name: str, warn: Warn) -> Remote:
        return cls(connect(token, api_url), full_name, warn)

    @staticmethod
    def issue_mark(kind: str, title: str) -> str:
        return marker(kind, title)

    @property
    def repo(self) -> Repository:
        return repository(self.gh, self.full_name)

    # ------------------------------------------------------------------ the run

    def reports(self, run_id: int, pattern: str, temp: Path) -> list[JobReport]:
        """The run's matching artifacts, one job each."""
        return sources.read_artifacts(self.gh, self.full_name, run_id, pattern, temp, self.warn)

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
            self.warn(explain(exc, f"read run {run_id}", ACTIONS) +
                      " It is treated as not on the default branch.")
            return {}

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

