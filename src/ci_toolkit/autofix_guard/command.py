"""autofix-guard: say whether this run was caused by an autofix commit (soft: always exit 0).

The triggering commit is `head_commit` on push; on pull_request events it is the pull
request's head commit read through the API, because actions/checkout leaves a merge commit
("Merge X into Y") in the workspace; on any other event it is the commit at GITHUB_SHA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ci_toolkit.autofix_guard.decision import BranchCommit, Identity, by_bot, decide, decide_streak
from ci_toolkit.github.permissions import Permission
from ci_toolkit.markdown import callout, escape, prose
from ci_toolkit.runtime import Input, InputError, Runtime

if TYPE_CHECKING:
    from github.Commit import Commit as ApiCommit

INPUTS = (
    Input("github-token", secret=True,
          description="Token used only to read a pull request's head commit (needs `contents: "
                      "read`)."),
    Input("prefix", "chore(autofix):",
          description="The subject prefix of autofix commits."),
    Input("bot-actors", "github-actions[bot]",
          description="Comma-separated identities that make autofix commits, with or without "
                      "`[bot]`; `*` means anyone."),
    Input("max-bot-commits", "3",
          description="Also skip when the branch's last this-many commits are all by "
                      "`bot-actors` and one carries `prefix`; `0` = off."),
)
SOFT = True
MAX_BOT_COMMITS = 100  # one page of the commits list


@dataclass(frozen=True)
class Options:
    prefix: str
    bots: list[str]
    max_bot_commits: int  # 0: the ping-pong cap is off


@dataclass
class Commit:
    """The commit that triggered the run, as far as the guard needs it."""

    sha: str
    message: str
    source: str  # where it came from, for the reason and the log
    identities: list[Identity] = field(default_factory=list)


class NoCommit(Exception):
    """The event carries no commit to judge (a deleted branch or tag, no GITHUB_SHA)."""


def run(rt: Runtime) -> int:
    options = _options(rt)
    rt.log.phase("autofix-guard: reading the triggering commit")
    try:
        commit = triggering_commit(rt)
    except NoCommit as nothing:
        return _finish(rt, False, f"nothing to guard: {nothing}")
    except Exception as exc:  # soft: a read failure never blocks the autofix job
        return _read_failed(rt, exc, "read the triggering commit")
    actors = [Identity("actor", rt.context.actor),
              Identity("triggering actor", rt.context.triggering_actor)]
    rt.log.info(f"Triggering commit {commit.sha[:12]} ({commit.source}): "
                f"{commit.message.splitlines()[0] if commit.message else ''!r}")
    skip, reason = decide(commit.message, options.prefix, options.bots,
                          actors + commit.identities)
    if not skip and options.max_bot_commits and by_bot(commit.identities, options.bots):
        # Only a bot's head commit can start a streak of bot commits: one request then.
        try:
            rt.log.phase(f"autofix-guard: reading the branch's last {options.max_bot_commits} "
                         "commits")
            history = branch_commits(rt, commit.sha, options.max_bot_commits)
        except Exception as exc:
            return _read_failed(rt, exc, "read the branch's last commits", reason)
        streak, because = decide_streak(history, options.prefix, options.bots,
                                        options.max_bot_commits)
        skip, reason = (True, because) if streak else (False, f"{reason}; {because}")
    if skip:
        rt.summary.write(f"### autofix-guard\n\nSkipping: {escape(reason)} "
                         f"(commit `{commit.sha[:12]}`).")
    return _finish(rt, skip, reason)


def _options(rt: Runtime) -> Options:
    """Every input, checked before any request."""
    prefix = rt.inputs.raw("prefix").strip()
    if not prefix:
        raise InputError("prefix", "must not be empty: every commit would look like an autofix")
    bots = rt.inputs.items("bot-actors")
    if not bots:
        raise InputError("bot-actors", "expected comma-separated identities, or '*' for anyone")
    return Options(prefix, bots, rt.inputs.integer("max-bot-commits", 0, MAX_BOT_COMMITS))


def _read_failed(rt: Runtime, exc: Exception, doing: str, decided: str = "") -> int:
    from ci_toolkit.github.client import explain

    message = explain(exc, doing, Permission.CONTENTS_READ)
    warning = message.then(" Not skipping.")
    rt.log.warning(warning)
    rt.summary.write("### autofix-guard\n\n" + callout("warning", prose(warning)))
    why = f"{decided}; " if decided else ""
    what = "the triggering commit" if not decided else "the branch's last commits"
    return _finish(rt, False, f"{why}{what} could not be read ({message})")


def _finish(rt: Runtime, skip: bool, reason: str) -> int:
    rt.outputs.set("skip", "true" if skip else "false")
    rt.outputs.set("reason", reason)
    rt.log.result("autofix-guard", f"skip={'true' if skip else 'false'}: {reason}")
    return 0


def triggering_commit(rt: Runtime) -> Commit:
    event, name = rt.context.event, rt.context.event_name
    if name == "push":
        return _from_push(event)
    pull = event.get("pull_request")
    if name.startswith("pull_request") and isinstance(pull, dict):
        sha = str((pull.get("head") or {}).get("sha") or "")
        if not sha:
            raise NoCommit("the pull request payload has no head sha")
        return _from_api(rt, sha, "the pull request's head commit")
    if not rt.context.sha:
        raise NoCommit("GITHUB_SHA is not set")
    return _from_api(rt, rt.context.sha, "the commit at GITHUB_SHA")


def _from_push(event: dict[str, Any]) -> Commit:
    head = event.get("head_commit")
    if not isinstance(head, dict):
        ref = str(event.get("ref") or "the ref")
        if event.get("deleted"):
            raise NoCommit(f"the push deleted {ref} (head_commit is null)")
        raise NoCommit(f"the push to {ref} has no head_commit")
    identities = []
    for role, key in (("commit author", "author"), ("committer", "committer")):
        person = head.get(key) or {}
        # `username` is the GitHub login, present when the e-mail belongs to an account.
        identities += [Identity(role, str(person.get("username") or "")),
                       Identity(role, str(person.get("name") or ""))]
    return Commit(str(head.get("id") or ""), str(head.get("message") or ""),
                  "the push's head_commit", _known(identities))


def _from_api(rt: Runtime, sha: str, source: str) -> Commit:
    from ci_toolkit.github.client import connect_repository  # PyGithub only when needed

    found = connect_repository(rt).get_commit(sha)  # GET /repos/{o}/{r}/commits/{sha}
    return Commit(found.sha, found.commit.message or "", source, _api_identities(found))


def branch_commits(rt: Runtime, head: str, count: int) -> list[BranchCommit]:
    """The newest `count` commits reachable from `head`, through the API (not the payload,
    which holds only what one push brought): one request, `GET .../commits?sha=`."""
    from itertools import islice

    from ci_toolkit.github.client import connect_repository

    listed = connect_repository(rt).get_commits(sha=head)  # per_page 100: one page
    return [BranchCommit(c.sha, c.commit.message or "", tuple(_api_identities(c)))
            for c in islice(listed, count)]


def _api_identities(found: ApiCommit) -> list[Identity]:
    git = found.commit
    return _known([
        Identity("commit author", found.author.login if found.author else ""),
        Identity("commit author", git.author.name if git.author else ""),
        Identity("committer", found.committer.login if found.committer else ""),
        Identity("committer", git.committer.name if git.committer else ""),
    ])


def _known(identities: list[Identity]) -> list[Identity]:
    return [i for i in identities if i.name.strip()]
