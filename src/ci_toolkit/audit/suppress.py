"""`# ci-toolkit: ignore[<rule>,...] <reason>` on a finding's line or the line above it.

A suppression must say why: one without a reason suppresses nothing and is itself a finding
(`suppression-without-reason`), so an ignore comment can never silently hide a regression.
One naming a rule that does not exist (a typo) is reported too (`suppression-unknown-rule`):
it would otherwise silently suppress nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ci_toolkit.audit.model import RULES, Finding

COMMENT = re.compile(r"#\s*ci-toolkit:\s*ignore\[([^\]]*)\](.*)$")


@dataclass(frozen=True)
class Suppression:
    line: int
    rules: frozenset[str]
    reason: str


def suppressions(text: str) -> list[Suppression]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = COMMENT.search(line)
        if match:
            rules = frozenset(r.strip() for r in match.group(1).split(",") if r.strip())
            found.append(Suppression(number, rules, match.group(2).strip()))
    return found


def apply(findings: list[Finding], text: str, file: str) -> tuple[list[Finding], int]:
    """The findings left, plus one per reasonless comment; and how many were suppressed."""
    comments = suppressions(text)
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        if any(c.reason and finding.rule in c.rules and c.line in (finding.line,
                                                                  finding.line - 1)
               for c in comments):
            suppressed += 1
        else:
            kept.append(finding)
    kept.extend(Finding(
        "suppression-without-reason", "warning", file, c.line,
        f"`ci-toolkit: ignore[{', '.join(sorted(c.rules))}]` gives no reason, so it "
        "suppresses nothing.",
        "Write the reason after the bracket: `# ci-toolkit: ignore[rule] why it is safe`.")
        for c in comments if not c.reason)
    kept.extend(Finding(
        "suppression-unknown-rule", "warning", file, c.line,
        f"`ci-toolkit: ignore[...]` names no rule of the audit: {', '.join(sorted(unknown))}.",
        "Use a rule id from the audit's findings (docs/workflow-audit.md lists them).")
        for c in comments if (unknown := c.rules - RULES.keys()))
    return kept, suppressed
