"""`untrusted-input-injection`: outsider text expanded inside a script before it runs."""

from __future__ import annotations

from ci_toolkit.audit.expressions import expressions, untrusted_fields
from ci_toolkit.audit.model import Finding, Quoted, Rule, Severity, quoted_list
from ci_toolkit.audit.workflow import Job, Step, Workflow

SCRIPT_ACTIONS = ("actions/github-script",)

UNTRUSTED_INPUT_INJECTION = Rule(
    "untrusted-input-injection", "error",
    "Text an outsider controls is expanded inside a script",
    "`${{ }}` is replaced before the shell or github-script parses the script, so a pull "
    "request title, a branch name or a comment body becomes code. Pass it through `env:` "
    "and use the variable (\"$TITLE\") instead.",
    "Pass it through `env:` (e.g. `env: TITLE: ${{ ... }}`) and use \"$TITLE\" in the "
    "script (`process.env.TITLE` in github-script).")
RULES = (UNTRUSTED_INPUT_INJECTION,)


def audit_job(flow: Workflow, job: Job) -> list[Finding]:
    findings: list[Finding] = []
    for step in job.steps:
        node = step.node.get("run")
        if node is None and step.action.startswith(SCRIPT_ACTIONS):
            with_ = step.node.get("with")
            node = with_.get("script") if with_ is not None else None
        if node is not None and node.kind == "scalar":
            findings.extend(_scan(flow, step, node.start, node.end))
    return findings


def _scan(flow: Workflow, step: Step, start: int, end: int) -> list[Finding]:
    """Search the file text itself, so each finding has the line of its own expression."""
    found: list[Finding] = []
    # In a privileged run the script holds the base repository's token and secrets.
    severity: Severity = "error" if flow.privileged else "warning"
    text = flow.text[start:end]
    for match in expressions(text):
        fields = untrusted_fields(match.group(1))
        if not fields:
            continue
        line = flow.text.count("\n", 0, start + match.start()) + 1
        found.append(UNTRUSTED_INPUT_INJECTION.finding(
            flow.file, line, step.label(), ": ", Quoted(match.group(0)), " expands ",
            quoted_list(fields), ", written by whoever opens the pull request, issue or "
            "comment, into the script before it runs: it can run commands.",
            severity=severity))
    return found
