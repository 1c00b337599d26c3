"""Follow what a workflow calls in its own repository, so it is audited in the caller's context.

- A step `uses: ./path` whose `path/action.yml` is a composite action: its steps run in the
  calling job (same trigger, token, workspace), so they are added after the calling step.
- A job `uses: ./.github/workflows/x.yml` (a reusable workflow): its jobs run with the
  caller's event and token, so they are added as jobs of the caller.

`${{ inputs.NAME }}` in the called file becomes the caller's `with:` value (or the input's
default), so a pull-request ref or an outsider's text passed in is seen where it is used.
Findings in called files point at the calling line and name the file and its own line.
Followed at most `DEPTH` calls deep; a file that calls itself is not followed again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from ci_toolkit.workflow_audit.workflow import Job, Step, Workflow, build
from ci_toolkit.workflow_audit.yamlnodes import Node, YamlError, parse

# Reads a file of the repository by its path from the root: (display name, text) or None.
Loader = Callable[[str], tuple[str, str] | None]
DEPTH = 3
_INPUT = re.compile(r"\binputs\.([A-Za-z_][\w-]*)")


def expand(flow: Workflow, load: Loader) -> None:
    """Add the steps of local composite actions and the jobs of local reusable workflows."""
    jobs: list[Job] = []
    for job in flow.jobs:
        jobs.append(job)
        job.steps = _steps(job.steps, load, 0, frozenset())
        uses = job.node.text("uses").strip()
        if uses.startswith("./"):
            jobs += _called_jobs(flow, job, uses, load)
    flow.jobs = jobs


def _steps(steps: list[Step], load: Loader, depth: int, seen: frozenset[str]) -> list[Step]:
    out: list[Step] = []
    for step in steps:
        out.append(replace(step, index=len(out)))
        path = step.uses.split("@", 1)[0]
        if not path.startswith("./") or depth >= DEPTH:
            continue
        loaded = _action(path, load)
        if loaded is None or loaded[0] in seen:
            continue
        name, root = loaded
        runs = root.get("runs")
        inner_steps = runs.get("steps") if runs is not None else None
        if runs is None or runs.text("using") != "composite" or inner_steps is None:
            continue
        values = _inputs(root.get("inputs"), step.node.get("with"))
        called = [Step(_substitute(node, values), 0, name, step.line)
                  for node in inner_steps.items if node.kind == "map"]
        for inner in _steps(called, load, depth + 1, seen | {name}):
            out.append(replace(inner, index=len(out)))
    return out


def _action(path: str, load: Loader) -> tuple[str, Node] | None:
    folder = path.strip("/").removeprefix("./").rstrip("/")
    for candidate in (f"{folder}/action.yml", f"{folder}/action.yaml"):
        root = _parsed(load(candidate))
        if root is not None:
            return candidate, root
    return None


def _called_jobs(flow: Workflow, caller: Job, uses: str, load: Loader) -> list[Job]:
    path = uses.split("@", 1)[0].removeprefix("./")
    loaded = load(path)
    root = _parsed(loaded)
    if loaded is None or root is None or loaded[0] == flow.file:
        return []
    name = loaded[0]
    called = build(name, loaded[1], root)
    trigger = called.triggers.get("workflow_call")
    declared = trigger.get("inputs") if trigger is not None else None
    values = _inputs(declared, caller.node.get("with"))
    jobs = []
    for job in called.jobs:
        steps = [Step(_substitute(step.node, values), i, name, caller.node.line)
                 for i, step in enumerate(job.steps)]
        jobs.append(Job(f"{caller.id} → {job.id}", _substitute(job.node, values),
                        _steps(steps, load, 1, frozenset({name})), caller=caller,
                        inherited_env=called.env()))
    return jobs


def _parsed(loaded: tuple[str, str] | None) -> Node | None:
    if loaded is None:
        return None
    try:
        root = parse(loaded[1])
    except YamlError:
        return None  # audited on its own, where it is reported
    return root if root is not None and root.kind == "map" else None


def _inputs(declared: Node | None, given: Node | None) -> dict[str, str]:
    """Each input's value as an expression: the caller's, else the declared default."""
    values: dict[str, str] = {}
    if declared is not None and declared.kind == "map":
        for name, spec in declared.mapping.items():
            values[name] = _as_expression(spec.text("default"))
    if given is not None and given.kind == "map":
        for name, node in given.mapping.items():
            values[name] = _as_expression(node.flat())
    return values


def _as_expression(value: str) -> str:
    """`${{ x }}` → `(x)`; plain text → a quoted literal, as an expression would hold it."""
    match = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", value, re.S)
    if match and "${{" not in match.group(1):
        return f"({match.group(1).strip()})"
    return "'" + value.replace("'", "''") + "'"


def _substitute(node: Node, values: dict[str, str]) -> Node:
    if node.kind == "scalar":
        if "inputs." not in node.value:
            return node
        value = _INPUT.sub(lambda m: values.get(m.group(1), m.group(0)), node.value)
        return replace(node, value=value)
    if node.kind == "seq":
        return replace(node, items=[_substitute(item, values) for item in node.items])
    return replace(node, mapping={key: _substitute(child, values)
                                  for key, child in node.mapping.items()})
