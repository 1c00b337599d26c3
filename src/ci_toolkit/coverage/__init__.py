"""The coverage core: readers for coverage.py JSON, Cobertura, LCOV and JUnit into one
small model, and the analysis (per-job totals, average, worst, union, hotspots).
Pure functions: no GitHub, no printing; the only I/O is reading the given files."""

from .analysis import Hotspot, JobSummary, Summary, line_ranges, summarize
from .model import (
    FailedTest,
    FileCoverage,
    JobReport,
    Keep,
    ReportError,
    TestCounts,
    Totals,
    normalise_path,
)
from .readers import detect_format, read_job, read_report

__all__ = [
    "FailedTest",
    "FileCoverage",
    "Hotspot",
    "JobReport",
    "JobSummary",
    "Keep",
    "ReportError",
    "Summary",
    "TestCounts",
    "Totals",
    "detect_format",
    "line_ranges",
    "normalise_path",
    "read_job",
    "read_report",
    "summarize",
]
