"""A workflow file read into jobs and steps, keeping every line number.

Only what the rules need: triggers, permissions, env, defaults, jobs and their steps
(`parallel:` groups flattened in order). Keys the audit does not know are collected so the
`unknown-syntax` rule can say where the audit may be blind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ci_toolkit.workflow_audit.model import Piece, Quoted
from ci_toolkit.workflow_audit.yamlnodes import Node

# Triggers whose runs hold the base repository's token and secrets while reacting to outsiders.
PRIVILEGED = frozenset({"pull_request_target", "workflow_run", "issue_comment"})
# Events anyone can start that run with the base repository's token and secrets: an issue or
# a discussion an outsider opens is as much a way in as a pull request or a comment.
OUTSIDER_TRIGGERS = PRIVILEGED | {"issues", "discussion", "discussion_comment"}
SCRIPT_ACTION = "actions/github-script"
_FIRST_LINE = re.compile(r"\s*([^\n]*)")  # reads the start only: scripts can be megabytes

STEP_KEYS = frozenset({"id", "if", "name", "uses", "run", "shell", "with", "env",
                       "working-directory", "continue-on-error", "timeout-minutes", "parallel"})
JOB_KEYS = frozenset({"name", "needs", "runs-on", "permissions", "environment", "concurrency",
                      "outputs", "env", "defaults", "if", "steps", "timeout-minutes", "strategy",
                      "continue-on-error", "container", "services", "uses", "with", "secrets",
                      "snapshot"})


@dataclass
class Step:
    node: Node
    index: int  # position in the job, parallel members included
    file: str = ""  # the local action or reusable workflow holding it ("" = the workflow)
    call_line: int = 0  # where the audited workflow calls that file

    @property
    def line(self) -> int:
        """The line findings point at: the step's own, or the call of the file holding it."""
        return self.call_line or self.node.line

    @property
    def uses(self) -> str:
        return self.node.text("uses").strip()

    @property
    def action(self) -> str:
        """`owner/repo[/path]` in lower case, without the `@version`."""
        return self.uses.split("@", 1)[0].lower()

    @property
    def run(self) -> str:
        return self.node.text("run")

    @property
    def name(self) -> str:
        return self.node.text("name") or self.node.text("id") or self.uses or \
            _first_line(self.run)[:60]

    def input(self, name: str) -> str:
        with_ = self.node.get("with")
        return with_.text(name) if with_ is not None else ""

    @property
    def script(self) -> str:
        """The JavaScript of an actions/github-script step ("" for any other step)."""
        return self.input("script") if self.action == SCRIPT_ACTION else ""

    def env(self) -> dict[str, str]:
        return _env(self.node.get("env"))

    @property
    def condition(self) -> str:
        return self.node.text("if")

    def label(self) -> tuple[Piece, ...]:
        """`line 8 (name)`, the name quoted from the workflow (and the file, if another)."""
        if self.file:
            return (f"line {self.node.line} of ", Quoted(self.file), " (", Quoted(self.name), ")")
        return (f"line {self.line} (", Quoted(self.name), ")")


@dataclass
class Job:
    id: str
    node: Node
    steps: list[Step] = field(default_factory=list)
    caller: Job | None = None  # the job that calls this one's reusable workflow
    inherited_env: dict[str, str] = field(default_factory=dict)  # that workflow's `env:`

    @property
    def condition(self) -> str:
        own = self.node.text("if")
        return f"{self.caller.condition}\n{own}" if self.caller is not None else own

    def env(self) -> dict[str, str]:
        return {**self.inherited_env, **_env(self.node.get("env"))}

    def working_directory(self) -> str:
        defaults = self.node.get("defaults")
        run = defaults.get("run") if defaults is not None else None
        return run.text("working-directory") if run is not None else ""

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.node.text("id") == step_id), None)


@dataclass
class Workflow:
    file: str
    text: str
    root: Node
    triggers: dict[str, Node | None] = field(default_factory=dict)
    trigger_line: int = 1
    jobs: list[Job] = field(default_factory=list)
    unknown: list[tuple[int, tuple[Piece, ...]]] = field(default_factory=list)  # (line, what)

    @property
    def name(self) -> str:
        return self.root.text("name")

    @property
    def privileged(self) -> set[str]:
        return set(self.triggers) & PRIVILEGED

    @property
    def outsider_triggers(self) -> set[str]:
        """The privileged triggers and `issues`/`discussion*`: outsiders start these runs."""
        return set(self.triggers) & OUTSIDER_TRIGGERS

    def env(self) -> dict[str, str]:
        return _env(self.root.get("env"))

    def job(self, job_id: str) -> Job | None:
        return next((j for j in self.jobs if j.id == job_id), None)


def _first_line(script: str) -> str:
    match = _FIRST_LINE.match(script)
    return match.group(1).strip() if match else ""


def build(file: str, text: str, root: Node) -> Workflow:
    flow = Workflow(file=file, text=text, root=root)
    if root.kind != "map":
        flow.unknown.append((root.line, ("the document is not a mapping of workflow keys",)))
        return flow
    _read_triggers(flow, root)
    jobs = root.get("jobs")
    if jobs is None or jobs.kind != "map":
        flow.unknown.append((jobs.line if jobs else 1, ("no `jobs:` mapping",)))
        return flow
    for job_id, node in jobs.mapping.items():
        if node.kind != "map":
            flow.unknown.append((node.line, ("job ", Quoted(job_id), " is not a mapping")))
            continue
        flow.jobs.append(_read_job(flow, job_id, node))
    return flow


def _read_triggers(flow: Workflow, root: Node) -> None:
    on = root.get("on")
    if on is None:
        flow.unknown.append((1, ("no `on:` triggers",)))
        return
    flow.trigger_line = root.key_lines.get("on", on.line)
    if on.kind == "scalar":
        flow.triggers[on.value] = None
    elif on.kind == "seq":
        flow.triggers.update((item.value, None) for item in on.items if item.kind == "scalar")
    else:
        flow.triggers.update(on.mapping)


def _read_job(flow: Workflow, job_id: str, node: Node) -> Job:
    job = Job(id=job_id, node=node)
    for key in node.mapping:
        if key not in JOB_KEYS:
            flow.unknown.append((node.key_lines[key], ("job key ", Quoted(key))))
    steps = node.get("steps")
    if steps is not None:
        if steps.kind != "seq":
            flow.unknown.append((steps.line,
                                 ("`steps:` of job ", Quoted(job_id), " is not a list")))
        else:
            _read_steps(flow, job, steps.items)
    return job


def _read_steps(flow: Workflow, job: Job, items: list[Node]) -> None:
    for item in items:
        if item.kind != "map":
            flow.unknown.append((item.line, ("a step that is not a mapping",)))
            continue
        for key in item.mapping:
            if key not in STEP_KEYS:
                flow.unknown.append((item.key_lines[key], ("step key ", Quoted(key))))
        group = item.get("parallel")
        if group is not None and group.kind == "seq":
            _read_steps(flow, job, group.items)  # parallel members run like steps here
        else:
            job.steps.append(Step(node=item, index=len(job.steps)))


def _env(node: Node | None) -> dict[str, str]:
    if node is None or node.kind != "map":
        return {}
    return {key: value.flat() for key, value in node.mapping.items()}
