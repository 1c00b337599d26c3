"""bulk-issues' decisions, over plain data: what the spec plans and what GitHub already has.

Pure: no I/O, no PyGithub. `remote` turns GitHub's answers into `Existing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ci_toolkit import markdown
from ci_toolkit.bulk_issues.spec import COPILOT, PlannedIssue, unique_labels
from ci_toolkit.markdown import marker

KIND = "bulk-issues"
OnExisting = Literal["skip", "update", "create"]
ON_EXISTING: tuple[OnExisting, ...] = ("skip", "update", "create")
Decision = Literal["create", "skip", "update", "unchanged"]
COPILOT_MISSING = ("the Copilot coding agent cannot be assigned here (GitHub does not suggest it: "
                   "it is not enabled for this repository, or the token's user has no Copilot "
                   "plan with it; GitHub assigns Copilot only with a person's token)")
CUT_NOTE = "This body was longer than the 65,536 characters GitHub accepts; the rest was cut."


@dataclass(frozen=True)
class Existing:
    """An issue GitHub has, as far as the decisions need it."""

    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    url: str
    id: int = 0  # the sub-issues API takes this, not the number
    parent_url: str = ""  # `parent_issue_url`: empty when it is no sub-issue
    type: str = ""  # its issue type's name; empty when it has none


@dataclass
class Found:
    """What the spec's `Assignees:`, `Milestone:`, `Type:` and `Parent: #n` lines name, as
    GitHub has it, read before anything is written."""

    owner: str = ""  # the repository's owner, and whether it is an organization
    organization: bool = True
    types: tuple[str, ...] = ()  # the organization's enabled issue types (read for `Type:`)
    milestones: dict[str, int] = field(default_factory=dict)  # title -> number
    assignable: dict[str, bool] = field(default_factory=dict)  # login -> may be assigned
    parents: dict[int, Existing] = field(default_factory=dict)  # `Parent: #n` -> issue n


@dataclass(frozen=True)
class Planned:
    """An issue as it will be sent: labels merged, body cut to size and marked."""

    title: str
    labels: tuple[str, ...]
    body: str
    cut: bool
    spec: PlannedIssue  # assignees, milestone, parent and their lines


def planned(issue: PlannedIssue, default_labels: Sequence[str]) -> Planned:
    """Labels merged with the defaults; the body cut to GitHub's limit with the marker kept."""
    mark = marker(KIND, issue.title)
    body = markdown.truncate(issue.body, markdown.ISSUE_BODY_LIMIT - len(mark) - 2, CUT_NOTE)
    return Planned(
        title=issue.title,
        labels=unique_labels([*issue.labels, *default_labels]),
        body=f"{mark}\n\n{body}" if body else mark,  # first: an open fence cannot swallow it
        cut=body != issue.body,
        spec=issue,
    )


def existing_for(issues: Sequence[Existing], title: str) -> Existing | None:
    """The open issue this title already has: ours by marker first, else one made by hand."""
    mark = marker(KIND, title)
    ours = [issue for issue in issues if mark in issue.body]
    same = ours or [issue for issue in issues if issue.title.strip() == title]
    return min(same, key=lambda issue: issue.number) if same else None


def merged_labels(issue: Existing, item: Planned) -> list[str]:
    """An update adds the spec's labels and removes none (people triage with labels too)."""
    return list(unique_labels([*issue.labels, *item.labels]))


def decide(found: Existing | None, item: Planned, on_existing: OnExisting) -> Decision:
    """`create`, `skip`, `update`, or `unchanged` (an update that would change nothing)."""
    if found is None or on_existing == "create":
        return "create"
    if on_existing == "skip":
        return "skip"
    same_labels = len(merged_labels(found, item)) == len(found.labels)
    same_type = not item.spec.type or item.spec.type == found.type
    return "unchanged" if found.body == item.body and same_labels and same_type else "update"


def problems(specs: Sequence[PlannedIssue], found: Found) -> list[str]:
    """Each line of the spec that names what GitHub does not have, with its line number."""
    said: list[str] = []
    for spec in specs:
        if spec.milestone and spec.milestone not in found.milestones:
            said.append(f"line {spec.lines['milestone']}: there is no milestone "
                        f"{spec.milestone!r}")
        said += [f"line {spec.lines['assignees']}: " + (COPILOT_MISSING if login == COPILOT else
                                                        f"{login} cannot be assigned issues here")
                 for login in spec.assignees if not found.assignable[login]]
        if isinstance(spec.parent, int) and spec.parent not in found.parents:
            said.append(f"line {spec.lines['parent']}: there is no issue #{spec.parent}")
        if spec.type and (wrong := type_problem(spec.type, found)):
            said.append(f"line {spec.lines['type']}: {wrong}")
    return said


def type_problem(name: str, found: Found) -> str:
    """Why `Type: name` cannot be set here; empty when it can. Names are compared exactly: a
    type spelled in another case is named, so the spec says what GitHub shows (and a second
    run with `on-existing: update` finds nothing to change)."""
    if not found.organization:
        return (f"issue types belong to organizations, and {found.owner} is a personal account; "
                "drop the `Type:` line")
    if name in found.types:
        return ""
    spelled = next((known for known in found.types if known.casefold() == name.casefold()), "")
    if spelled:
        return f"the issue type is spelled {spelled!r} in {found.owner}, not {name!r}"
    return (f"{found.owner} has no issue type {name!r} (it has: "
            f"{', '.join(found.types) or 'none'})")
