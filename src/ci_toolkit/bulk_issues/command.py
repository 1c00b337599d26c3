"""bulk-issues: create the issues of one Markdown spec, once.

Each issue carries a hidden marker keyed on its title, and open issues are read through the
list API before anything is written, so pressing the button twice creates nothing new. Writes are
paced by the client factory; a rate-limit answer is waited out (it says nothing was done), and a
create without an answer is looked for before it is retried.

The spec is `spec` (pure), the decisions `plan` (pure, over plain data), every request `remote`
(imported only once the inputs are good).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ci_toolkit import markdown
from ci_toolkit.bulk_issues.plan import (
    ON_EXISTING,
    Existing,
    Found,
    OnExisting,
    Planned,
    decide,
    existing_for,
    merged_labels,
    planned,
    problems,
)
from ci_toolkit.bulk_issues.spec import (
    FORMAT,
    PlannedIssue,
    SpecError,
    check_label,
    lines_of,
    parse,
    unique_labels,
)
from ci_toolkit.github.permissions import Permission, spelled
from ci_toolkit.markdown import Message, Text
from ci_toolkit.runtime import Input, InputError, Runtime

if TYPE_CHECKING:
    from ci_toolkit.bulk_issues.remote import Remote

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

PERMISSION = Permission.ISSUES_WRITE
# An explicit operation may wait out a secondary rate limit (GitHub asks for a minute or more)
# more than once; soft actions keep the core's one-minute budget.
OPERATION_WAIT = 600.0


@dataclass(frozen=True)
class Options:
    """Every input of bulk-issues, checked before any request."""

    plan: tuple[Planned, ...]
    on_existing: OnExisting
    create_labels: bool
    dry_run: bool


@dataclass
class Outcome:
    title: str
    action: str  # created, updated, skipped, failed; `would …` in a dry run
    number: int | None = None
    url: str | None = None
    note: Text = ""
    fatal: bool = False  # the cause will fail every following write too
    issue: Existing | None = None  # created or found, for linking
    link_failed: bool = False  # the issue is there, its link to its parent is not

    def as_output(self) -> dict[str, object]:
        return {"title": self.title, "number": self.number, "url": self.url,
                "action": self.action}


def run(rt: Runtime) -> int:
    options = read_options(rt)
    if options.dry_run:
        return _dry_run(rt, options)
    from ci_toolkit.bulk_issues.remote import Stop
    from ci_toolkit.github.client import WAITS

    WAITS.allow_operation_wait(OPERATION_WAIT)
    if not rt.token():
        raise InputError("github-token", f"is empty; this action needs a token with "
                                         f"{spelled(PERMISSION)} (the default "
                                         "`${{ github.token }}` has it when the job grants it "
                                         "under `permissions:`).")
    try:
        outcomes = _apply(rt, _remote(rt), options)
    except Stop as exc:
        rt.log.error(exc.message)
        outcomes = [Outcome(p.title, "failed", note=exc.message) for p in options.plan]
    _report(rt, outcomes)
    return 1 if any(o.action == "failed" or o.link_failed for o in outcomes) else 0


# --- inputs

def read_options(rt: Runtime) -> Options:
    default_labels = _default_labels(rt)
    plan = tuple(planned(issue, default_labels) for issue in _read_spec(rt))
    return Options(plan, rt.inputs.choice("on-existing", ON_EXISTING),
                   rt.inputs.flag("create-labels"), rt.inputs.flag("dry-run"))


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


# --- doing

def _remote(rt: Runtime) -> Remote:
    from ci_toolkit.bulk_issues.remote import Remote, Stop

    if not rt.context.repository:
        raise Stop("GITHUB_REPOSITORY is not set; when running by hand, set it to owner/name.")
    return Remote.connect(rt.token(), rt.context.api_url, rt.context.repository, rt.log.warning)


def _apply(rt: Runtime, remote: Remote, options: Options) -> list[Outcome]:
    from ci_toolkit.bulk_issues.remote import Stop

    plan = options.plan
    # Every check of the whole spec, reads only, before the first write (labels included).
    labels = remote.missing_labels(unique_labels(n for item in plan for n in item.labels),
                                   options.create_labels)
    found = remote.find([item.spec for item in plan])
    if missing := problems([item.spec for item in plan], found):
        raise Stop(Message("The spec names what this repository does not have: {}. Nothing "
                           "was created.", "; ".join(missing)))
    issues = remote.open_issues()
    if created := remote.create_labels(labels):
        rt.log.info(f"Created labels: {', '.join(created)}")
    known = {issue.number for issue in issues}
    outcomes: list[Outcome] = []
    stop: Text = ""
    for index, item in enumerate(plan, start=1):
        if stop:
            outcome = Outcome(item.title, "failed", note=Message("not tried: {}", stop))
            _progress(rt, index, len(plan), outcome)  # one error annotation for the cause is enough
        else:
            outcome = _one(remote, item, existing_for(issues, item.title), options.on_existing,
                           known, found)
            stop = outcome.note if outcome.fatal else ""
            _progress(rt, index, len(plan), outcome, annotate=True)
        outcomes.append(outcome)
    _link_all(remote, plan, outcomes, found)
    return outcomes


def _one(remote: Remote, item: Planned, found: Existing | None, on_existing: OnExisting,
         known: set[int], named: Found) -> Outcome:
    """Carry out one planned issue; a failure is an outcome, not an exception."""
    from ci_toolkit.bulk_issues.remote import WriteFailed

    action = decide(found, item, on_existing)
    try:
        if action == "create":
            issue = remote.create(item, named, known)
            return Outcome(item.title, "created", issue.number, issue.url, issue=issue)
        assert found is not None
        if action == "update":
            issue = remote.update(found, item, merged_labels(found, item))
            return Outcome(item.title, "updated", found.number, found.url, issue=issue)
    except WriteFailed as exc:
        return Outcome(item.title, "failed", note=exc.message, fatal=exc.fatal)
    note = "already up to date" if action == "unchanged" else "an open issue has this title"
    return Outcome(item.title, "skipped", found.number, found.url, note, issue=found)


def _link_all(remote: Remote, plan: Sequence[Planned], outcomes: list[Outcome],
              found: Found) -> None:
    """Make each issue with a `Parent:` line its parent's sub-issue, once."""
    by_title = {o.title: o for o in outcomes}
    for item, outcome in zip(plan, outcomes, strict=True):
        wanted = item.spec.parent
        if wanted is None or outcome.issue is None:
            continue
        parent = found.parents[wanted] if isinstance(wanted, int) else by_title[wanted].issue
        if parent is None:
            outcome.note = _joined(outcome.note, f"not linked: its parent {wanted!r} failed")
            outcome.link_failed = True
            continue
        _link(remote, parent.number, outcome, outcome.issue)


def _link(remote: Remote, parent: int, outcome: Outcome, child: Existing) -> None:
    from ci_toolkit.bulk_issues.remote import WriteFailed

    current = child.parent_url
    if current.endswith(f"/issues/{parent}"):
        outcome.note = _joined(outcome.note, f"a sub-issue of #{parent}")
        return
    if current:  # GitHub allows one parent; moving an issue is a person's choice
        outcome.note = _joined(outcome.note, f"already a sub-issue of #{current.rsplit('/', 1)[-1]}"
                                             f"; not moved to #{parent}")
        return
    try:
        remote.link(parent, child)
    except WriteFailed as exc:
        outcome.note = _joined(outcome.note, exc.message)
        outcome.link_failed = True
        return
    outcome.note = _joined(outcome.note, f"made a sub-issue of #{parent}")


def _joined(note: Text, more: Text) -> Text:
    return Message("{}; {}", note, more) if note else more


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
    rt.log.result("bulk-issues", headline)
    rows = [(markdown.link(f"#{o.number}", o.url) if o.number else "—", markdown.escape(o.title),
             o.action, markdown.prose(o.note)) for o in outcomes]
    rt.summary.write(markdown.heading(f"bulk-issues: {headline}") + "\n\n"
                     + markdown.table(("Issue", "Title", "Action", "Note"), rows))


def _dry_run(rt: Runtime, options: Options) -> int:
    """The plan, from reads only: what a real run would do to each issue."""
    plan = options.plan
    issues = _read_existing(rt, plan, options.create_labels)
    outcomes = []
    for item in plan:
        found = existing_for(issues, item.title) if issues is not None else None
        decided = decide(found, item, options.on_existing)
        action = "would " + ("skip" if decided == "unchanged" else decided)
        outcomes.append(Outcome(item.title, action, found.number if found else None,
                                found.url if found else None))
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


def _plain_table(plan: Sequence[Planned], outcomes: list[Outcome]) -> list[str]:
    """The plan as aligned columns for the log (Markdown would show its escapes there)."""
    rows = [("What would happen", "Body size", "Labels", "Title")] + [
        (o.action + (f" #{o.number}" if o.number else ""), _size(item),
         ", ".join(item.labels) or "-", item.title)
        for item, o in zip(plan, outcomes, strict=True)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:<{widths[2]}}  {d}" for a, b, c, d in rows]


def _read_existing(rt: Runtime, plan: Sequence[Planned],
                   create_labels: bool) -> list[Existing] | None:
    """Open issues (and a label check) when a token allows reading; None when nothing is known."""
    if not (rt.token() and rt.context.repository):
        rt.log.info("No token or repository: every issue is shown as `would create`.")
        return None
    from ci_toolkit.bulk_issues.remote import Stop

    try:
        issues, existing = _remote(rt).for_plan()
    except Stop as exc:
        rt.log.warning(f"{exc} Every issue is shown as `would create`.")
        return None
    missing = [n for n in unique_labels(n for p in plan for n in p.labels)
               if n.lower() not in existing]
    if missing and not create_labels:
        rt.log.warning(f"A real run would stop before creating anything: these labels do not "
                       f"exist: {', '.join(missing)} (and `create-labels` is false).")
    elif missing:
        rt.log.info(f"Would create labels: {', '.join(missing)}")
    return issues
