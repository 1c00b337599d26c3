"""autofix-guard: say whether this run was caused by an autofix commit (soft: always exit 0).

The triggering commit is `head_commit` on push; on pull_request events it is the pull
request's head commit read through the API, because actions/checkout leaves a merge commit
("Merge X into Y") in the workspace; on any other event it is the commit at GITHUB_SHA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ci_toolkit.autofix_guard.decision import Identity, by_bot, decide, decide_streak
from ci_toolkit.markdown import Message, Text, callout, escape, prose
from ci_toolkit.runtime import Input, InputError, Runtime, Warn

if TYPE_CHECKING:
    from ci_toolkit.autofix_guard.remote import Remote

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


class Unread(Exception):
    """The commit could not be read; `message` says why (our Markdown)."""

    def __init__(self, message: Text) -> None:
        super().__init__(str(message))
        self.message = message


class NoCommit(Exception):
    """The event carries no commit to judge (a deleted branch or tag, no GITHUB_SHA)."""


def run(rt: Runtime) -> int:
    options = read_options(rt)
    rt.log.phase("autofix-guard: reading the triggering commit")
    try:
        commit = triggering_commit(rt)
    except NoCommit as nothing:
        return _finish(rt, False, f"nothing to guard: {nothing}")
    except Unread as why:  # soft: a read failure never blocks the autofix job
        return _read_failed(rt, why.message)
    actors = [Identity("actor", rt.context.actor),
              Identity("triggering actor", rt.context.triggering_actor)]
    rt.log.info(f"Triggering commit {commit.sha[:12]} ({commit.source}): "
                f"{commit.message.splitlines()[0] if commit.message else ''!r}")
    skip, reason = decide(commit.message, options.prefix, options.bots,
                          actors + commit.identities)
    if not skip and options.max_bot_commits and by_bot(commit.identities, options.bots):
        # Only a bot's head commit can start a streak of bot commits: one request then.
        problems: list[Text] = []
        rt.log.phase(f"autofix-guard: reading the branch's last {options.max_bot_commits} "
                     "commits")
        history = _remote(rt, problems.append).branch_commits(commit.sha,
                                                              options.max_bot_commits)
        if history is None:
            return _read_failed(rt, problems[-1], reason)
        streak, because = decide_streak(history, options.prefix, options.bots,
                                        options.max_bot_commits)
        skip, reason = (True, because) if streak else (False, f"{reason}; {because}")
    if skip:
        rt.summary.write(f"### autofix-guard\n\nSkipping: {escape(reason)} "
                         f"(commit `{commit.sha[:12]}`).")
    return _finish(rt, skip, reason)


def read_options(rt: Runtime) -> Options:
    """Every input, checked before any request."""
    prefix = rt.inputs.raw("prefix").strip()
    if not prefix:
        raise InputError("prefix", "must not be empty: every commit would look like an autofix")
    bots = rt.inputs.items("bot-actors")
    if not bots:
        raise InputError("bot-actors", "expected comma-separated identities, or '*' for anyone")
    return Options(prefix, bots, rt.inputs.integer("max-bot-commits", 0, MAX_BOT_COMMITS))


def _read_failed(rt: Runtime, message: Text, decided: str = "") -> int:
    warning = Message("{} Not skipping.", message)
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


def _from_api(rt: Runtime, sha: str, source: str) -> Commit:
    problems: list[Text] = []
    read = _remote(rt, problems.append).commit(sha)
    if read is None:
        raise Unread(problems[-1])
    return Commit(read.sha, read.message, source, known(list(read.identities)))


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
                  "the push's head_commit", known(identities))


def _remote(rt: Runtime, warn: Warn) -> Remote:
    from ci_toolkit.autofix_guard.remote import Remote  # PyGithub only when the API is needed

    return Remote.connect(rt.token(), rt.context.api_url, rt.context.repository, warn)


def known(identities: list[Identity]) -> list[Identity]:
    return [i for i in identities if i.name.strip()]
