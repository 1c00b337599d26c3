"""What the audit reports: findings built from rules, with a place and a fix hint.

Each rule (`Rule`) is declared in the module that looks for it, next to the code that emits
it, and a finding is only ever made by its rule (`Rule.finding`), so the id, the usual
severity and the help text are written once. A finding's message keeps the audit's own words
apart from the text it quotes from the workflow (`Quoted`: a job id, a step name, an
expression): renderers show the audit's words as written and the quoted text as code, so
that no workflow can inject markup into a report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")
RANK: dict[Severity, int] = {name: index for index, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Quoted:
    """Text taken from the audited workflow: shown exactly, never read as markup."""

    text: str


Piece = str | Quoted  # the audit's own words (Markdown it wrote) or quoted workflow text
Part = Piece | Sequence[Piece]


def quoted_list(items: Iterable[str], separator: str = ", ") -> tuple[Piece, ...]:
    """`a`, `b`, `c`: each item quoted, joined by our own separator."""
    pieces: list[Piece] = []
    for item in items:
        if pieces:
            pieces.append(separator)
        pieces.append(Quoted(item))
    return tuple(pieces)


def plain(message: Sequence[Piece]) -> str:
    """The message as one line of text (annotations, SARIF, the console): quotes in backticks."""
    return "".join(p if isinstance(p, str) else f"`{p.text}`" for p in message)


@dataclass(frozen=True)
class Related:
    """A second place a finding points at, e.g. the step that runs the checked-out code."""

    line: int
    message: str


@dataclass
class Finding:
    rule: str
    severity: Severity
    file: str
    line: int
    message: tuple[Piece, ...]
    fix: str  # the audit's own words (Markdown)
    related: list[Related] = field(default_factory=list)
    gate: str = ""  # label, environment, actor...: lowers the risk, does not clear the finding

    @property
    def text(self) -> str:
        return plain(self.message)

    def sort_key(self) -> tuple[int, str, int, str]:
        return RANK[self.severity], self.file, self.line, self.rule


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity  # the usual severity; a few rules report lower when less is certain
    title: str
    help: str
    fix: str  # the usual fix hint, shown with each finding

    def finding(self, file: str, line: int, *message: Part, severity: Severity | None = None,
                fix: str = "", related: Sequence[Related] = (), gate: str = "") -> Finding:
        """A finding of this rule; `message` is pieces of our words and `Quoted` text."""
        return Finding(self.id, severity or self.severity, file, line, _flatten(message),
                       fix or self.fix, list(related), gate)


def _flatten(parts: Sequence[Part]) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    for part in parts:
        if isinstance(part, str | Quoted):
            pieces.append(part)
        else:
            pieces.extend(part)
    return tuple(pieces)
