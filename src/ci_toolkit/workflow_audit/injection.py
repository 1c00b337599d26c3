"""`untrusted-input-injection`: outsider text expanded inside a script before it runs."""

from __future__ import annotations

import re

from ci_toolkit.workflow_audit import carried, shell
from ci_toolkit.workflow_audit.expressions import expressions, untrusted_fields
from ci_toolkit.workflow_audit.model import (
    Finding,
    Piece,
    Quoted,
    Related,
    Rule,
    Severity,
    plain,
    quoted_list,
)
from ci_toolkit.workflow_audit.trust import Outsider, Trust, names_file
from ci_toolkit.workflow_audit.workflow import SCRIPT_ACTION, Job, Step, Workflow
from ci_toolkit.workflow_audit.yamlnodes import Node

UNTRUSTED_INPUT_INJECTION = Rule(
    "untrusted-input-injection", "error",
    "Text an outsider controls is expanded inside a script",
    "`${{ }}` is replaced before the shell or github-script parses the script, so a pull "
    "request title, a branch name, an issue or a comment body becomes code — also when the "
    "job fetched that text itself (`gh issue view`, `gh api`, `curl … | jq -r .title`) and "
    "passed it on through an output, `$GITHUB_ENV` or a file. An unquoted heredoc fed to an "
    "interpreter (`bash <<EOF`) does the same with shell variables. Pass the text through "
    "`env:` and use the variable (\"$TITLE\") instead; quote heredoc delimiters (`<<'EOF'`).",
    "Pass it through `env:` (e.g. `env: TITLE: ${{ ... }}`) and use \"$TITLE\" in the "
    "script (`process.env.TITLE` in github-script).")
RULES = (UNTRUSTED_INPUT_INJECTION,)
VARIABLE = re.compile(r"(?<!\\)\$\{?([A-Za-z_]\w*)")


class Lines:
    """Line numbers of offsets into a text, counted on from the last offset asked for (the
    audit asks in file order: counting from the start each time is quadratic)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def audit_job(flow: Workflow, job: Job, trust: Trust) -> list[Finding]:
    findings: list[Finding] = []
    lines = Lines(flow.text)
    for step in job.steps:
        node = step.node.get("run")
        if node is None and step.action == SCRIPT_ACTION:
            with_ = step.node.get("with")
            node = with_.get("script") if with_ is not None else None
        if node is not None and node.kind == "scalar":
            findings.extend(_scan(flow, job, step, node, trust, lines))
        if step.run:
            findings.extend(_heredocs(flow, job, step, trust, lines))
    return findings


def _heredocs(flow: Workflow, job: Job, step: Step, trust: Trust,
              lines: Lines) -> list[Finding]:
    """`bash <<EOF … $TITLE … EOF`: the shell puts the value into the code before it runs."""
    found: list[Finding] = []
    heredocs = shell.code_heredocs(step.run)
    assigned = carried.assignments(step.run) if heredocs else {}
    node = step.node.get("run")
    cursor = node.start if node is not None else 0
    for command, body in heredocs:
        if node is not None and not step.file and (at := flow.text.find(
                command, cursor, node.end)) >= 0:
            cursor = at + len(command)
            line = lines.at(at)
        else:
            line = step.line
        for name in dict.fromkeys(VARIABLE.findall("\n".join(body))):
            what = _variable_outsider(name, assigned, job, step, trust)
            if what:
                found.append(UNTRUSTED_INPUT_INJECTION.finding(
                    flow.file, line, step.label(), ": ",
                    Quoted(command), " expands ", Quoted(f"${name}"), ", which holds ", what,
                    ", into code before it runs (an unquoted heredoc): it can run commands.",
                    severity="error" if flow.outsider_triggers else "warning",
                    fix="Quote the heredoc's delimiter (`<<'EOF'`) so the shell leaves it "
                        "alone, and read the value from the environment inside the code."))
                break
    return found


def _variable_outsider(name: str, assigned: dict[str, str], job: Job, step: Step,
                       trust: Trust) -> str:
    """What outsider text the shell variable `name` holds in `step`, described ("" = none)."""
    value = carried.substituted(f"${{{name}}}", assigned, step.env())
    if value == carried.VALIDATED:
        return ""
    if fields := untrusted_fields(value):
        return plain(quoted_list(fields))
    if fetched := carried.fetched(value):
        return fetched
    files = trust.outsider_files(job, step.index)
    if read := next((what for path, what in files.items() if names_file(value, path)), ""):
        return read
    outsiders = trust.outsiders(value, job) or trust.outsiders(f"env.{name}", job)
    return plain(outsiders[0].what) if outsiders else ""


def _scan(flow: Workflow, job: Job, step: Step, node: Node, trust: Trust,
          lines: Lines) -> list[Finding]:
    """Search the file text itself, so each finding has the line of its own expression."""
    found: list[Finding] = []
    # A run an outsider starts (a pull request, a comment, an issue, a discussion) holds the
    # base repository's token and secrets.
    severity: Severity = "error" if flow.outsider_triggers else "warning"
    # A step of a local action or reusable workflow: its (substituted) value, at the call.
    text = node.value if step.file else flow.text[node.start:node.end]
    for match in expressions(text):
        line = step.line if step.file else lines.at(node.start + match.start())
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
