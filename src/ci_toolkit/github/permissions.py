"""The token permissions, as a workflow's `permissions:` block spells them.

Every message that names a permission takes it from here, so a user can copy it as it is. This
module imports nothing (commands name permissions before PyGithub is loaded).
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    ACTIONS_READ = "actions: read"
    CHECKS_READ = "checks: read"
    CONTENTS_READ = "contents: read"
    CONTENTS_WRITE = "contents: write"
    ISSUES_READ = "issues: read"
    ISSUES_WRITE = "issues: write"
    PULL_REQUESTS_READ = "pull-requests: read"
    PULL_REQUESTS_WRITE = "pull-requests: write"


Needs = Permission | tuple[Permission, ...]

# GitHub's description of the comment endpoints accepts either permission: grant both.
COMMENT: Needs = (Permission.PULL_REQUESTS_WRITE, Permission.ISSUES_WRITE)
# markPullRequestReadyForReview refuses an installation token without `contents: write`
# (cli/cli#8910), although the change is to the pull request.
DRAFT_STATE: Needs = (Permission.PULL_REQUESTS_WRITE, Permission.CONTENTS_WRITE)


def spelled(needs: Needs) -> str:
    """`actions: read`, or `pull-requests: write` and `issues: write`: our Markdown."""
    names = (needs,) if isinstance(needs, str) else needs
    return " and ".join(f"`{name}`" for name in names)
