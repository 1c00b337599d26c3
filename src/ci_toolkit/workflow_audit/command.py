"""workflow-audit: find privileged workflows that run pull-request code, and say where.

A gate: exit 1 when findings reach `fail-on`, 2 on a bad input. Every finding goes to the
step summary (and SARIF when asked); annotations are capped as GitHub caps them per step.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ci_toolkit.markdown import code, table
from ci_toolkit.runtime import Input, InputError, Level, Runtime, write_in_workspace
from ci_toolkit.workflow_audit.audit import RULES, Report, audit_files
from ci_toolkit.workflow_audit.model import RANK, Finding, Piece, Severity
from ci_toolkit.workflow_audit.sarif import sarif

FailOn = Literal["error", "warning", "never"]
FAIL_ON: tuple[FailOn, ...] = ("error", "warning", "never")
INPUTS = (
    Input("path", ".github/workflows",
          description="Folder(s) or file(s) to audit, newline-separated, relative to the "
                      "workspace. Every .yml/.yaml file of a folder is read."),
    Input("fail-on", "error", choices=FAIL_ON,
          description="Fail the step (exit 1) on findings of this severity or worse: `error`, "
                      "`warning` or `never`."),
    Input("sarif", "",
          description="Also write every finding as SARIF 2.1.0 to this path (for "
                      "github/codeql-action/upload-sarif); empty: no SARIF."),
)
SOFT = False
ANNOTATION_CAP = 10  # GitHub keeps 10 error and 10 warning annotations per step
LEVELS: dict[Severity, Level] = {"error": "error", "warning": "warning", "note": "notice"}


@dataclass(frozen=True)
class Options:
    files: list[Path]  # the workflow files to audit
    fail_on: FailOn
    sarif: Path | None  # where to write SARIF, if asked


def read_options(rt: Runtime, workspace: Path) -> Options:
    """Every input, checked before anything else happens (a bad one is exit 2)."""
    fail_on = rt.inputs.choice("fail-on", FAIL_ON)
    files = _workflow_files(rt.inputs.lines("path") or [".github/workflows"], workspace)
    target = rt.inputs.text("sarif")
    return Options(files, fail_on, workspace / target if target else None)


def run(rt: Runtime) -> int:
    workspace = rt.context.workspace.resolve()
    options = read_options(rt, workspace)
    files = options.files
    rt.log.phase(f"workflow-audit: auditing {len(files)} workflow file(s)")
    report = audit_files(files, lambda p: _relative(p, workspace), root=workspace)
    hidden = _annotate(rt, report.findings)
    rt.summary.write(render(report, hidden))
    if options.sarif is not None:
        _write_sarif(options.sarif, report.findings, workspace)
    rt.outputs.set("findings", len(report.findings))
    rt.outputs.set("errors", report.count("error"))
    rt.outputs.set("warnings", report.count("warning"))
    failing = _fails(report, options.fail_on)
    rt.log.result("workflow-audit", f"{len(files)} file(s), {report.count('error')} error(s), "
                  f"{report.count('warning')} warning(s), {report.count('note')} note(s), "
                  f"{report.suppressed} suppressed · "
                  f"{'fails' if failing else 'passes'} (fail-on: {options.fail_on})")
    return 1 if failing else 0


def _workflow_files(entries: list[str], workspace: Path) -> list[Path]:
    """Every .yml/.yaml in the given folders, plus files named directly."""
    files: list[Path] = []
    for entry in entries:
        path = Path(entry) if Path(entry).is_absolute() else workspace / entry
        if path.is_dir():
            files += sorted(p for p in path.iterdir()
                            if p.suffix in {".yml", ".yaml"} and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("path", f"no such file or folder: {entry!r} (relative to the "
                                     "workspace; default .github/workflows)")
    return list(dict.fromkeys(files))


def _relative(path: Path, workspace: Path) -> str:
    """Paths as annotations and code scanning want them: relative to the repository."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(workspace).as_posix()
    except ValueError:
        return os.path.relpath(resolved, workspace) if resolved.anchor == workspace.anchor \
            else resolved.as_posix()


def _annotate(rt: Runtime, findings: list[Finding]) -> dict[Severity, int]:
    """Annotations, most severe first; on the runner at most 10 per level. Returns how many
    of each level were left out."""
    shown = {level: 0 for level in LEVELS}
    hidden = {level: 0 for level in LEVELS}
    for finding in sorted(findings, key=Finding.sort_key):
        if rt.log.on_runner and shown[finding.severity] >= ANNOTATION_CAP:
            hidden[finding.severity] += 1
            continue
        shown[finding.severity] += 1
        rt.log.annotate(LEVELS[finding.severity], f"{finding.text} Fix: {finding.fix}",
                        file=finding.file, line=finding.line, title=finding.rule)
    return hidden


def render(report: Report, hidden: dict[Severity, int]) -> str:
    counts = ", ".join(f"{report.count(s)} {s}{'s' if report.count(s) != 1 else ''}"
                       for s in RANK)
    lines = [f"## Workflow audit\n\n{report.files} workflow file(s): {counts}"
             f"{f'; {report.suppressed} suppressed by a comment' if report.suppressed else ''}."]
    more = [f"{n} more {level}{'s' if n != 1 else ''}" for level, n in hidden.items() if n]
    if more:
        lines.append(f"GitHub shows at most {ANNOTATION_CAP} annotations of each level per "
                     f"step: {', '.join(more)} are only in the table below.")
    if report.findings:
        lines.append(table(
            ("severity", "rule", "file", "line", "finding", "fix"),
            ((f.severity, f"`{f.rule}`", code(f.file), _lines(f), _markdown(f.message),
              f.fix) for f in report.findings), align="llllll"))
    else:
        lines.append("No findings.")
    return "\n\n".join(lines)


def _markdown(message: Sequence[Piece]) -> str:
    """Our own words as the Markdown they are; text quoted from a workflow as code."""
    return "".join(p if isinstance(p, str) else code(p.text) for p in message)


def _lines(finding: Finding) -> str:
    return ", ".join(str(n) for n in [finding.line, *(r.line for r in finding.related)])


def _write_sarif(path: Path, findings: list[Finding], workspace: Path) -> None:
    write_in_workspace(path, json.dumps(sarif(findings, RULES), indent=2) + "\n", workspace)


def _fails(report: Report, fail_on: FailOn) -> bool:
    if fail_on == "never":
        return False
    limit = RANK[fail_on]
    return any(RANK[f.severity] <= limit for f in report.findings)
