"""What the audit's rule tests share."""

from __future__ import annotations

import textwrap

from ci_toolkit.workflow_audit.audit import Finding, audit_text


def one(found: list[Finding], rule: str) -> Finding:
    """The one finding of `rule` (the test fails on none or several)."""
    matches = [f for f in found if f.rule == rule]
    assert len(matches) == 1, found
    return matches[0]


def findings_of(text: str, rule: str) -> list[Finding]:
    """The findings of `rule` on a workflow written (indented) in a test."""
    return [f for f in audit_text(textwrap.dedent(text)).findings if f.rule == rule]


def severity_of(text: str, rule: str) -> str | None:
    """The severity of the one finding of `rule` (None when there is none)."""
    found = findings_of(text, rule)
    assert len(found) <= 1, found
    return found[0].severity if found else None


def head(on: str, permissions: str = "{}") -> str:
    """A workflow's first lines up to `jobs:`: its trigger(s) and top-level permissions."""
    return f"on: {on}\npermissions: {permissions}\njobs:\n"
