"""Findings about the workflow as a whole: permissions and syntax the audit cannot read."""

from __future__ import annotations

from ci_toolkit.workflow_audit.model import Finding, Rule, quoted_list
from ci_toolkit.workflow_audit.workflow import Workflow

MISSING_PERMISSIONS = Rule(
    "missing-permissions", "warning",
    "No top-level `permissions:`",
    "Without it every job without its own `permissions:` gets the repository's default "
    "token rights. Add `permissions: {}` at the top and grant each job what it needs.",
    "Add `permissions: {}` at the top and grant each job only what it needs.")
UNKNOWN_SYNTAX = Rule(
    "unknown-syntax", "warning",
    "Workflow syntax the audit does not know",
    "The audit skipped what it could not read; findings there may be missing. Check the "
    "spelling, or report the new syntax.",
    "Check the spelling against GitHub's workflow syntax.")
RULES = (MISSING_PERMISSIONS, UNKNOWN_SYNTAX)


def audit(flow: Workflow) -> list[Finding]:
    return _permissions(flow) + _unknown(flow)


def _permissions(flow: Workflow) -> list[Finding]:
    if flow.root.get("permissions") is not None or not flow.jobs:
        return []
    bare = [job.id for job in flow.jobs if job.node.get("permissions") is None]
    if not bare:
        return []
    return [MISSING_PERMISSIONS.finding(
        flow.file, flow.trigger_line,
        "No top-level `permissions:`; job(s) ", quoted_list(bare), " get the repository's "
        "default token rights.", severity="warning" if flow.privileged else "note")]


def _unknown(flow: Workflow) -> list[Finding]:
    return [UNKNOWN_SYNTAX.finding(flow.file, line, "The audit does not know ", what,
                                   "; it skipped it, so findings there may be missing.")
            for line, what in flow.unknown]
