"""SARIF 2.1.0 for code scanning: one run, every rule described, every finding a result."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any
from urllib.parse import quote

from ci_toolkit import __version__
from ci_toolkit.workflow_audit.model import Finding, Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# GitHub code scanning ranks security results by this property (0-10).
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}


def sarif(findings: list[Finding], rules: dict[str, Rule]) -> dict[str, Any]:
    """The log of `findings`; `rules` are every rule of the audit (`audit.RULES`)."""
    ids = list(rules)
    seen: Counter[str] = Counter()
    results = []
    for finding in findings:
        digest = _fingerprint(finding)
        seen[digest] += 1
        # `hash:occurrence`, as codeql-action writes it: alike findings in one file stay apart.
        results.append(_result(finding, ids.index(finding.rule), f"{digest}:{seen[digest]}"))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ci-toolkit workflow-audit",
                "version": __version__,
                "informationUri": "https://github.com/ci-toolkit/ci-toolkit",
                "rules": [_rule(rule) for rule in rules.values()],
            }},
            "results": results,
        }],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.title() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["security", "github-actions"],
                       "security-severity": SECURITY_SEVERITY[rule.severity]},
    }


def _result(finding: Finding, index: int, fingerprint: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": finding.severity,
        "message": {"text": f"{finding.text} Fix: {finding.fix}"},
        "locations": [_location(finding.file, finding.line)],
        "partialFingerprints": {"primaryLocationLineHash": fingerprint},
    }
    if finding.related:
        result["relatedLocations"] = [
            {**_location(finding.file, r.line), "id": i, "message": {"text": r.message}}
            for i, r in enumerate(finding.related)]
    if finding.gate:
        result["properties"] = {"gate": finding.gate}
    return result


def _location(file: str, line: int) -> dict[str, Any]:
    # A URI reference: a space or `#` in a file name would otherwise cut or break the path.
    return {"physicalLocation": {"artifactLocation": {"uri": quote(file)},
                                 "region": {"startLine": max(line, 1)}}}


def _fingerprint(finding: Finding) -> str:
    """Stable across unrelated edits: rule, file and message with its line numbers left out."""
    message = re.sub(r"\d+", "", finding.text)
    digest = hashlib.sha256(f"{finding.rule}\0{finding.file}\0{message}".encode())
    return digest.hexdigest()[:32]
