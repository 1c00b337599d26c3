"""Time to audit the 42-file workflow corpus: ci-toolkit beside `zizmor --offline`.

    python bench/bench_workflow_audit.py [--runs 7] [--corpus DIR]

Three ways, alternated within each round so that machine noise hits all of them alike, and
reported as medians: the audit in-process (`audit_files`, what the command spends after
start-up), the whole `ci-toolkit workflow-audit --path <corpus>` process, and one
`zizmor --offline --no-config --format json <42 files>` process on the same files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ci_toolkit.workflow_audit import shell
from ci_toolkit.workflow_audit.audit import audit_files

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "workflow-corpus" / "cases"


def fresh_audit(files: list[Path]) -> object:
    """As a new process does it: nothing remembered from the previous round."""
    shell.commands.cache_clear()
    shell.code_runs.cache_clear()
    return audit_files(files)


def tool(name: str) -> str | None:
    """A command beside this Python (its venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run_quiet(argv: list[str]) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in {"GH_TOKEN", "GITHUB_TOKEN", "GITHUB_ACTIONS"}}
    subprocess.run(argv, capture_output=True, check=False, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help="the folder of workflow files (default: ../shared's corpus)")
    args = parser.parse_args()
    corpus: Path = args.corpus
    files = sorted(corpus.glob("*.y*ml"))
    if not files:
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    cli = tool("ci-toolkit") or "ci-toolkit"
    zizmor = tool("zizmor")
    ways: dict[str, Callable[[], object]] = {
        "ci-toolkit, in-process (audit_files)": lambda: fresh_audit(files),
        "ci-toolkit workflow-audit (process)": lambda: run_quiet(
            [cli, "workflow-audit", "--path", str(corpus), "--fail-on", "never"]),
    }
    if zizmor:
        ways["zizmor --offline (process)"] = lambda: run_quiet(
            [zizmor, "--offline", "--no-config", "--format", "json", *map(str, files)])
    times: dict[str, list[float]] = {name: [] for name in ways}
    for way in ways.values():
        way()  # warm caches once, untimed
    for _ in range(args.runs):
        for name, way in ways.items():
            times[name].append(timed(way))
    print(f"{len(files)} files, {args.runs} alternated runs each, median (min-max):")
    for name, values in times.items():
        print(f"  {name:<40} {statistics.median(values) * 1000:8.1f} ms "
              f"({min(values) * 1000:.1f}-{max(values) * 1000:.1f})")
    if not zizmor:
        print("  zizmor not installed: pip install zizmor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
