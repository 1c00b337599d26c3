"""The workflow audit: find privileged workflows (pull_request_target, workflow_run,
issue_comment) that run pull-request code, leak their token, or expand outsider text.

Pure: reads the given files, returns findings. `audit_files` is the one entry point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ci_toolkit.workflow_audit import agents, checkout, hygiene, injection, local, suppress
from ci_toolkit.workflow_audit.local import Loader
from ci_toolkit.workflow_audit.model import Finding, Piece, Quoted, Rule
from ci_toolkit.workflow_audit.trust import Trust
from ci_toolkit.workflow_audit.workflow import Workflow, build
from ci_toolkit.workflow_audit.yamlnodes import YamlError, parse

__all__ = ["RULES", "Finding", "Report", "Rule", "audit_files", "audit_text"]

UNPARSABLE_WORKFLOW = Rule(
    "unparsable-workflow", "error",
    "The workflow is not valid YAML",
    "GitHub will not run it either. Fix the YAML.",
    "Fix the file; GitHub cannot run it either.")
# Every rule, in the order SARIF lists them: each is declared beside the code that emits it.
RULES: dict[str, Rule] = {rule.id: rule for rule in (
    *checkout.RULES, *agents.RULES, *injection.RULES, *hygiene.RULES, UNPARSABLE_WORKFLOW,
    *suppress.RULES)}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    suppressed: int = 0

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


def audit_files(paths: Sequence[Path], display: Callable[[Path], str] = str,
                root: Path | None = None) -> Report:
    """Audit workflow files together (a workflow_run upstream is looked up among them).

    `root` is the repository the workflows belong to, where `uses: ./path` is read; by default
    the folder holding `.github/workflows/` when the files are there.
    """
    texts = {display(path): _read(path) for path in paths}
    root = root or next((p.parents[2] for p in paths if p.parent.name == "workflows"
                         and p.parent.parent.name == ".github"), None)
    return audit_texts(texts, _loader(root, display) if root is not None else None)


def audit_text(text: str, file: str = "workflow.yml") -> Report:
    return audit_texts({file: text})


def audit_texts(texts: dict[str, str | OSError], load: Loader | None = None) -> Report:
    """Audit workflow texts by file name; `load` reads the repository's other files (local
    actions, reusable workflows) by their path from its root."""
    report = Report(files=len(texts))
    flows: list[Workflow] = []
    early: dict[str, list[Finding]] = {}
    for name, text in texts.items():
        flow, problems = _load(name, text)
        early[name] = problems
        if flow is not None:
            if load is not None:
                local.expand(flow, load)
            flows.append(flow)
    by_name = {flow.file: flow for flow in flows}
    for name, text in texts.items():
        found = early[name]
        flow = by_name.get(name)
        if flow is not None:
            found = found + _rules(flow, flows)
        kept, suppressed = suppress.apply(found, text if isinstance(text, str) else "", name,
                                          RULES)
        report.findings.extend(kept)
        report.suppressed += suppressed
    report.findings.sort(key=Finding.sort_key)
    return report


def _loader(root: Path, display: Callable[[Path], str]) -> Loader:
    def load(relative: str) -> tuple[str, str] | None:
        path = root / relative
        if not path.is_file():
            return None
        text = _read(path)
        return None if isinstance(text, OSError) else (display(path), text)
    return load


def _read(path: Path) -> str | OSError:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return OSError(str(exc))


def _load(name: str, text: str | OSError) -> tuple[Workflow | None, list[Finding]]:
    if isinstance(text, OSError):
        return None, [_unparsable(name, 1, "cannot be read: ", Quoted(str(text)))]
    try:
        root = parse(text)
    except YamlError as exc:
        return None, [_unparsable(name, exc.line, "is not valid YAML: ", Quoted(str(exc)))]
    if root is None:
        return None, [_unparsable(name, 1, "is empty")]
    return build(name, text, root), []


def _unparsable(name: str, line: int, *what: Piece) -> Finding:
    return UNPARSABLE_WORKFLOW.finding(name, line, "The workflow ", what, ".")


def _rules(flow: Workflow, flows: list[Workflow]) -> list[Finding]:
    found = hygiene.audit(flow)
    trust = Trust(flow, flows)
    for job in flow.jobs:
        found += injection.audit_job(flow, job, trust)
        landed, landings = checkout.audit_job(flow, job, trust) if flow.privileged else ([], [])
        found += landed + agents.audit_job(flow, job, trust, landings)
    return found
