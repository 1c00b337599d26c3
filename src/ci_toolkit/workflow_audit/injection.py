"""`untrusted-input-injection`: outsider text expanded inside a script before it runs."""

from __future__ import annotations

from ci_toolkit.workflow_audit.expressions import expressions, untrusted_fields
from ci_toolkit.workflow_audit.model import (
    Finding,
    Piece,
    Quoted,
    Related,
    Rule,
    Severity,
    quoted_list,
)
from ci_toolkit.workflow_audit.trust import Outsider, Trust
from ci_toolkit.workflow_audit.workflow import SCRIPT_ACTION, Job, Step, Workflow
from ci_toolkit.workflow_audit.yamlnodes import Node

UNTRUSTED_INPUT_INJECTION = Rule(
    "untrusted-input-injection", "error",
    "Text an outsider controls is expanded inside a script",
    "`${{ }}` is replaced before the shell or github-script parses the script, so a pull "
    "request title, a branch name or a comment body becomes code. Pass it through `env:` "
    "and use the variable (\"$TITLE\") instead.",
    "Pass it through `env:` (e.g. `env: TITLE: ${{ ... }}`) and use \"$TITLE\" in the "
    "script (`process.env.TITLE` in github-script).")
RULES = (UNTRUSTED_INPUT_INJECTION,)


def audit_job(flow: Workflow, job: Job, trust: Trust) -> list[Finding]:
    findings: list[Finding] = []
    for step in job.steps:
        node = step.node.get("run")
        if node is None and step.action == SCRIPT_ACTION:
            with_ = step.node.get("with")
            node = with_.get("script") if with_ is not None else None
        if node is not None and node.kind == "scalar":
            findings.extend(_scan(flow, job, step, node, trust))
    return findings


def _scan(flow: Workflow, job: Job, step: Step, node: Node, trust: Trust) -> list[Finding]:
    """Search the file text itself, so each finding has the line of its own expression."""
    found: list[Finding] = []
    # In a privileged run the script holds the base repository's token and secrets.
    severity: Severity = "error" if flow.privileged else "warning"
    # A step of a local action or reusable workflow: its (substituted) value, at the call.
    text = node.value if step.file else flow.text[node.start:node.end]
    for match in expressions(text):
        line = step.line if step.file else flow.text.count("\n", 0, node.start + match.start()) + 1
        expression = Quoted(match.group(0))
        if fields := untrusted_fields(match.group(1)):
            found.append(UNTRUSTED_INPUT_INJECTION.finding(
                flow.file, line, step.label(), ": ", expression, " expands ",
                quoted_list(fields), ", written by whoever opens the pull request, issue or "
                "comment, into the script before it runs: it can run commands.",
                severity=severity))
        elif outsiders := trust.outsiders(match.group(1), job):
            found.append(UNTRUSTED_INPUT_INJECTION.finding(
                flow.file, line, step.label(), ": ", expression, " carries ",
                _described(outsiders), " into the script before it runs: it can run commands.",
                severity=severity,
                related=[Related(o.step.line, "sets the value") for o in outsiders if o.step]))
    return found


def _described(outsiders: list[Outsider]) -> list[Piece]:
    pieces: list[Piece] = []
    for outsider in outsiders[:3]:
        pieces += [*(["; "] if pieces else []), *outsider.what]
        if outsider.step is not None:
            pieces += [" (set at ", *outsider.step.label(), ")"]
    return pieces
