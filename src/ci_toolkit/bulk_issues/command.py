"""bulk-issues: create the issues of one Markdown spec, once.

Each issue carries a hidden marker keyed on its title, and open issues are read through the
list API before anything is written, so pressing the button twice creates nothing new. Writes are
paced by the client factory; a rate-limit answer is waited out (it says nothing was done), and a
create without an answer is looked for before it is retried (`create_once`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import requests
from github import GithubException
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.Issue import Issue
from github.Milestone import Milestone
from github.Repository import Repository

from ci_toolkit import markdown
from ci_toolkit.bulk_issues.spec import (
    FORMAT,
    PlannedIssue,
    SpecError,
    check_label,
    lines_of,
    parse,
    unique_labels,
)
from ci_toolkit.github.client import (
    WAITS,
    WaitBudgetExceeded,
    connect_repository,
    create_once,
    explain,
    retry_rate_limited,
)
from ci_toolkit.github.issues import MissingLabels, ensure_labels, open_issues, with_marker
from ci_toolkit.github.permissions import Permission, spelled
from ci_toolkit.markdown import Message, MessageError, Text, marker
from ci_toolkit.runtime import Input, InputError, Runtime

OnExisting = Literal["skip", "update", "create"]
ON_EXISTING: tuple[OnExisting, ...] = ("skip", "update", "create")
INPUTS = (
    Input("github-token", secret=True,
          description="Token that lists, creates and edits issues and labels (needs `issues: "
                      "write`)."),
    Input("spec",
          description="The Markdown: each `## Title` line starts an issue, an optional first "
                      "line `Labels: a, b` gives its labels, the rest is its body (`##` inside "
                      "code fences is body text)."),
    Input("spec-file",
          description="Or a file in the workspace holding that Markdown (a path relative to "
                      "GITHUB_WORKSPACE; use `spec` or `spec-file`, not both)."),
    Input("default-labels",
          description="Comma-separated labels added to every issue."),
    Input("on-existing", "skip", choices=ON_EXISTING,
          description="When an open issue with the same title exists (ours, found by its marker, "
                      "or one made by hand): `skip`, `update` its body and add the labels, or "
                      "`create` a new one anyway."),
    Input("create-labels", "true", boolean=True,
          description="Create missing labels first (`true`); with `false` a missing label stops "
                      "the run before any issue is created."),
    Input("dry-run", "false", boolean=True,
          description="Print the plan (title, labels, body size, what would happen) in the log "
                      "and the step summary; write nothing (`true`/`false`)."),
)
SOFT = False

KIND = "bulk-issues"
PERMISSION = Permission.ISSUES_WRITE
READ = Permission.ISSUES_READ
Decision = Literal["create", "skip", "update", "unchanged"]
# An explicit operation may wait out a secondary rate limit (GitHub asks for a minute or more)
# more than once; soft actions keep the core's one-minute budget.
OPERATION_WAIT = 600.0
RATE_LIMIT_TRIES = 5
CUT_NOTE = "This body was longer than the 65,536 characters GitHub accepts; the rest was cut."
GITHUB_ERRORS = (GithubException, requests.RequestException, WaitBudgetExceeded)


@dataclass(frozen=True)
class Planned:
    """An issue as it will be sent: labels merged, body cut to size and marked."""

    title: str
    labels: tuple[str, ...]
    body: str
    cut: bool
    spec: PlannedIssue  # assignees, milestone, parent and their lines


@dataclass
class Outcome:
    title: str
    action: str  # created, updated, skipped, failed; `would …` in a dry run
    number: int | None = None
    url: str | None = None
    note: Text = ""
    fatal: bool = False  # the cause will fail every following write too
    issue: Issue | None = field(default=None, repr=False)  # created or found, for linking
    link_failed: bool = False  # the issue is there, its link to its parent is not

    def as_output(self) -> dict[str, object]:
        return {"title": self.title, "number": self.number, "url": self.url,
                "action": self.action}


class Stop(MessageError):
    """Nothing (more) can be done: the message says why."""


def run(rt: Runtime) -> int:
    plan = [planned(issue, _default_labels(rt)) for issue in _read_spec(rt)]
    on_existing = rt.inputs.choice("on-existing", ON_EXISTING)
    create_labels = rt.inputs.flag("create-labels")
    if rt.inputs.flag("dry-run"):
        return _dry_run(rt, plan, on_existing, create_labels)
    WAITS.allow_operation_wait(OPERATION_WAIT)
    if not rt.token():
        raise InputError("github-token", f"is empty; this action needs a token with "
                                         f"{spelled(PERMISSION)} (the default "
                                         "`${{ github.token }}` has it when the job grants it "
                                         "under `permissions:`).")
    try:
        outcomes = _apply(rt, _repository(rt), plan, on_existing, create_labels)
    except Stop as exc:
        rt.log.error(exc.message)
        outcomes = [Outcome(p.title, "failed", note=exc.message) for p in plan]
    _report(rt, outcomes)
    return 1 if any(o.action == "failed" or o.link_failed for o in outcomes) else 0


# --- the spec ---------------------------------------------------------------------------------

def _default_labels(rt: Runtime) -> list[str]:
    """`default-labels`, each within GitHub's limit (checked before anything is written)."""
    names = rt.inputs.items("default-labels")
    for name in names:
        try:
            check_label(name, "a label")
        except ValueError as exc:
            raise InputError("default-labels", f"holds {exc}") from None
    return names


def _read_spec(rt: Runtime) -> list[PlannedIssue]:
    spec, path = rt.inputs.raw("spec"), rt.inputs.text("spec-file")
    if spec.strip() and path:
        raise InputError("spec-file", "give the Markdown in `spec` or in `spec-file`, not both.")
    if not spec.strip() and not path:
        raise InputError("spec", f"is empty; give the Markdown here or a workspace file in "
                                 f"`spec-file`. The format: {FORMAT}.")
    name, text = ("spec-file", read_workspace_file(rt.context.workspace, path)) if path \
        else ("spec", spec)
    if len(lines_of(text.strip())) == 1 and " ## " in text:
        raise InputError(name, "is one line holding several `## ` headings: its newlines were "
                               "lost (the browser's Run workflow form drops them). Start the run "
                               "with `gh workflow run <workflow> -f spec=\"$(cat plan.md)\"`, or "
                               "commit the plan and use `spec-file`.")
    try:
        return parse(text)
    except SpecError as exc:
        raise InputError(name, str(exc)) from None


def read_workspace_file(workspace: Path, path: str) -> str:
    """A file named relative to the workspace; anything resolving outside it is refused."""
    root = workspace.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise InputError("spec-file", f"{path!r} is outside the workspace ({root}); name a file "
                                      "inside the checked-out repository.")
    try:
        return target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("spec-file", f"there is no file {path!r} in the workspace; did the job "
                                      "run actions/checkout first?") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("spec-file", f"cannot read {path!r}: {exc}") from None


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


# --- deciding -------------------------------------------------------------------------------

def existing_for(issues: Sequence[Issue], title: str) -> Issue | None:
    """The open issue this title already has: ours by marker first, else one made by hand."""
    ours = with_marker(issues, marker(KIND, title))
    if ours:
        return ours[0]
    same = [issue for issue in issues if (issue.title or "").strip() == title]
    return min(same, key=lambda issue: issue.number) if same else None


def merged_labels(issue: Issue, item: Planned) -> list[str]:
    """An update adds the spec's labels and removes none (people triage with labels too)."""
    return list(unique_labels([*(label.name for label in issue.labels), *item.labels]))


def decide(found: Issue | None, item: Planned, on_existing: OnExisting) -> Decision:
    """`create`, `skip`, `update`, or `unchanged` (an update that would change nothing)."""
    if found is None or on_existing == "create":
        return "create"
    if on_existing == "skip":
        return "skip"
    same_labels = len(merged_labels(found, item)) == len(found.labels)
    return "unchanged" if found.body == item.body and same_labels else "update"


# --- doing ----------------------------------------------------------------------------------

def _repository(rt: Runtime) -> Repository:
    if not rt.context.repository:
        raise Stop("GITHUB_REPOSITORY is not set; when running by hand, set it to owner/name.")
    return connect_repository(rt)


def _apply(rt: Runtime, repo: Repository, plan: list[Planned], on_existing: OnExisting,
           create_labels: bool) -> list[Outcome]:
    _labels(rt, repo, plan, create_labels)
    tree = _tree(repo, plan)
    try:
        issues = open_issues(repo)
    except GITHUB_ERRORS as exc:
        raise Stop(explain(exc, "list the open issues", READ).then(
            " Nothing was created: without that list a create could duplicate an issue.")
        ) from None
    known = {issue.number for issue in issues}
    outcomes: list[Outcome] = []
    stop: Text = ""
    for index, item in enumerate(plan, start=1):
        if stop:
            outcome = Outcome(item.title, "failed", note=Message("not tried: {}", stop))
            _progress(rt, index, len(plan), outcome)  # one error annotation for the cause is enough
        else:
            outcome = _one(repo, item, existing_for(issues, item.title), on_existing, known,
                           tree)
            stop = outcome.note if outcome.fatal else ""
            _progress(rt, index, len(plan), outcome, annotate=True)
        outcomes.append(outcome)
    _link_all(repo, plan, outcomes, tree)
    return outcomes


def _labels(rt: Runtime, repo: Repository, plan: list[Planned], create: bool) -> None:
    wanted = unique_labels(name for item in plan for name in item.labels)
    try:
        created = ensure_labels(repo, wanted, create=create)
    except MissingLabels as exc:
        raise Stop(Message("These labels do not exist: {}. Create them, or set "
                           "`create-labels: true`. Nothing was created.", ", ".join(exc.names))
                   ) from None
    except GITHUB_ERRORS as exc:
        raise Stop(explain(exc, "create the missing labels", PERMISSION).then(
            " Nothing was created.")) from None
    if created:
        rt.log.info(f"Created labels: {', '.join(created)}")


def _one(repo: Repository, item: Planned, found: Issue | None, on_existing: OnExisting,
         known: set[int], tree: Tree) -> Outcome:
    """Carry out one planned issue; a failure is an outcome, not an exception."""
    action = decide(found, item, on_existing)
    try:
        if action == "create":
            issue = create_once(
                lambda: retry_rate_limited(lambda: _create(repo, item, tree), RATE_LIMIT_TRIES),
                lambda: _find_created(repo, item.title, known))
            return Outcome(item.title, "created", issue.number, issue.html_url, issue=issue)
        assert found is not None
        if action == "update":
            labels = merged_labels(found, item)
            retry_rate_limited(lambda: found.edit(body=item.body, labels=labels), RATE_LIMIT_TRIES)
            return Outcome(item.title, "updated", found.number, found.html_url, issue=found)
    except GITHUB_ERRORS as exc:
        doing = f"{'create' if action == 'create' else 'update'} issue {item.title!r}"
        return Outcome(item.title, "failed", note=explain(exc, doing, PERMISSION),
                       fatal=_fatal(exc))
    note = "already up to date" if action == "unchanged" else "an open issue has this title"
    return Outcome(item.title, "skipped", found.number, found.html_url, note, issue=found)


def _create(repo: Repository, item: Planned, tree: Tree) -> Issue:
    spec = item.spec
    extra: dict[str, object] = {}
    if spec.assignees:
        extra["assignees"] = list(spec.assignees)
    if spec.milestone:
        extra["milestone"] = tree.milestones[spec.milestone]
    return repo.create_issue(title=item.title, body=item.body, labels=list(item.labels),
                             **extra)  # type: ignore[arg-type]


# --- the tree: assignees, milestones, parents ----------------------------------------------

@dataclass
class Tree:
    """What the spec's `Assignees:`, `Milestone:` and `Parent: #n` lines name, found on GitHub
    before anything is written."""

    milestones: dict[str, Milestone] = field(default_factory=dict)  # by title
    parents: dict[int, Issue] = field(default_factory=dict)  # `Parent: #n` -> issue n


def _tree(repo: Repository, plan: list[Planned]) -> Tree:
    """Every milestone, assignee and numbered parent the spec names, or Stop naming each line
    that names one GitHub does not have. Nothing has been created yet."""
    specs = [item.spec for item in plan]
    tree, problems = Tree(), []
    try:
        if any(spec.milestone for spec in specs):
            listed = sorted(repo.get_milestones(state="all"), key=lambda m: m.state != "open")
            for milestone in listed:  # an open one first where titles repeat
                tree.milestones.setdefault(milestone.title, milestone)
        logins = dict.fromkeys(login for spec in specs for login in spec.assignees)
        # GET /repos/{o}/{r}/assignees/{login}: 204 when they can be assigned, else 404
        assignable = {login: repo.has_in_assignees(login) for login in logins}
        for number in dict.fromkeys(s.parent for s in specs if isinstance(s.parent, int)):
            if (issue := _issue_or_none(repo, number)) is not None:
                tree.parents[number] = issue
    except GITHUB_ERRORS as exc:
        raise Stop(explain(exc, "read the milestones, assignees and parent issues the spec "
                                "names", READ).then(" Nothing was created.")) from None
    for spec in specs:
        if spec.milestone and spec.milestone not in tree.milestones:
            problems.append(f"line {spec.lines['milestone']}: there is no milestone "
                            f"{spec.milestone!r}")
        problems += [f"line {spec.lines['assignees']}: {login} cannot be assigned issues here"
                     for login in spec.assignees if not assignable[login]]
        if isinstance(spec.parent, int) and spec.parent not in tree.parents:
            problems.append(f"line {spec.lines['parent']}: there is no issue #{spec.parent}")
    if problems:
        raise Stop(Message("The spec names what this repository does not have: {}. Nothing "
                           "was created.", "; ".join(problems)))
    return tree


def _issue_or_none(repo: Repository, number: int) -> Issue | None:
    """Issue `number` (read now), or None when there is none (or it is a pull request)."""
    try:
        issue = repo.get_issue(number)
        data = issue.raw_data  # completes the lazy object: one GET
    except GithubException as exc:
        if exc.status in (404, 410):
            return None
        raise
    return None if "pull_request" in data else issue


def _link_all(repo: Repository, plan: list[Planned], outcomes: list[Outcome],
              tree: Tree) -> None:
    """Make each issue with a `Parent:` line its parent's sub-issue, once."""
    by_title = {o.title: o for o in outcomes}
    for item, outcome in zip(plan, outcomes, strict=True):
        wanted = item.spec.parent
        if wanted is None or outcome.issue is None:
            continue
        parent = tree.parents[wanted] if isinstance(wanted, int) else by_title[wanted].issue
        if parent is None:
            outcome.note = _joined(outcome.note, f"not linked: its parent {wanted!r} failed")
            outcome.link_failed = True
            continue
        _link(parent, outcome)


def _link(parent: Issue, outcome: Outcome) -> None:
    child = outcome.issue
    assert child is not None
    current = _parent_url(child)
    if current.endswith(f"/issues/{parent.number}"):
        outcome.note = _joined(outcome.note, f"a sub-issue of #{parent.number}")
        return
    if current:  # GitHub allows one parent; moving an issue is a person's choice
        outcome.note = _joined(outcome.note, f"already a sub-issue of #{current.rsplit('/', 1)[-1]}"
                                             f"; not moved to #{parent.number}")
        return
    try:
        # POST .../issues/{parent}/sub_issues takes the sub-issue's id, not its number.
        create_once(lambda: retry_rate_limited(lambda: parent.add_sub_issue(child.id),
                                               RATE_LIMIT_TRIES),
                    lambda: _linked(parent, child))
    except GITHUB_ERRORS as exc:
        outcome.note = _joined(outcome.note, explain(
            exc, f"make #{child.number} a sub-issue of #{parent.number}", PERMISSION))
        outcome.link_failed = True
        return
    outcome.note = _joined(outcome.note, f"made a sub-issue of #{parent.number}")


def _parent_url(issue: Issue) -> str:
    """The issue's `parent_issue_url` as GitHub gave it (no request; empty when none)."""
    return str(issue.raw_data.get("parent_issue_url") or "") if issue.raw_data else ""


def _linked(parent: Issue, child: Issue) -> object | None:
    """After a link request without an answer: whether the child is now among the parent's."""
    return next((s for s in parent.get_sub_issues() if s.id == child.id), None)


def _joined(note: Text, more: Text) -> Text:
    return Message("{}; {}", note, more) if note else more


def _find_created(repo: Repository, title: str, known: set[int]) -> Issue | None:
    """After a create without an answer: the marked issue that was not there before, if any."""
    marked = with_marker(open_issues(repo), marker(KIND, title))
    fresh = [issue for issue in marked if issue.number not in known]
    return fresh[0] if fresh else None


def _fatal(exc: BaseException) -> bool:
    """Failures that every following write would meet as well."""
    if isinstance(exc, (WaitBudgetExceeded, RateLimitExceededExceedsMaxWait)):
        return True
    return isinstance(exc, GithubException) and exc.status in (401, 403, 404, 410)


# --- reporting ------------------------------------------------------------------------------

def _progress(rt: Runtime, index: int, total: int, outcome: Outcome,
              annotate: bool = False) -> None:
    number = f" #{outcome.number}" if outcome.number else ""
    rt.log.info(f"[{index}/{total}] {outcome.action}{number} {outcome.title}")
    if annotate and outcome.action == "failed":
        rt.log.error(outcome.note)


def _counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    return {action: sum(o.action == action for o in outcomes)
            for action in ("created", "updated", "skipped", "failed")}


def _report(rt: Runtime, outcomes: list[Outcome]) -> None:
    counts = _counts(outcomes)
    rt.outputs.set("issues", [o.as_output() for o in outcomes])
    for action, count in counts.items():
        rt.outputs.set(action, count)
    headline = ", ".join(f"{count} {action}" for action, count in counts.items())
    rt.log.info(f"bulk-issues: {headline}")
    rows = [(markdown.link(f"#{o.number}", o.url) if o.number else "—", markdown.escape(o.title),
             o.action, markdown.prose(o.note)) for o in outcomes]
    rt.summary.write(markdown.heading(f"bulk-issues: {headline}") + "\n\n"
                     + markdown.table(("Issue", "Title", "Action", "Note"), rows))


def _dry_run(rt: Runtime, plan: list[Planned], on_existing: OnExisting,
             create_labels: bool) -> int:
    """The plan, from reads only: what a real run would do to each issue."""
    issues = _read_existing(rt, plan, create_labels)
    outcomes = []
    for item in plan:
        found = existing_for(issues, item.title) if issues is not None else None
        decided = decide(found, item, on_existing)
        action = "would " + ("skip" if decided == "unchanged" else decided)
        outcomes.append(Outcome(item.title, action, found.number if found else None,
                                found.html_url if found else None))
    rt.outputs.set("issues", [o.as_output() for o in outcomes])
    for action in ("created", "updated", "skipped", "failed"):
        rt.outputs.set(action, 0)
    with rt.log.group(f"Plan: {len(plan)} issues (dry run, nothing written)"):
        for line in _plain_table(plan, outcomes):
            rt.log.info(line)
    rows = [(markdown.escape(item.title), ", ".join(map(markdown.code, item.labels)) or "—",
             _size(item), markdown.escape(o.action)
             + (f" {markdown.link(f'#{o.number}', o.url)}" if o.number else ""))
            for item, o in zip(plan, outcomes, strict=True)]
    title = f"bulk-issues dry run: {len(plan)} issues, nothing written"
    rt.summary.write(markdown.heading(title) + "\n\n"
                     + markdown.table(("Title", "Labels", "Body size", "What would happen"),
                                      rows, "llrl"))
    return 0


def _size(item: Planned) -> str:
    return f"{len(item.body):,}{' (cut)' if item.cut else ''}"


def _plain_table(plan: list[Planned], outcomes: list[Outcome]) -> list[str]:
    """The plan as aligned columns for the log (Markdown would show its escapes there)."""
    rows = [("What would happen", "Body size", "Labels", "Title")] + [
        (o.action + (f" #{o.number}" if o.number else ""), _size(item),
         ", ".join(item.labels) or "-", item.title)
        for item, o in zip(plan, outcomes, strict=True)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows]


def _read_existing(rt: Runtime, plan: list[Planned], create_labels: bool) -> list[Issue] | None:
    """Open issues (and a label check) when a token allows reading; None when nothing is known."""
    if not (rt.token() and rt.context.repository):
        rt.log.info("No token or repository: every issue is shown as `would create`.")
        return None
    repo = connect_repository(rt)
    try:
        issues = open_issues(repo)
        existing = {label.name.lower() for label in repo.get_labels()}
    except GITHUB_ERRORS as exc:
        rt.log.warning(explain(exc, "read the open issues and labels", READ).then(
            " Every issue is shown as `would create`."))
        return None
    missing = [n for n in unique_labels(n for p in plan for n in p.labels)
               if n.lower() not in existing]
    if missing and not create_labels:
        rt.log.warning(f"A real run would stop before creating anything: these labels do not "
                       f"exist: {', '.join(missing)} (and `create-labels` is false).")
    elif missing:
        rt.log.info(f"Would create labels: {', '.join(missing)}")
    return issues
