"""autofix-guard: say whether this run was caused by an autofix commit (soft: always exit 0).

The triggering commit is `head_commit` on push; on pull_request events it is the pull
request's head commit read through the API, because actions/checkout leaves a merge commit
("Merge X into Y") in the workspace; on any other event it is the commit at GITHUB_SHA.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_toolkit.autofix import Identity, decide
from ci_toolkit.markdown import callout, escape
from ci_toolkit.runtime import Input, InputError, Runtime

INPUTS = (
    Input("github-token", secret=True),
    Input("prefix", "chore(autofix):"),
    Input("bot-actors", "github-actions[bot]"),
)
SOFT = True


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
    prefix = rt.inputs.raw("prefix").strip()
    if not prefix:
        raise InputError("prefix", "must not be empty: every commit would look like an autofix")
    bots = rt.inputs.items("bot-actors")
    if not bots:
        raise InputError("bot-actors", "expected comma-separated identities, or '*' for anyone")
    try:
        commit = triggering_commit(rt)
    except NoCommit as why:
        return _finish(rt, False, f"no triggering commit to judge: {why}")
    except Exception as exc:  # soft: a read failure never blocks the autofix job
        from ci_toolkit.github import explain

        message = explain(exc, "read the triggering commit", "contents: read")
        rt.log.warning(f"{message} Not skipping.")
        rt.summary.write("### autofix-guard\n\n" +
                         callout("warning", f"{escape(message)} Not skipping."))
        return _finish(rt, False, f"the triggering commit could not be read ({message})")
    actors = [Identity("actor", rt.context.actor),
              Identity("triggering actor", rt.context.triggering_actor)]
    rt.log.info(f"Triggering commit {commit.sha[:12]} ({commit.source}): "
                f"{commit.message.splitlines()[0] if commit.message else ''!r}")
    skip, reason = decide(commit.message, prefix, bots, actors + commit.identities)
    if skip:
        rt.summary.write(f"### autofix-guard\n\nSkipping: {escape(reason)} "
                         f"(commit `{commit.sha[:12]}`).")
    return _finish(rt, skip, reason)


def _finish(rt: Runtime, skip: bool, reason: str) -> int:
    rt.outputs.set("skip", "true" if skip else "false")
    rt.outputs.set("reason", reason)
    rt.log.info(f"skip={'true' if skip else 'false'}: {reason}")
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
        raise NoCommit("the push has no head_commit (a deleted branch or tag)")
    identities = []
    for role, key in (("commit author", "author"), ("committer", "committer")):
        person = head.get(key) or {}
        # `username` is the GitHub login, present when the e-mail belongs to an account.
        identities += [Identity(role, str(person.get("username") or "")),
                       Identity(role, str(person.get("name") or ""))]
    return Commit(str(head.get("id") or ""), str(head.get("message") or ""),
                  "the push's head_commit", _known(identities))


def _from_api(rt: Runtime, sha: str, source: str) -> Commit:
    from ci_toolkit.github import connect_repository  # PyGithub only when the API is needed

    repo = connect_repository(rt)
    found = repo.get_commit(sha)  # GET /repos/{o}/{r}/commits/{sha}: the only request
    git = found.commit
    identities = [
        Identity("commit author", found.author.login if found.author else ""),
        Identity("commit author", git.author.name if git.author else ""),
        Identity("committer", found.committer.login if found.committer else ""),
        Identity("committer", git.committer.name if git.committer else ""),
    ]
    return Commit(found.sha, git.message or "", source, _known(identities))


def _known(identities: list[Identity]) -> list[Identity]:
    return [i for i in identities if i.name.strip()]
