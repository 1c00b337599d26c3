"""autofix-guard's GitHub side: the commit that triggered the run, and the branch's last commits.

Imported only when a commit must be read through the API (a push carries its own). Soft: it
never raises; a read that failed is None, and its cause goes to `warn` (the command puts it in
its warning and its `reason` output).
"""

from __future__ import annotations

from itertools import islice

from github.Commit import Commit as ApiCommit

from ci_toolkit.autofix_guard.decision import BranchCommit, Identity
from ci_toolkit.github.client import RemoteBase, explain
from ci_toolkit.github.permissions import Permission


class Remote(RemoteBase):
    """One repository of one GitHub, reached with the step's token."""

    def commit(self, sha: str) -> BranchCommit | None:
        """The commit at `sha`: `GET /repos/{o}/{r}/commits/{sha}`."""
        try:
            return _commit(self.repo.get_commit(sha))
        except Exception as exc:
            self.warn(explain(exc, "read the triggering commit", Permission.CONTENTS_READ))
            return None

    def branch_commits(self, head: str, count: int) -> list[BranchCommit] | None:
        """The newest `count` commits reachable from `head`, through the API (not the payload,
        which holds only what one push brought): one request, `GET .../commits?sha=`."""
        try:
            listed = self.repo.get_commits(sha=head)  # one page
            return [_commit(c) for c in islice(listed, count)]
        except Exception as exc:
            self.warn(explain(exc, "read the branch's last commits", Permission.CONTENTS_READ))
            return None


def _commit(found: ApiCommit) -> BranchCommit:
    git = found.commit
    return BranchCommit(found.sha, git.message or "", tuple(i for i in (
        Identity("commit author", found.author.login if found.author else ""),
        Identity("commit author", git.author.name if git.author else ""),
        Identity("committer", found.committer.login if found.committer else ""),
        Identity("committer", git.committer.name if git.committer else ""),
    ) if i.name.strip()))
