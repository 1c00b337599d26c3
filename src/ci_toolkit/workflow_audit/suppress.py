"""`# ci-toolkit: ignore[<rule>,...] <reason>` on a finding's line or the line above it.

A suppression must say why: one without a reason suppresses nothing and is itself a finding
(`suppression-without-reason`), so an ignore comment can never silently hide a regression.
One naming a rule that does not exist (a typo) is reported too (`suppression-unknown-rule`):
it would otherwise silently suppress nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from ci_toolkit.workflow_audit.model import Finding, Rule, quoted_list

COMMENT = re.compile(r"#\s*ci-toolkit:\s*ignore\[([^\]]*)\](.*)$")

SUPPRESSION_WITHOUT_REASON = Rule(
    "suppression-without-reason", "warning",
    "A ci-toolkit ignore comment without a reason",
    "Write why the finding does not apply: `# ci-toolkit: ignore[<rule>] <reason>`. "
    "Without a reason the comment suppresses nothing.",
    "Write the reason after the bracket: `# ci-toolkit: ignore[rule] why it is safe`.")
SUPPRESSION_UNKNOWN_RULE = Rule(
    "suppression-unknown-rule", "warning",
    "A ci-toolkit ignore comment names a rule the audit does not have",
    "A misspelt rule id suppresses nothing. Use the id shown with the finding.",
    "Use a rule id from the audit's findings (docs/workflow-audit.md lists them).")
RULES = (SUPPRESSION_WITHOUT_REASON, SUPPRESSION_UNKNOWN_RULE)


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


def apply(findings: list[Finding], text: str, file: str,
          known: Collection[str]) -> tuple[list[Finding], int]:
    """The findings left, plus one per reasonless comment or unknown rule id (`known` holds
    the audit's rule ids); and how many were suppressed."""
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
    kept.extend(SUPPRESSION_WITHOUT_REASON.finding(
        file, c.line, "`ci-toolkit: ignore[...]` of ", quoted_list(sorted(c.rules)),
        " gives no reason, so it suppresses nothing.")
        for c in comments if not c.reason)
    kept.extend(SUPPRESSION_UNKNOWN_RULE.finding(
        file, c.line, "`ci-toolkit: ignore[...]` names no rule of the audit: ",
        quoted_list(sorted(unknown)), ".")
        for c in comments if (unknown := c.rules - set(known)))
    return kept, suppressed
