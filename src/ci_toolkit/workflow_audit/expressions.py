"""What a `${{ }}` expression or a script says about trust: PR refs, outsider text, gates."""

from __future__ import annotations

import re

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)

# Values that name pull-request code (a commit, a branch, a fork) in a privileged run.
PR_REF = re.compile(
    r"pull_request\.head\.(?:sha|ref|repo)|merge_commit_sha|\bgithub\.head_ref\b|refs/pull/"
    r"|\bpull/[^/\s]+/(?:head|merge)\b|workflow_run\.head_repository|workflow_run\.pull_requests"
    r"|\bgh\s+pr\b[^\n]*\b(?:view|checkout)\b|headRefOid|headRefName|\.commit\.oid", re.I)
# The triggering run's commit: pull-request code only when that run came from a pull request.
RUN_HEAD = re.compile(r"workflow_run\.head_(?:sha|branch|commit)", re.I)

# Event fields a pull-request author or commenter writes (GitHub Security Lab's list + refs).
UNTRUSTED = re.compile(
    r"github\.event\.(?:"
    r"(?:issue|pull_request|discussion)\.(?:title|body)"
    r"|(?:comment|review|review_comment)\.body"
    r"|pages\.[^.\s]+\.page_name"
    r"|(?:commits\.[^.\s]+|head_commit|workflow_run\.head_commit)\.(?:message|author\.(?:email|name))"
    r"|pull_request\.head\.(?:ref|label|repo\.default_branch)"
    r"|workflow_run\.(?:head_branch|display_title|pull_requests\.[^.\s]+\.head\.ref)"
    r")|\bgithub\.head_ref\b")

GATES = (
    ("label", re.compile(r"labels?\b[.\w*]*\.name|label\.name", re.I)),
    ("actor check", re.compile(r"github\.(?:triggering_)?actor|author_association|"
                               r"authorAssociation|sender\.login|user\.login", re.I)),
)
MERGED = re.compile(r"(?<!!)\s*github\.event\.pull_request\.merged\b(?!\s*==\s*false)")


def expressions(text: str) -> list[re.Match[str]]:
    return list(EXPRESSION.finditer(text))


def untrusted_fields(expression: str) -> list[str]:
    return sorted({m.group(0) for m in UNTRUSTED.finditer(expression)})


def gates(condition: str) -> list[str]:
    return [name for name, pattern in GATES if pattern.search(condition)]


def requires_merged(condition: str) -> bool:
    """True when the condition only passes for merged pull requests (their code is trusted)."""
    top = top_level(condition)
    return bool(MERGED.search(condition)) and "||" not in top and "merged" in top


def top_level(condition: str) -> str:
    """The condition with every parenthesised group removed."""
    previous = None
    text = condition
    while previous != text:
        previous, text = text, re.sub(r"\([^()]*\)", "", text)
    return text


def run_event(condition: str) -> str:
    """`pull_request`/`push` when a workflow_run job's condition pins the upstream event."""
    match = re.search(r"workflow_run\.event\s*(==|!=)\s*['\"](\w+)['\"]", condition)
    if not match:
        return ""
    op, event = match.groups()
    if op == "==":
        return "pull_request" if event.startswith("pull_request") else "push"
    return "push" if event.startswith("pull_request") else ""
