"""Findings about the workflow as a whole: permissions and syntax the audit cannot read."""

from __future__ import annotations

from ci_toolkit.audit.model import Finding
from ci_toolkit.audit.workflow import Workflow


def audit(flow: Workflow) -> list[Finding]:
    return _permissions(flow) + _unknown(flow)


def _permissions(flow: Workflow) -> list[Finding]:
    if flow.root.get("permissions") is not None or not flow.jobs:
        return []
    bare = [job.id for job in flow.jobs if job.node.get("permissions") is None]
    if not bare:
        return []
    return [Finding(
        "missing-permissions", "warning" if flow.privileged else "note", flow.file,
        flow.trigger_line,
        f"No top-level `permissions:`; job(s) {', '.join(f'`{j}`' for j in bare)} get the "
        "repository's default token rights.",
        "Add `permissions: {}` at the top and grant each job only what it needs.")]


def _unknown(flow: Workflow) -> list[Finding]:
    return [Finding("unknown-syntax", "warning", flow.file, line,
                    f"The audit does not know {what}; it skipped it, so findings there may "
                    "be missing.",
                    "Check the spelling against GitHub's workflow syntax.")
            for line, what in flow.unknown]
