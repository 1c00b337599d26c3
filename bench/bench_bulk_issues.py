#!/usr/bin/env python3
"""API requests of bulk-issues, counted at the fake GitHub (figures for docs/performance.md).

The whole `ci-toolkit bulk-issues` entry point runs as the runner runs the action (INPUT_*,
GITHUB_*), against tests/fake_github.py over real HTTP on 127.0.0.1, with pacing and waits
scaled to zero: requests are what counts (GITHUB_TOKEN: 1,000 an hour per repository; content
creation: 80 a minute, 500 an hour), and at one write a second the pacing sets the wall time.

    python bench/bench_bulk_issues.py            # request counts
    python bench/bench_bulk_issues.py --paced    # also one run at the real pace (about a minute)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_github import FakeGitHub  # noqa: E402

CLI = Path(sys.executable).parent / "ci-toolkit"
LABELS = ("ci", "docs", "performance")


def spec(issues: int) -> str:
    """`issues` sections, each with one of three labels and a fenced YAML body."""
    return "\n".join(
        f"## Task {n:03d}: tidy the CI\nLabels: {LABELS[n % 3]}\n\nWhy and how.\n\n"
        f"```yaml\n## not a heading\nstep: {n}\n```\n" for n in range(1, issues + 1))


def run_once(fake: Any, text: str, interval: str = "0") -> tuple[Counter[str], dict[str, str]]:
    """Requests of one run by `METHOD resource`, and the step outputs."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": os.environ.get("PATH", ""), "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": fake.repo_full_name, "GITHUB_API_URL": fake.url,
            "GITHUB_WORKSPACE": tmp, "GITHUB_STEP_SUMMARY": f"{tmp}/summary",
            "GITHUB_OUTPUT": f"{tmp}/output",
            "CI_TOOLKIT_WAIT_SCALE": "1" if float(interval) else "0",
            "CI_TOOLKIT_WRITE_INTERVAL": interval, "INPUT_GITHUB-TOKEN": fake.token,
            "INPUT_SPEC": text, "INPUT_ON-EXISTING": "skip", "INPUT_CREATE-LABELS": "true",
            "INPUT_DRY-RUN": "false",
        }
        before = len(fake.requests)
        done = subprocess.run([str(CLI), "bulk-issues"], env=env, capture_output=True,
                              text=True, check=False)
        if done.returncode:
            raise SystemExit(f"bulk-issues failed: {done.stdout}{done.stderr}")
        outputs = {}
        for name in ("created", "skipped"):
            outputs[name] = Path(f"{tmp}/output").read_text().split(f"{name}<<")[1].split("\n")[1]
        kinds = Counter(f"{r.method} {r.path.rsplit('/', 1)[-1]}" for r in fake.requests[before:])
        return kinds, outputs


def row(case: str, kinds: Counter[str], outputs: dict[str, str]) -> str:
    cells = [kinds[k] for k in ("GET labels", "POST labels", "GET issues", "POST issues")]
    return (f"| {case} | {outputs['created']} | {outputs['skipped']} | "
            + " | ".join(map(str, cells)) + f" | {sum(kinds.values())} |")


def paced() -> None:
    with FakeGitHub() as fake:
        start = time.perf_counter()
        kinds, _ = run_once(fake, spec(50), interval="1")
        wall = time.perf_counter() - start
    writes = kinds["POST labels"] + kinds["POST issues"]
    print(f"\nPaced at one write a second: {writes} writes in {wall:.1f} s.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paced", action="store_true", help="also time one run at 1 write/s")
    args = parser.parse_args()
    print("| case | created | skipped | GET labels | POST labels | GET issues | POST issues "
          "| requests |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for existing in (0, 1000):
        with FakeGitHub() as fake:
            for n in range(existing):
                fake.add_issue(f"Older issue {n}", body="made by hand")
            where = "empty repository" if not existing else f"{existing:,} other open issues"
            text = spec(50)
            kinds, outputs = run_once(fake, text)
            print(row(f"50 new issues, 3 new labels ({where})", kinds, outputs))
            kinds, outputs = run_once(fake, text)
            print(row(f"the same spec again ({where})", kinds, outputs))
            assert len(fake.issues) == existing + 50, "the second run created issues"
    if args.paced:
        paced()


if __name__ == "__main__":
    main()
