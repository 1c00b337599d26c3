"""What the audit's rule tests share."""

from __future__ import annotations

from ci_toolkit.workflow_audit.audit import Finding


def one(found: list[Finding], rule: str) -> Finding:
    """The one finding of `rule` (the test fails on none or several)."""
    matches = [f for f in found if f.rule == rule]
    assert len(matches) == 1, found
    return matches[0]
