"""The coverage core: readers for coverage.py JSON, Cobertura, LCOV and JUnit into one
small model, and the analysis (per-job totals, average, worst, union, hotspots).
Pure functions: no GitHub, no printing; the only I/O is reading the given files."""

from .analysis import Hotspot, JobSummary, Summary, summarize
from .model import FileCoverage, JobReport, ReportError, TestCounts, Totals, normalise_path
from .readers import detect_format, read_job, read_report

__all__ = [
    "FileCoverage",
    "Hotspot",
    "JobReport",
    "JobSummary",
    "ReportError",
    "Summary",
    "TestCounts",
    "Totals",
    "detect_format",
    "normalise_path",
    "read_job",
    "read_report",
    "summarize",
]
