#!/usr/bin/env python3
"""API requests (and wall time) of job-logs, counted at the fake GitHub (figures for
docs/performance.md).

The whole `ci-toolkit job-logs` entry point runs as the runner runs the action (INPUT_*,
GITHUB_*), against tests/fake_github.py over real HTTP on 127.0.0.1. Requests are what counts
for a user (GITHUB_TOKEN: 1,000 an hour per repository); wall time here is the process (Python
start-up, imports, the requests), the median of --runs, not the Docker image's start.

    python bench/bench_job_logs.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_github import FakeGitHub  # noqa: E402

RUN = 4242
CLI = Path(sys.executable).parent / "ci-toolkit"


def seed(fake: Any, jobs: int, attempts: int) -> None:
    """A matrix run of `jobs` jobs per attempt, reusable-workflow names, a few failures."""
    fake.add_run(RUN, run_attempt=attempts, jobs=[
        {"name": f"CI / test ({i % 3 + 11}, os-{i})", "run_attempt": attempt,
         "conclusion": "failure" if i % 50 == 0 else "success"}
        for attempt in range(1, attempts + 1) for i in range(jobs)])


def run_once(fake: Any, filter_: str) -> tuple[int, float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": os.environ.get("PATH", ""), "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": fake.repo_full_name, "GITHUB_RUN_ID": str(RUN),
            "GITHUB_API_URL": fake.url, "GITHUB_STEP_SUMMARY": f"{tmp}/summary",
            "GITHUB_OUTPUT": f"{tmp}/output", "CI_TOOLKIT_WAIT_SCALE": "0",
            "INPUT_GITHUB-TOKEN": fake.token, "INPUT_FILTER": filter_,
            "INPUT_TITLE": "Logs for this run", "INPUT_SUMMARY": "true",
        }
        before = len(fake.requests)
        start = time.perf_counter()
        done = subprocess.run([str(CLI), "job-logs"], env=env, capture_output=True, text=True,
                              check=False)
        wall = time.perf_counter() - start
        if done.returncode or "::warning" in done.stdout:
            raise SystemExit(f"job-logs failed: {done.stdout}{done.stderr}")
        total = Path(f"{tmp}/output").read_text().split("total<<")[1].split("\n")[1]
        return len(fake.requests) - before, wall, total


def high_level_requests(jobs: int) -> int:
    """The same listing through PyGithub's objects: repository, run, then the pages."""
    from ci_toolkit.github import connect

    with FakeGitHub() as fake:
        seed(fake, jobs, 1)
        gh = connect(fake.token, fake.url)
        listed = list(gh.get_repo(fake.repo_full_name).get_workflow_run(RUN).jobs())
        assert len(listed) == jobs
        return len(fake.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| run | filter | jobs listed | API requests | wall (median) |")
    print("|---|---|---:|---:|---:|")
    for jobs, attempts, filter_ in ((30, 1, "latest"), (150, 1, "latest"), (256, 1, "latest"),
                                    (256, 2, "all")):
        with FakeGitHub() as fake:
            seed(fake, jobs, attempts)
            results = [run_once(fake, filter_) for _ in range(args.runs)]
        requests = {r[0] for r in results}
        wall = statistics.median(r[1] for r in results)
        label = f"{jobs} jobs × {attempts} attempt{'s' if attempts > 1 else ''}"
        print(f"| {label} | `{filter_}` | {results[0][2]} | {'/'.join(map(str, requests))} "
              f"| {wall:.2f} s |")
    print(f"\nPyGithub's get_repo().get_workflow_run().jobs() for 256 jobs: "
          f"{high_level_requests(256)} requests.")


if __name__ == "__main__":
    main()
