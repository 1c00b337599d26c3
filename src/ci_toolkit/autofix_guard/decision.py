"""The autofix loop guard's decision: pure, so every rule is tested without GitHub.

A run is skipped only when BOTH hold:
- the triggering commit's subject starts with the autofix prefix, and
- one of the bot identities is the actor, the triggering actor, or the commit's author or
  committer.
All four identities count because GITHUB_TOKEN pushes start no runs: real loops come from PAT
pushes (actor = the token's owner) or App pushes (actor = `<app>[bot]`), while the autofix job
itself usually commits as `github-actions[bot]` whatever token pushes.

A second rule stops two fixers answering each other (a formatter bot's unprefixed commit on top
of an autofix commit, and so on): skip when the last `max-bot-commits` commits of the branch
are all by bots (author or committer) and at least one of them carries the prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ANYONE = "*"


@dataclass(frozen=True)
class Identity:
    """Who touched the run or the commit: `role` says where the name was found."""

    role: str  # "actor", "triggering actor", "commit author", "committer"
    name: str


def normalise(identity: str) -> str:
    """`GitHub-Actions[bot]` and `github-actions` are the same identity."""
    return identity.strip().lower().removesuffix("[bot]").strip()


def subject(message: str) -> str:
    """The first non-blank line of a commit message, without surrounding spaces."""
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


def decide(message: str, prefix: str, bots: Sequence[str],
           identities: Sequence[Identity]) -> tuple[bool, str]:
    """(skip, reason): whether this run was caused by an autofix commit, and which rule said so."""
    title = subject(message)
    if not title.startswith(prefix):
        return False, f"the commit subject does not start with {prefix!r}"
    if ANYONE in bots:
        return True, f"the commit subject starts with {prefix!r} and bot-actors is '*'"
    match = _bot_match(bots, identities)
    if match is None:
        return False, (f"the commit subject starts with {prefix!r} but no bot-actor was involved "
                       f"({_describe(identities)})")
    return True, f"the commit subject starts with {prefix!r} and the {match.role} is {match.name}"


def _bot_match(bots: Sequence[str], identities: Sequence[Identity]) -> Identity | None:
    wanted = {normalise(bot) for bot in bots} - {""}
    return next((i for i in identities if normalise(i.name) in wanted), None)


def _describe(identities: Sequence[Identity]) -> str:
    seen = [f"{i.role}: {i.name}" for i in identities if i.name.strip()]
    return "; ".join(dict.fromkeys(seen)) or "no identity known"


@dataclass(frozen=True)
class BranchCommit:
    """One commit of the branch's recent history: its message and who made it."""

    sha: str
    message: str
    identities: tuple[Identity, ...]  # its author and committer (logins and git names)


def by_bot(identities: Sequence[Identity], bots: Sequence[str]) -> bool:
    """Whether a bot made the commit: `*`, or one of `bots` as its author or committer."""
    return ANYONE in bots or _bot_match(bots, identities) is not None


def decide_streak(commits: Sequence[BranchCommit], prefix: str, bots: Sequence[str],
                  limit: int) -> tuple[bool, str]:
    """(skip, reason) for the ping-pong cap over the branch's newest commits, newest first."""
    last = list(commits[:limit])
    if limit <= 0 or len(last) < limit:
        return False, f"the branch has fewer than {limit} commits to compare"
    human = next((c for c in last if not by_bot(c.identities, bots)), None)
    if human is not None:
        return False, (f"commit {human.sha[:12]} among the last {limit} of the branch is not "
                       f"by a bot-actor ({_describe(human.identities)})")
    prefixed = [c for c in last if subject(c.message).startswith(prefix)]
    if not prefixed:
        return False, f"none of the last {limit} commits of the branch starts with {prefix!r}"
    makers = dict.fromkeys(m.name for c in last if (m := _bot_match(bots, c.identities)))
    who = f" ({', '.join(makers)})" if makers else ""
    return True, (f"the last {limit} commits of the branch are all by bot-actors{who} and "
                  f"{len(prefixed)} of them start{'s' if len(prefixed) == 1 else ''} with "
                  f"{prefix!r}: fixers answering each other (max-bot-commits)")
