"""Time to audit the 42-file workflow corpus: ci-toolkit beside `zizmor --offline`.

    python bench/bench_workflow_audit.py [--runs 7] [--corpus DIR] [--rule-costs]

Three ways, alternated within each round so that machine noise hits all of them alike, and
reported as medians: the audit in-process (`audit_files`, what the command spends after
start-up), the whole `ci-toolkit workflow-audit --path <corpus>` process, and one
`zizmor --offline --no-config --format json <42 files>` process on the same files.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ci_toolkit.workflow_audit import agents, approval, carried, checkout, injection, shell, trust
from ci_toolkit.workflow_audit.audit import audit_files

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "workflow-corpus" / "cases"


# The code of each rule issue 25 added: (module, attribute or Class.method, what it does).
RULE_CODE = (
    (injection, "_heredocs", "unquoted heredocs fed to an interpreter"),
    (carried, "fetched", "text a job fetches itself (gh, curl, jq filters)"),
    (carried, "validated", "strict-pattern checks"),
    (trust, "Trust.outsider_files", "files holding outsider text"),
    (agents, "_prompt_outsiders", "agent prompts: expressions, env names, files"),
    (agents, "_fetches_outsiders", "scheduled agents fetching issues"),
    (agents, "_command_grant", "agent tool grants (prefix grants)"),
    (approval, "Gates.before", "approval / same-repository gates"),
    (checkout, "_code_path", "where each command's code is (working-directory, cd)"),
)


def fresh_audit(files: list[Path]) -> object:
    """As a new process does it: nothing remembered from the previous round."""
    shell.commands.cache_clear()
    shell.code_runs.cache_clear()
    return audit_files(files)


def rule_costs(files: list[Path], runs: int) -> None:
    """Time each rule's code inside the in-process audit (wrapped, inclusive)."""
    spent: dict[str, float] = {}

    def wrap(function: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
        return timed_call

    for module, name, label in RULE_CODE:
        owner: Any = module
        attribute = name
        if "." in name:
            owner_name, attribute = name.split(".")
            owner = getattr(module, owner_name)
        setattr(owner, attribute, wrap(getattr(owner, attribute), label))
    fresh_audit(files)  # warm, untimed
    totals: list[float] = []
    per_rule: dict[str, list[float]] = {label: [] for _, _, label in RULE_CODE}
    for _ in range(runs):
        spent.clear()
        totals.append(timed(lambda: fresh_audit(files)))
        for label in per_rule:
            per_rule[label].append(spent.get(label, 0.0))
    total = statistics.median(totals)
    print(f"{len(files)} files, {runs} runs, medians; in-process audit {total * 1000:.1f} ms")
    for label, values in per_rule.items():
        cost = statistics.median(values)
        print(f"  {label:<55} {cost * 1000:6.2f} ms  {cost / total:6.1%}")


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
    parser.add_argument("--rule-costs", action="store_true",
                        help="time the code of each issue-25 rule inside the audit instead")
    args = parser.parse_args()
    corpus: Path = args.corpus
    files = sorted(corpus.glob("*.y*ml"))
    if not files:
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    if args.rule_costs:
        rule_costs(files, args.runs)
        return 0
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
