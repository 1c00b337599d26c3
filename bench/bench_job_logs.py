#!/usr/bin/env python3
"""API requests, wall time and peak memory of job-logs, counted at the fake GitHub (figures
for docs/performance.md).

The whole `ci-toolkit job-logs` entry point runs as the runner runs the action (INPUT_*,
GITHUB_*), against tests/fake_github.py over real HTTP on 127.0.0.1. Requests are what counts
for a user (GITHUB_TOKEN: 1,000 an hour per repository); wall time here is the process (Python
start-up, imports, the requests), the median of --runs, not the Docker image's start. Peak RSS
is the entry point's own (its rusage), beside a baseline that reads the same log whole.

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
sys.path.insert(0, str(ROOT / "tests" / "job_logs"))

from joblog_samples import failing_job  # noqa: E402

from fake_github import FakeGitHub  # noqa: E402

RUN = 4242
CLI = Path(sys.executable).parent / "ci-toolkit"
# Started by posix_spawn from a fresh small Python, the measured process never shares a page of
# this one (which holds the fake and its 60 MB log): a forked child's peak RSS would count them.
LAUNCH = ("import os, sys; pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ); "
          "_, status, usage = os.wait4(pid, 0); "
          "open(os.environ['PEAK_RSS_FILE'], 'w').write(str(usage.ru_maxrss)); "
          "sys.exit(os.waitstatus_to_exitcode(status))")


def measured(argv: list[str], env: dict[str, str], tmp: str) -> tuple[int, str, float]:
    """(exit code, stdout and stderr, peak RSS in MB) of `argv`, spawned, not forked."""
    env = {**env, "PEAK_RSS_FILE": f"{tmp}/peak"}
    done = subprocess.run([sys.executable, "-c", LAUNCH, *argv], env=env, capture_output=True,
                          text=True, check=False)
    return done.returncode, done.stdout + done.stderr, int(Path(f"{tmp}/peak").read_text()) / 1024


def seed(fake: Any, jobs: int, attempts: int) -> None:
    """A matrix run of `jobs` jobs per attempt, reusable-workflow names, a few failures."""
    fake.add_run(RUN, run_attempt=attempts, jobs=[
        {"name": f"CI / test ({i % 3 + 11}, os-{i})", "run_attempt": attempt,
         "conclusion": "failure" if i % 50 == 0 else "success"}
        for attempt in range(1, attempts + 1) for i in range(jobs)])


def run_once(fake: Any, filter_: str, excerpts: int = 0) -> tuple[int, float, str, float]:
    """(API requests, wall seconds, the `total` output, peak RSS in MB) of one run."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": os.environ.get("PATH", ""), "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": fake.repo_full_name, "GITHUB_RUN_ID": str(RUN),
            "GITHUB_API_URL": fake.url, "GITHUB_STEP_SUMMARY": f"{tmp}/summary",
            "GITHUB_OUTPUT": f"{tmp}/output", "CI_TOOLKIT_WAIT_SCALE": "0",
            "INPUT_GITHUB-TOKEN": fake.token, "INPUT_FILTER": filter_,
            "INPUT_TITLE": "Logs for this run", "INPUT_SUMMARY": "true",
            "INPUT_EXCERPT-LINES": str(excerpts),
        }
        before = len(fake.requests)
        start = time.perf_counter()
        code, printed, peak = measured([str(CLI), "job-logs"], env, tmp)
        wall = time.perf_counter() - start
        if code or "::warning" in printed:
            raise SystemExit(f"job-logs failed: {printed}")
        total = Path(f"{tmp}/output").read_text().split("total<<")[1].split("\n")[1]
        if excerpts and "<details>" not in Path(f"{tmp}/summary").read_text():
            raise SystemExit("job-logs quoted no log")
        return len(fake.requests) - before, wall, total, peak


def seed_failures(fake: Any, jobs: int, failures: int, output: list[str]) -> None:
    """`jobs` jobs of which `failures` failed, each failure with its steps and its log."""
    fake.add_run(RUN, jobs=[{"name": f"CI / test (os-{i})"} for i in range(jobs - failures)])
    for n in range(failures):
        fields, log = failing_job(f"CI / broken ({n})", output)
        job = fake.add_job(RUN, **fields)
        fake.add_job_log(job["id"], log)


def huge_output(megabytes: int) -> list[str]:
    line = "tests/test_big.py::test_case PASSED " + "." * 63  # 100 bytes with its timestamp
    return [line] * (megabytes * 1024 * 1024 // 130) + ["E   AssertionError: the real cause"]


def naive_rss(fake: Any) -> float:
    """Peak RSS (MB) of a process that downloads the same log whole and splits its lines."""
    job = next(iter(fake.job_logs))
    code = ("import requests; "
            f"r = requests.get('{fake.url}/repos/{fake.repo_full_name}/actions/jobs/{job}/logs', "
            f"headers={{'Authorization': 'token {fake.token}'}}, timeout=60); "
            "lines = r.text.splitlines(); assert len(lines) > 1000")
    with tempfile.TemporaryDirectory() as tmp:
        status, printed, peak = measured([sys.executable, "-c", code], dict(os.environ), tmp)
    if status:
        raise SystemExit(f"the baseline failed: {printed}")
    return peak


def high_level_requests(jobs: int) -> int:
    """The same listing through PyGithub's objects: repository, run, then the pages."""
    from ci_toolkit.github.client import connect

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
    excerpt_rows(args.runs)


def excerpt_rows(runs: int) -> None:
    """The 1.1 and 1.2 rows: failures with their steps, logs and annotations, excerpts on and
    off; requests per failed job are those beyond the listing's pages (log, annotations)."""
    print("\n| run | `excerpt-lines` | API requests | per failed job | wall (median) "
          "| peak RSS (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    cases = [("30 jobs, 3 failed", 30, 3, 0, None), ("30 jobs, 3 failed", 30, 3, 20, None),
             ("1 job failed, 60 MB log", 1, 1, 20, 60)]
    for label, jobs, failures, lines, megabytes in cases:
        output = huge_output(megabytes) if megabytes else ["collected 3 items", "E   assert 1 == 2"]
        with FakeGitHub() as fake:
            seed_failures(fake, jobs, failures, output)
            results = [run_once(fake, "latest", lines) for _ in range(runs)]
            baseline = naive_rss(fake) if megabytes else None
        requests = {r[0] for r in results}
        wall = statistics.median(r[1] for r in results)
        rss = statistics.median(r[3] for r in results)
        pages = -(-jobs // 100)
        per_job = "/".join(f"{(n - pages) / failures:g}" for n in requests)
        print(f"| {label} | {lines} | {'/'.join(map(str, requests))} | {per_job} "
              f"| {wall:.2f} s | {rss:.0f} MB |")
        if baseline is not None:
            print(f"| the same log read whole (`requests` `.text.splitlines()`) | — | 1 | — "
                  f"| — | {baseline:.0f} MB |")


if __name__ == "__main__":
    main()
