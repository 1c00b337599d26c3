"""Gates a job passes before it runs pull-request code: who approved the run, whose branch it is.

- **an approval**: a write-access check on whoever starts the run — `author_association`
  compared with OWNER/MEMBER/COLLABORATOR in an `if:`, or a step that fails unless the
  commenter may write (github-script's `getCollaboratorPermissionLevel` … `core.setFailed`,
  a `gh api …/permission` check that exits 1);
- **the head in this repository**: `head.repo.full_name == github.repository` in an `if:`,
  or a step that fails unless it is: only people who can push here wrote that branch.

A step gates the steps after it in its job (they run only after it succeeded, unless their
`if:` says `always()`, `failure()` or `cancelled()`), and the jobs that `needs` its job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ci_toolkit.workflow_audit.expressions import top_level
from ci_toolkit.workflow_audit.workflow import Job, Step, Workflow

Kind = Literal["approval", "same-repository"]

_ROLES = re.compile(r"\b(?:OWNER|MEMBER|COLLABORATOR)\b")
_ASSOCIATION = re.compile(r"author_?association", re.I)
_PERMISSION = re.compile(r"getCollaboratorPermissionLevel|checkCollaborator|"
                         r"/collaborators/\S+/permission|\bpermission\b[^\n]*\b(?:admin|write|"
                         r"maintain)\b", re.I)
_SAME_REPO = re.compile(
    r"head\.repo\.full_name\s*==\s*github\.repository\b|"
    r"github\.repository\s*==\s*github\.event\.pull_request\.head\.repo\.full_name|"
    r"head\.repo\.fork\s*==\s*false|!\s*github\.event\.pull_request\.head\.repo\.fork\b")
_SAME_REPO_CHECK = re.compile(r"head\.repo\.(?:full_name|fork)|isCrossRepository|headRepository",
                              re.I)
_FAILS = re.compile(r"core\.setFailed|\bthrow\b|process\.exit\(\s*[1-9]|\bexit\s+[1-9]")
_RUNS_ANYWAY = re.compile(r"\b(?:always|failure|cancelled)\(\)")


@dataclass(frozen=True)
class Gate:
    kind: Kind
    name: str  # how findings name it: "write-access check (line 12)"


# A commit named exactly (a SHA, `headRefOid`), not a branch its author can still push to.
_EXACT = re.compile(r"sha|oid\b|Oid\b|commit", re.I)
_BRANCH = re.compile(r"head\.ref\b|head_ref|headRefName|refs/pull/|\bpull/[^/\s]+/(?:head|merge)\b|"
                     r"head_branch|\bgh\s+pr\s+checkout\b")


def exact_commit(ref: str) -> bool:
    """Does the checkout (its `ref:` or its git/gh command) name an exact commit?"""
    return bool(_EXACT.search(ref)) and not _BRANCH.search(ref)


def condition_gates(condition: str) -> list[Gate]:
    """Gates an `if:` condition holds as a whole (no top-level `||` around them)."""
    found: list[Gate] = []
    if not condition.strip():
        return found
    top = top_level(condition)
    if "||" in top:
        return found
    if _ASSOCIATION.search(condition) and _ROLES.search(condition):
        found.append(Gate("approval", "write-access check (`author_association`)"))
    if _SAME_REPO.search(condition):
        found.append(Gate("same-repository", "head in this repository (`if:`)"))
    return found


def step_gate(step: Step) -> Gate | None:
    """A step that fails unless the run is approved or the head is this repository's."""
    if step.node.text("continue-on-error").strip().lower() == "true":
        return None
    code = step.script or step.run
    if not code or not _FAILS.search(code):
        return None
    where = f"line {step.line}"
    if _PERMISSION.search(code) or (_ASSOCIATION.search(code) and _ROLES.search(code)):
        return Gate("approval", f"write-access check ({where})")
    if _SAME_REPO_CHECK.search(code):
        return Gate("same-repository", f"head in this repository ({where})")
    return None


class Gates:
    """The gates of one workflow's jobs, each job's read once: its first gate step of each
    kind (a later one adds nothing a finding needs: the steps after it are behind the first
    too) and the gates of the jobs it needs."""

    def __init__(self, flow: Workflow) -> None:
        self.flow = flow
        self._first: dict[int, dict[Kind, tuple[int, Gate]]] = {}
        self._needed: dict[int, list[Gate]] = {}
        self._before: dict[int, list[Gate]] = {}

    def before(self, job: Job, step: Step) -> list[Gate]:
        """Every gate `step` runs behind: its own and its job's `if:`, an earlier gate step
        of its job, and gate steps of the jobs it needs (followed through `needs:`)."""
        key = id(step)
        if key not in self._before:
            found = condition_gates(step.condition) + condition_gates(job.condition)
            if not _RUNS_ANYWAY.search(step.condition):
                found += [gate for index, gate in self._first_gates(job).values()
                          if index < step.index] + self._needed_gates(job, set())
            self._before[key] = found
        return self._before[key]

    def approvals(self, job: Job, landing: Step, runners: list[Step]) -> list[str]:
        """The approvals pull-request code waits for: those before the step that puts it
        on disk, and those before every step that runs it (both must run for the code to)."""
        def names(step: Step) -> set[str]:
            return {g.name for g in self.before(job, step) if g.kind == "approval"}
        found = names(landing)
        if runners:
            found |= set.intersection(*(names(step) for step in runners))
        return sorted(found)

    def _first_gates(self, job: Job) -> dict[Kind, tuple[int, Gate]]:
        key = id(job)
        if key not in self._first:
            first: dict[Kind, tuple[int, Gate]] = {}
            for step in job.steps:
                gate = step_gate(step)
                if gate is not None and gate.kind not in first:
                    first[gate.kind] = (step.index, gate)
            self._first[key] = first
        return self._first[key]

    def _needed_gates(self, job: Job, seen: set[str]) -> list[Gate]:
        key = id(job)
        if key in self._needed:
            return self._needed[key]
        found: list[Gate] = []
        if not _RUNS_ANYWAY.search(job.condition):
            for name in _needs(job):
                other = self.flow.job(name)
                if other is None or name in seen:
                    continue
                seen.add(name)
                found += condition_gates(other.condition)
                found += [gate for _, gate in self._first_gates(other).values()]
                found += self._needed_gates(other, seen)
        self._needed[key] = found
        return found


def _needs(job: Job) -> list[str]:
    node = job.node.get("needs")
    if node is None:
        return []
    return [item.value for item in node.items] if node.kind == "seq" else [node.value]
