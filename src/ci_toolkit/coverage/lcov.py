"""LCOV tracefiles (`coverage lcov` before and after 7.6.2, gcovr, istanbul/c8, genhtml)."""

from __future__ import annotations

from array import array
from pathlib import Path

from .model import (
    LCOV_BRDA,
    FileCoverage,
    Format,
    JobReport,
    Keep,
    ReportError,
    Totals,
    branch_line,
    normalise_path,
)

FORMAT: Format = "lcov"
_KNOWN = {
    "TN",
    "SF",
    "VER",
    "FN",
    "FNDA",
    "FNF",
    "FNH",
    "FNL",
    "FNA",
    "DA",
    "LF",
    "LH",
    "BRDA",
    "BRF",
    "BRH",
}


class _Record:
    """One SF…end_of_record block; a file repeated in several records is merged."""

    __slots__ = ("branches", "brf", "brh", "has_brf", "has_lf", "hits", "lf", "lh", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.hits: dict[int, bool] = {}
        self.branches: dict[str, bool] = {}
        self.lf = self.lh = self.brf = self.brh = 0
        self.has_lf = self.has_brf = False

    def line(self, tag: str, value: str) -> None:
        if tag == "DA":
            number, count = value.split(",", 2)[:2]
            line = int(number)
            self.hits[line] = self.hits.get(line, False) or count.lstrip("-") not in ("0", "")
        elif tag == "BRDA":
            # the count is the last field; coverage.py >= 7.6.2 names branches in words
            key, _, taken = value.rpartition(",")
            self.branches[key] = self.branches.get(key, False) or taken not in ("-", "0")
        elif tag in ("LF", "LH", "BRF", "BRH"):
            setattr(self, tag.lower(), getattr(self, tag.lower()) + int(value))
            self.has_lf = self.has_lf or tag == "LF"
            self.has_brf = self.has_brf or tag == "BRF"

    def coverage(self, keep: Keep | None) -> FileCoverage:
        missing = array("i", sorted(n for n, hit in self.hits.items() if not hit))
        # LF and BRF are the producer's counts; coverage.py < 7.6.2 also lists docstring and
        # excluded lines as DA (and counts them in LH), and may leave some BRDA out.
        statements = self.lf if self.has_lf else len(self.hits)
        executed = max(0, statements - len(missing)) if self.hits or not self.has_lf else self.lh
        branches = self.brf if self.has_brf else len(self.branches)
        taken = self.brh if self.has_brf else sum(self.branches.values())
        keys = frozenset(k for k, hit in self.branches.items() if not hit)
        done = frozenset(k for k, hit in self.branches.items() if hit)
        per_line: dict[int, list[int]] = {}
        for key, hit in self.branches.items():
            line = key.split(",", 1)[0]
            count = per_line.setdefault(int(line) if line.isdigit() else 0, [0, 0])
            count[0] += 1
            count[1] += hit
        lines = array("q", [branch_line(n, t, k) for n, (t, k) in sorted(per_line.items())])
        run = array("i", sorted(n for n, hit in self.hits.items() if hit)) \
            if keep is not None and keep(self.path) else None
        return FileCoverage(self.path, Totals(statements, executed, branches, taken), missing, keys,
                            done, lines, LCOV_BRDA, run)


def read_lcov(path: Path, job: str = "", keep: Keep | None = None) -> JobReport:
    records: dict[str, _Record] = {}
    current: _Record | None = None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, raw in enumerate(fh, 1):
                text = raw.strip()
                if not text:
                    continue
                if text == "end_of_record":
                    current = None
                    continue
                tag, sep, value = text.partition(":")
                if not sep or tag not in _KNOWN:
                    raise ReportError(path, f"not an LCOV tracefile (line {number}: {text[:60]!r})")
                if tag == "SF":
                    name = normalise_path(value)
                    current = records.setdefault(name, _Record(name))
                elif current is not None:
                    current.line(tag, value)
    except ValueError as exc:
        raise ReportError(path, f"not an LCOV tracefile ({exc})") from None
    except OSError as exc:
        raise ReportError(path, f"cannot be read ({exc})") from None
    if not records:
        raise ReportError(path, "no SF records: empty or not an LCOV tracefile")
    report = JobReport(job=job, source_path=str(path), format=FORMAT)
    report.files = {name: record.coverage(keep) for name, record in records.items()}
    report.totals = report.sum_files()
    if any(r.branches for r in records.values()):
        report.branch_kind = LCOV_BRDA
    return report
