"""actions/checkout's own fork guard: which checkouts the action itself refuses.

actions/checkout v7.0.0 (actions/checkout#2454, June 2026) refuses to check out a fork's
pull-request code from a `pull_request_target` workflow, or from a `workflow_run` of a
pull-request run, unless the step sets `allow-unsafe-pr-checkout: true`. It was backported to
v6.1.0, v5.1.0, v4.4.0, v3.7.0 and v2.8.0, and the major tags v2 … v7 were moved onto those
releases (checked in the actions/checkout repository: each release's action.yml declares
`allow-unsafe-pr-checkout`, v6.0.2, v4.3.0, v4.2.2 do not). The guard compares the resolved
checkout with the event: the fork as `repository`, a `refs/pull/N/head|merge` ref, or the
pull request's head or merge commit. It does not cover same-repository pull requests,
`issue_comment` workflows, `git`/`gh` fetches, artifacts, or a ref the workflow computed
(it is only known at run time, so the audit does not count it).
"""

from __future__ import annotations

import re

from ci_toolkit.workflow_audit.workflow import Step, Workflow

# First guarded release of each major version; majors above the last are guarded.
GUARDED_SINCE: dict[int, tuple[int, int, int]] = {
    2: (2, 8, 0), 3: (3, 7, 0), 4: (4, 4, 0), 5: (5, 1, 0), 6: (6, 1, 0), 7: (7, 0, 0)}
# The guarded releases' commits, for steps pinned by SHA (a comment `# v4` is not trusted).
GUARDED_COMMITS = frozenset({
    "0717577d45739eb3c851188b29f50ed6c0b2194e",  # v2.8.0
    "a37ce9120846195fa4ece8f58b268e6043cb2f26",  # v3.7.0
    "11d5960a326750d5838078e36cf38b85af677262",  # v4.4.0
    "fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09",  # v5.1.0
    "d23441a48e516b6c34aea4fa41551a30e30af803",  # v6.1.0
    "9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0",  # v7.0.0
    "3d3c42e5aac5ba805825da76410c181273ba90b1",  # v7.0.1
})
GUARDED_EVENTS = frozenset({"pull_request_target", "workflow_run"})
OPT_OUT = "allow-unsafe-pr-checkout"
_REF = re.compile(r"pull_request\.head\.sha|merge_commit_sha|refs/pull/|"
                  r"workflow_run\.head_(?:sha|commit\.id)")
_REPOSITORY = re.compile(r"pull_request\.head\.repo\.full_name|"
                         r"workflow_run\.head_repository\.full_name")
_VERSION = re.compile(r"v(\d+)(?:\.(\d+))?(?:\.(\d+))?$")


def refuses_fork(flow: Workflow, step: Step) -> bool:
    """Would this actions/checkout step refuse a fork's pull request, as written?"""
    if not flow.privileged or not flow.privileged <= GUARDED_EVENTS:
        return False  # issue_comment runs are not guarded
    if step.input(OPT_OUT).strip().lower() == "true" or not guarded_version(step.uses):
        return False
    return bool(_REF.search(step.input("ref")) or _REPOSITORY.search(step.input("repository")))


def opted_out(step: Step) -> bool:
    return step.input(OPT_OUT).strip().lower() == "true" and guarded_version(step.uses)


def guarded_version(uses: str) -> bool:
    """`actions/checkout@<ref>`: a release with the guard (`main` has it too)."""
    ref = uses.partition("@")[2].strip()
    if re.fullmatch(r"[0-9a-f]{40}", ref):
        return ref in GUARDED_COMMITS
    if ref == "main":
        return True
    match = _VERSION.match(ref)
    if match is None:
        return False
    major = int(match.group(1))
    if match.group(2) is None:
        return major in GUARDED_SINCE or major > max(GUARDED_SINCE)  # a moved major tag
    version = (major, int(match.group(2)), int(match.group(3) or 0))
    return major > max(GUARDED_SINCE) or (
        major in GUARDED_SINCE and version >= GUARDED_SINCE[major])
