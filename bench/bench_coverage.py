#!/usr/bin/env python3
"""Benchmark of the coverage core on big synthetic reports (figures for docs/performance.md).

Every case runs as its own process; wall time includes interpreter start-up, peak RSS is the
child's own `ru_maxrss` (os.wait4). Cases are alternated run by run and the median of
--runs is reported, after one discarded warm-up round (page cache).

    python bench/bench_coverage.py --runs 3                  # generates into /tmp/bench-coverage
    python bench/bench_coverage.py --big /tmp/big-coverage   # reuse a generated 20k-file pair

The soft gate's files mode and `--diff-base` run (patch coverage, 2,000 changed files) are also
set against 1.0's files mode on the same reports: `--baseline REV` (default: 1.0's last commit)
is extracted with `git archive` into the work folder and run from there.

Two pairs of jobs are timed against a bare `json.load` of the same two reports, beside 1.0's
figures (`--before REV` adds another revision, e.g. the commit before a change): the same report
twice (the jobs measured the same statements), and the report beside its skewed twin, where
every file has one statement more and every line after it moved (what another coverage.py
version that counts one more line would write: the jobs disagree on every file's statements
and arcs). The twin is made by the same generator, each file's model shifted before it is
written (`--skewed DIR` reuses one).

Other commands can be timed the same way with bench_cli(cmd).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT.parent / "shared" / "coverage-corpus" / "make_big_coverage.py"
PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
BASELINE_REV = "eca9dcb"  # 1.0: the last commit before the 1.1 work

READ_JOBS = """\
import sys
from ci_toolkit.coverage import read_job, summarize
summarize([read_job(d, d) for d in sys.argv[1:]], hotspots=15)
"""
READ_ONE = "import sys\nfrom ci_toolkit.coverage import read_report\nread_report(sys.argv[1])\n"
JSON_LOAD = "import json, sys\n[json.load(open(f)) for f in sys.argv[1:]]\n"
ET_PARSE = "import sys, xml.etree.ElementTree as ET\nET.parse(sys.argv[1])\n"


@dataclass
class Result:
    label: str
    walls: list[float]
    rss_mib: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def run_once(cmd: Sequence[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode()[-400:] if proc.stderr else ""
        raise RuntimeError(f"{' '.join(cmd)} failed: {err}")
    return wall, usage.ru_maxrss / 1024


def bench_cli(cases: Mapping[str, Sequence[str]], runs: int = 3,
              cwd: Path | None = None) -> dict[str, Result]:
    """Time several commands alternately (one warm-up round, then `runs` rounds) in `cwd`."""
    results = {label: Result(label, [], []) for label in cases}
    for round_no in range(runs + 1):
        for label, cmd in cases.items():
            wall, rss = run_once(cmd, cwd)
            if round_no:
                results[label].walls.append(wall)
                results[label].rss_mib.append(rss)
    return results


# The generator run with every file's model moved one line down under a new statement on line
# 1 (executed): one more statement per file, every statement and arc on another line.
SKEW = """\
import runpy, sys
gen = runpy.run_path(sys.argv[1])
build = gen["build_file"]
def skewed(*args):
    fm = build(*args)
    fm.statements = [1] + [n + 1 for n in fm.statements]
    fm.excluded = [n + 1 for n in fm.excluded]
    fm.missing = {n + 1 for n in fm.missing}
    fm.arcs = [(a + 1, b + 1 if b > 0 else b - 1, hit) for a, b, hit in fm.arcs]
    for region in fm.functions + fm.classes:
        region.start += 1
        region.lines = {n + 1 for n in region.lines}
    fm.num_lines += 1
    return fm
gen["main"].__globals__["build_file"] = skewed
sys.exit(gen["main"](sys.argv[2:]))
"""


def generate(out: Path, files: int, generator: Path = GENERATOR, skewed: bool = False) -> Path:
    if not (out / "coverage.json").exists():
        command = [PY, "-c", SKEW, str(generator)] if skewed else [PY, str(generator)]
        subprocess.run(
            [*command, "--files", str(files), "--out-dir", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return out


def two_jobs(big: Path, work: Path, other: Path | None = None) -> list[Path]:
    """Two job folders holding the same report, or `big`'s and `other`'s (hard links: no
    extra disk)."""
    jobs = []
    for name, source in (("job-a", big), ("job-b", other or big)):
        folder = work / f"{big.name}-{name}" if other is None else work / f"{other.name}-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        for report in ("coverage.json", "coverage.xml"):
            link = folder / report
            if not link.exists():
                try:
                    os.link(source / report, link)
                except OSError:
                    link.symlink_to(source / report)
        jobs.append(folder)
    return jobs


def diff_workspace(work: Path, big: Path, changed: int = 2000, lines: int = 300) -> str:
    """`work` as a git checkout whose working tree changes `changed` of the report's files
    (every third of their first `lines` lines), for `--diff-base`; returns the base revision."""
    names = [n for n in _report_paths(big / "coverage.json") if not n.endswith("__init__.py")]
    step = max(len(names) // changed, 1)
    chosen = names[::step][:changed]
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-C", str(work)]
    if not (work / ".git").exists():
        subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
        for name in chosen:
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x = 0\n" * lines)
        subprocess.run([*git, "add", "src"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
        for name in chosen:
            (work / name).write_text("".join("x = 1\n" if n % 3 == 0 else "x = 0\n"
                                             for n in range(1, lines + 1)))
    return "main"


def baseline_src(work: Path, rev: str) -> Path:
    """The package sources at `rev` (this repository's history), extracted once into `work`."""
    out = work / f"baseline-{rev}"
    if not (out / "src" / "ci_toolkit").is_dir():
        out.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out / "src"


def _report_paths(report: Path) -> list[str]:
    """The report's file names, read in a child process: a parent that held the 300 MB file
    would pass its peak RSS on to every case it starts (Linux keeps it across exec)."""
    script = ("import re, sys\nprint('\\n'.join(re.findall(r'\"(src/[^\"]+\\.py)\": "
              "\\{\"executed_lines\"', open(sys.argv[1], encoding='utf-8').read())))")
    done = subprocess.run([PY, "-c", script, str(report)], check=True, capture_output=True,
                          text=True)
    return done.stdout.split()


def soft_gate(jobs: Sequence[Path]) -> list[str]:
    """The soft gate's files mode on the jobs' coverage.json, relative to the work folder."""
    files_input = "\n".join(f"{j.name}/coverage.json" for j in jobs)
    return [PY, "-m", "ci_toolkit.cli", "coverage-soft-gate", "--dry-run", "--files", files_input]


def pairs(big: Path, skewed: Path, work: Path, revisions: Sequence[str], runs: int) -> str:
    """The soft gate on two pairs of jobs against a bare json.load of the same two reports,
    beside the same command at each revision (1.0 first)."""
    rows = []
    for shape, other in (("the same statements", None), ("skewed: every file", skewed)):
        jobs = two_jobs(big, work, other)
        reports = [j / "coverage.json" for j in jobs]
        cases = {"json.load": [PY, "-c", JSON_LOAD, *map(str, reports)]}
        for rev in revisions:
            cases[rev] = ["env", f"PYTHONPATH={baseline_src(work, rev)}", *soft_gate(jobs)]
        cases["now"] = soft_gate(jobs)
        res = bench_cli(cases, runs, cwd=work)
        load, old = res["json.load"].median, res[revisions[0]].median
        largest = max(r.stat().st_size for r in reports) / 2**20
        against = [f"{res[c].median:.2f} ({res[c].median / load:.2f}×)"
                   for c in [*revisions, "now"]]
        rows.append((shape, f"{load:.2f}", *against[:-1], f"**{against[-1]}**",
                     f"{res['now'].median / old:.2f}×",
                     " / ".join(f"{max(res[c].rss_mib):.0f}" for c in [*revisions, "now"]),
                     f"{largest:.0f}"))
    header = ("jobs", "json.load of both s", *(f"{rev} s (× json.load)" for rev in revisions),
              "now s (× json.load)", f"now / {revisions[0]}",
              f"peak RSS MiB ({' / '.join([*revisions, 'now'])})", "largest report MiB")
    return (f"The soft gate's files mode on two jobs against json.load of their reports; median "
            f"of {runs}:\n\n{table(rows, header)}\n")


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--big", type=Path, help="folder with a 20k-file coverage.json/.xml pair")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench-coverage"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale", default="5000,10000,20000", help="file counts for the scaling rows")
    ap.add_argument("--baseline", default=BASELINE_REV, help="the revision the soft gate's files "
                    f"mode and --diff-base are set against (default {BASELINE_REV}, 1.0)")
    ap.add_argument("--generator", type=Path, default=GENERATOR, help="make_big_coverage.py "
                    "(default ../shared/coverage-corpus/make_big_coverage.py)")
    ap.add_argument("--skewed", type=Path, help="folder with the skewed twin of --big's report")
    ap.add_argument("--before", help="another revision timed beside the baseline on both pairs")
    ap.add_argument("--only-pairs", action="store_true", help="time the two pairs of jobs only")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    big = args.big or generate(args.work / "big-20000", 20000, args.generator)
    skewed = args.skewed or generate(args.work / "big-20000-skewed", 20000, args.generator, True)
    revisions = [rev for rev in (args.baseline, args.before) if rev]
    print(pairs(big, skewed, args.work, revisions, args.runs))
    if args.only_pairs:
        return
    jobs = two_jobs(big, args.work)
    json_files = [str(j / "coverage.json") for j in jobs]
    cli = soft_gate(jobs)
    base_rev = diff_workspace(args.work, big)
    old_src = baseline_src(args.work, args.baseline)
    old_cli = ["env", f"PYTHONPATH={old_src}", *cli]
    main_cases = {
        "json.load, 2 × coverage.json (baseline)": [PY, "-c", JSON_LOAD, *json_files],
        "ci-toolkit coverage-soft-gate --files … --dry-run, 2 jobs": cli,
        f"the same at {args.baseline} (1.0)": old_cli,
        "the same with --diff-base (2,000 changed files)": [*cli, "--diff-base", base_rev],
        "read_job + summarize, 2 jobs (coverage.json)": [PY, "-c", READ_JOBS, *map(str, jobs)],
        "ET.parse coverage.xml (baseline)": [PY, "-c", ET_PARSE, str(big / "coverage.xml")],
        "read_report coverage.xml (streamed)": [PY, "-c", READ_ONE, str(big / "coverage.xml")],
    }
    results = bench_cli(main_cases, args.runs, cwd=args.work)  # `--files` is relative
    base = {"json": results[next(iter(main_cases))].median}
    base["xml"] = results["ET.parse coverage.xml (baseline)"].median
    rows = []
    for label, res in results.items():
        ratio = res.median / (base["xml"] if "xml" in label else base["json"])
        rows.append(
            (
                label,
                f"{res.median:.2f}",
                f"{min(res.walls):.2f}",
                f"{ratio:.2f}×",
                f"{max(res.rss_mib):.0f}",
            )
        )
    print(
        f"Inputs: {big / 'coverage.json'} ({(big / 'coverage.json').stat().st_size:,} B), "
        f"coverage.xml ({(big / 'coverage.xml').stat().st_size:,} B); {args.runs} runs, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n"
    )
    print(table(rows, ("case", "median s", "min s", "vs baseline", "peak RSS MiB")))
    old = results[f"the same at {args.baseline} (1.0)"].median
    print(f"\nAgainst {args.baseline}'s files mode (the 1.1 goal: --diff-base within 1.1×):\n")
    print(table([(label, f"{results[label].median:.2f}", f"{results[label].median / old:.2f}×",
                  f"{max(results[label].rss_mib):.0f}")
                 for label in list(main_cases)[1:4]],
                ("case", "median s", f"vs {args.baseline}", "peak RSS MiB")))
    scale_rows = []
    for n in (int(x) for x in args.scale.split(",") if x):
        src = big if n == 20000 and args.big else generate(args.work / f"big-{n}", n,
                                                           args.generator)
        folders = two_jobs(src, args.work)
        res = bench_cli({"r": [PY, "-c", READ_JOBS, *map(str, folders)]}, args.runs)["r"]
        scale_rows.append(
            (
                f"{n:,}",
                f"{2 * n:,}",
                f"{res.median:.2f}",
                f"{res.median / (2 * n) * 1e6:.0f}",
                f"{max(res.rss_mib):.0f}",
            )
        )
    print("\nScaling (read_job + summarize, 2 jobs of N files each):\n")
    print(
        table(
            scale_rows, ("files per job", "files × jobs", "median s", "µs per file", "peak RSS MiB")
        )
    )


if __name__ == "__main__":
    main()
