"""Analysis of the coverage core: totals, average, worst, union across jobs, hotspots.
The union is checked against coverage.py itself (`coverage combine` of the sample package's
matrix and of small runs made here) and, where ../shared is present, against an independent
hand computation over the real jinja2 matrix."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
from coverage.results import Numbers

from ci_toolkit.coverage import (
    FileCoverage,
    JobReport,
    Totals,
    analysis,
    read_job,
    read_report,
    summarize,
)
from ci_toolkit.coverage.model import ARC, arc_key, arc_line
from conftest import SAMPLE_JOBS, Sample, SampleRun


@pytest.mark.parametrize(
    "counts", [(0, 0, 0, 0), (10, 7, 0, 0), (21, 14, 10, 5), (6331, 5745, 2092, 1721), (5, 0, 2, 0)]
)
def test_percent_is_coverage_py_formula(counts: tuple[int, int, int, int]) -> None:
    statements, executed, branches, taken = counts
    numbers = Numbers(
        n_statements=statements,
        n_missing=statements - executed,
        n_branches=branches,
        n_missing_branches=branches - taken,
    )
    assert Totals(*counts).percent == pytest.approx(numbers.pc_covered, abs=1e-12)


@pytest.mark.shared
def test_jinja2_matrix_in_every_format_matches_hand_union(corpus: Path) -> None:
    """Hand union: executed lines and taken arcs of both jobs' JSON, over the statements
    and possible arcs that coverage.py lists (executed ∪ missing)."""
    reports = [
        json.loads((corpus / j / "coverage.json").read_text())
        for j in ("jinja2-py311", "jinja2-py312")
    ]
    statements = executed = branches = taken = 0
    for path, entry in reports[0]["files"].items():
        lines = set(entry["executed_lines"]) | set(entry["missing_lines"])
        arcs = {tuple(a) for a in entry["executed_branches"] + entry["missing_branches"]}
        ran = set().union(*(r["files"][path]["executed_lines"] for r in reports))
        took = {tuple(a) for r in reports for a in r["files"][path]["executed_branches"]}
        statements += len(lines)
        executed += len(lines & ran)
        branches += len(arcs)
        taken += len(arcs & took)
    expected = Totals(statements, executed, branches, taken)
    for name in ("coverage.json", "coverage.xml", "lcov.info"):
        jobs = [read_report(corpus / j / name, j) for j in ("jinja2-py311", "jinja2-py312")]
        summary = summarize(jobs, hotspots=3)
        assert summary.combined_totals == expected, name
        assert summary.combined_branches
        assert summary.average == pytest.approx((88.63825240413155 + 88.6263801495904) / 2)
        assert summary.worst == pytest.approx(jobs[1].totals.percent)


@pytest.mark.shared
def test_union_is_at_least_the_best_job(corpus: Path) -> None:
    jobs = [read_job(corpus / j, j) for j in ("packaging-full", "packaging-subset")]
    summary = summarize(jobs, hotspots=5)
    assert summary.combined is not None
    assert summary.combined >= max(j.totals.percent for j in jobs)
    assert summary.worst == pytest.approx(47.552, abs=1e-3)


def combined_totals(run: SampleRun) -> Totals:
    """What `coverage combine` of the sample's jobs says of their union."""
    totals = run.coverage_py("combined")["totals"]
    return Totals(totals["num_statements"], totals["covered_lines"],
                  totals.get("num_branches", 0), totals.get("covered_branches", 0))


@pytest.mark.parametrize("mode", ["branch", "statements"])
@pytest.mark.parametrize("name", ["coverage.json", "coverage.xml", "lcov.info"])
def test_sample_matrix_union_equals_coverage_combine(sample: Sample, mode: str,
                                                     name: str) -> None:
    run: SampleRun = getattr(sample, mode)
    jobs = [read_report(run.job(job) / name, job) for job in SAMPLE_JOBS]
    summary = summarize(jobs, hotspots=5)
    assert summary.combined_totals == combined_totals(run)
    assert summary.combined == pytest.approx(
        run.coverage_py("combined")["totals"]["percent_covered"], abs=1e-9)
    assert summary.combined_branches is run.branch
    assert summary.combined > max(j.totals.percent for j in jobs)  # the jobs complement each other
    percents = [run.coverage_py(job)["totals"]["percent_covered"] for job in SAMPLE_JOBS]
    assert summary.average == pytest.approx(sum(percents) / len(percents), abs=1e-9)
    assert summary.worst == pytest.approx(min(percents), abs=1e-9)


def test_sample_hotspots_are_the_files_the_union_misses_most(sample: Sample) -> None:
    run = sample.branch
    jobs = [read_report(run.job(job) / "coverage.json", job) for job in SAMPLE_JOBS]
    files = run.coverage_py("combined")["files"]
    missed = sorted((f for f in files if files[f]["summary"]["missing_lines"]),
                    key=lambda f: (-files[f]["summary"]["missing_lines"], f))
    assert [h.path for h in summarize(jobs, hotspots=2).hotspots] == missed[:2]
    assert missed[0] == "tally/legacy.py"  # never imported: every line missed


MODULE = """\
def sign(x):
    if x > 0:
        return "pos"
    elif x < 0:
        return "neg"
    return "zero"


def evens(flag):
    out = []
    for i in range(4):
        if flag and i % 2:
            out.append(i)
    return out


def never():
    return 1
"""


def run_coverage(cwd: Path, *args: str) -> None:
    """One coverage.py command (`run`, `json`, `combine`, ...) in `cwd`."""
    subprocess.run(
        [sys.executable, "-m", "coverage", *args], cwd=cwd, check=True, capture_output=True
    )


def write_package(root: Path, module: str = MODULE) -> None:
    """`pkg/` under `root`: an empty `__init__.py` and `mod.py` holding `module`."""
    (root / "pkg").mkdir(parents=True, exist_ok=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text(module)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float | int]]:
    """Two 'jobs' measured by coverage.py, and what `coverage combine` says of their union."""
    root = tmp_path_factory.mktemp("proj")
    write_package(root)
    (root / "run_a.py").write_text("from pkg.mod import sign, evens\nsign(1)\nevens(False)\n")
    (root / "run_b.py").write_text("from pkg.mod import sign, evens\nsign(-1)\nevens(True)\n")
    (root / "run_c.py").write_text("import pkg.mod\n")  # runs no function body
    for job in ("a", "b", "c"):
        data = f"--data-file=.coverage.{job}"
        run_coverage(root, "run", "--branch", "--source=pkg", data, f"run_{job}.py")
        run_coverage(root, "json", data, "-o", f"{job}/coverage.json")
        run_coverage(root, "xml", data, "-o", f"{job}/coverage.xml")
        run_coverage(root, "lcov", data, "-o", f"{job}/lcov.info")
    run_coverage(root, "combine", "--keep", ".coverage.a", ".coverage.b")
    run_coverage(root, "json", "-o", "combined.json")
    return root, json.loads((root / "combined.json").read_text())["totals"]


@pytest.mark.parametrize("name", ["coverage.json", "coverage.xml", "lcov.info"])
def test_union_equals_coverage_combine(
    two_runs: tuple[Path, dict[str, float | int]], name: str
) -> None:
    root, totals = two_runs
    jobs = [read_report(root / job / name, job) for job in ("a", "b")]
    summary = summarize(jobs, hotspots=5)
    assert summary.combined_totals == Totals(
        int(totals["num_statements"]),
        int(totals["covered_lines"]),
        int(totals["num_branches"]),
        int(totals["covered_branches"]),
    )
    assert summary.combined == pytest.approx(totals["percent_covered"], abs=1e-9)
    assert summary.combined > max(j.totals.percent for j in jobs)  # the runs complement each other


def _jobs(root: Path, *names: tuple[str, str]) -> list[JobReport]:
    return [read_report(root / job / name, job) for job, name in names]


def _combine_totals(totals: dict[str, float | int]) -> Totals:
    return Totals(int(totals["num_statements"]), int(totals["covered_lines"]),
                  int(totals["num_branches"]), int(totals["covered_branches"]))


@pytest.mark.parametrize("names", [("coverage.json", "coverage.xml"),
                                   ("coverage.xml", "coverage.json")])
def test_json_and_cobertura_mixed_keep_their_branches(
    two_runs: tuple[Path, dict[str, float | int]], names: tuple[str, str]
) -> None:
    root, totals = two_runs
    summary = summarize(_jobs(root, ("a", names[0]), ("b", names[1])), hotspots=5)
    assert summary.combined_branches
    assert summary.combined_totals == _combine_totals(totals)
    assert summary.combined == pytest.approx(totals["percent_covered"], abs=1e-9)


def test_json_and_lcov_mixed_count_branches_no_job_missed_and_no_more(
    two_runs: tuple[Path, dict[str, float | int]],
) -> None:
    root, totals = two_runs
    jobs = _jobs(root, ("a", "coverage.json"), ("b", "lcov.info"))
    union = summarize(jobs, hotspots=5).combined_totals
    assert union is not None
    combined = _combine_totals(totals)
    assert (union.statements, union.executed, union.branches) == (
        combined.statements, combined.executed, combined.branches)
    assert max(j.totals.taken for j in jobs) <= union.taken <= combined.taken


def _renumbered(path: Path, shift: int) -> bytes:
    """The same report as another coverage.py version could name its arcs: the targets of
    every arc moved, exits numbered by their code object."""
    data = json.loads(path.read_text())
    for entry in data["files"].values():
        for key in ("executed_branches", "missing_branches"):
            entry[key] = [[a, b + shift if b > 0 else -a] for a, b in entry.get(key, [])]
    return json.dumps(data).encode()


def test_another_versions_arc_names_invent_no_taken_branch(
    two_runs: tuple[Path, dict[str, float | int]], tmp_path: Path
) -> None:
    root, _ = two_runs
    (tmp_path / "c.json").write_bytes(_renumbered(root / "c" / "coverage.json", 100))
    a = read_report(root / "a" / "coverage.json", "a")
    c = read_report(root / "c" / "coverage.json", "c")  # ran no function body
    c_other = read_report(tmp_path / "c.json", "c-other")
    nothing = summarize([c, c_other], hotspots=5).combined_totals
    assert nothing is not None and nothing.taken == 0 == c.totals.taken
    with_a = summarize([a, c_other], hotspots=5).combined_totals
    assert with_a is not None and with_a.taken == a.totals.taken  # c took nothing to add


def test_exits_named_by_code_object_unite_with_exits_as_minus_one(
    two_runs: tuple[Path, dict[str, float | int]], tmp_path: Path
) -> None:
    root, totals = two_runs
    (tmp_path / "b.json").write_bytes(_renumbered(root / "b" / "coverage.json", 0))
    jobs = [read_report(root / "a" / "coverage.xml", "a"), read_report(tmp_path / "b.json", "b")]
    assert summarize(jobs, hotspots=5).combined_totals == _combine_totals(totals)


def test_a_job_that_measured_nothing_changes_no_figure(
    two_runs: tuple[Path, dict[str, float | int]], tmp_path: Path
) -> None:
    root, totals = two_runs
    (tmp_path / "coverage.json").write_bytes(_empty_report(root / "a" / "coverage.json"))
    for name in ("coverage.json", "coverage.xml"):
        jobs = _jobs(root, ("a", name), ("b", name))
        empty = read_report(tmp_path / "coverage.json", "empty")
        alone, with_empty = summarize(jobs, 5), summarize([*jobs, empty], 5)
        assert with_empty.combined_totals == _combine_totals(totals)
        assert (with_empty.average, with_empty.worst) == (alone.average, alone.worst)
        assert [j.measured for j in with_empty.jobs] == [True, True, False]


def _empty_report(real: Path) -> bytes:
    """A real report with every file taken out: a job that measured no statement."""
    data = json.loads(real.read_text())
    data["files"] = {}
    data["totals"] = {k: 0 if isinstance(v, int) else v for k, v in data["totals"].items()}
    data["totals"]["percent_covered"] = 100.0
    return json.dumps(data).encode()


LEGACY = """

def legacy(n):
    total = 0
    for i in range(n):
        if i % 2:
            total += i
    return total
"""


@pytest.fixture(scope="module")
def skewed_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float | int]]:
    """Two jobs whose reports list different statements and arcs for every file (job a's
    configuration excludes `legacy`, which only job b runs), and what `coverage combine`
    says of their union under job b's configuration, which excludes nothing."""
    root = tmp_path_factory.mktemp("skewed")
    write_package(root, MODULE + LEGACY)
    (root / "pkg" / "__init__.py").write_text("from pkg.mod import *  # noqa\n" + LEGACY)
    (root / "skew_a.ini").write_text("[report]\nexclude_also =\n    def legacy\n")
    (root / "run_a.py").write_text("from pkg.mod import sign, evens\nsign(1)\nevens(False)\n")
    (root / "run_b.py").write_text("import pkg\nfrom pkg.mod import sign, evens, legacy\n"
                                   "sign(-1)\nevens(True)\nlegacy(3)\npkg.legacy(3)\n")
    for job, config in (("a", ["--rcfile=skew_a.ini"]), ("b", [])):
        data = f"--data-file=.coverage.{job}"
        run_coverage(root, "run", "--branch", "--source=pkg", data, f"run_{job}.py")
        run_coverage(root, "json", *config, data, "-o", f"{job}/coverage.json")
    run_coverage(root, "combine", "--keep", ".coverage.a", ".coverage.b")
    run_coverage(root, "json", "-o", "combined.json")
    return root, json.loads((root / "combined.json").read_text())["totals"]


def test_jobs_that_list_different_statements_unite_as_coverage_combine(
    skewed_runs: tuple[Path, dict[str, float | int]],
) -> None:
    root, totals = skewed_runs
    jobs = _jobs(root, ("a", "coverage.json"), ("b", "coverage.json"))
    a, b = ({path: (len(fc.missing_branches or ()) + len(fc.taken_branches or ()),
                    fc.totals.statements) for path, fc in job.files.items()} for job in jobs)
    assert a.keys() == b.keys() and all(a[path] != b[path] for path in a)  # skewed everywhere
    summary = summarize(jobs, hotspots=5)
    assert summary.combined_totals == _combine_totals(totals)
    assert summary.combined > max(j.totals.percent for j in jobs)


def _skewed(fc: FileCoverage, rng: random.Random) -> FileCoverage:
    """A real file's arcs as another job could name them: some moved to another target or
    line, some taken or missed the other way, some left out, now and then one named twice
    (or both taken and missed)."""
    keys = {key: True for key in fc.taken_branches or ()}
    keys.update((key, False) for key in fc.missing_branches or ())
    named: dict[int, bool] = {}
    for key, took in keys.items():
        line, target = arc_line(key), key & 0xFFFFFFFF
        if rng.random() < 0.2:
            continue
        if rng.random() < 0.3:
            target = rng.choice([-1, target + 1, line + 2])
        if rng.random() < 0.1:
            line += rng.choice([-1, 1])
        named[arc_key(line, target if target != 0xFFFFFFFF else -1)] = \
            took if rng.random() < 0.7 else not took
    taken = array("q", sorted(k for k, took in named.items() if took))
    if taken and rng.random() < 0.1:
        taken.append(taken[0])
    missed = array("q", sorted(k for k, took in named.items() if not took))
    if taken and rng.random() < 0.05:
        missed.append(taken[-1])
    return FileCoverage(fc.path, Totals(fc.totals.statements, fc.totals.executed, len(named),
                                        len(taken)), fc.missing_lines, missed, taken, None, ARC)


def test_the_one_pass_union_of_named_branches_counts_as_the_line_by_line_path(
    two_runs: tuple[Path, dict[str, float | int]],
) -> None:
    """Where jobs name their arcs differently (another coverage.py version, other code), the
    union counted in one pass over the keys is what the line-by-line rules count."""
    root, _ = two_runs
    files = [fc for job in "abc" for fc in read_report(root / job / "coverage.json").files.values()
             if fc.totals.branches]
    rng = random.Random(22)
    excess = 0
    for case in range(400):
        jobs = [_skewed(rng.choice(files), rng) for _ in range(rng.randint(2, 4))]
        by_line = analysis._union_by_line(jobs)
        twice = any(len(set(keys)) < len(keys) for f in jobs
                    for keys in ([*(f.taken_branches or ()), *(f.missing_branches or ())],))
        assert analysis._named_union(jobs) == (None if twice else by_line), case
        excess += by_line < len(set().union(*(f.taken_branches or () for f in jobs)))
    assert excess > 20  # lines whose united taken arcs outnumber their branches were met


def _file(
    path: str, statements: int, executed: int, missing: list[int] | None = None
) -> FileCoverage:
    lines = array("i", missing) if missing is not None else None
    return FileCoverage(path, Totals(statements, executed), lines, array("q"))


def _job(name: str, *files: FileCoverage) -> JobReport:
    report = JobReport(name, f"{name}/coverage.json", "coverage.py-json", branch_kind=ARC)
    report.files = {f.path: f for f in files}
    report.totals = sum((f.totals for f in files), Totals())
    return report


def test_hotspot_order_and_limits() -> None:
    job = _job(
        "j",
        _file("b.py", 10, 5, [1, 2, 3, 4, 5]),  # 50 %, 5 missed
        _file("a.py", 20, 10, list(range(10))),  # 50 %, 10 missed: first
        _file("c.py", 10, 5, [6, 7, 8, 9, 10]),  # ties b.py: path decides
        _file("empty.py", 0, 0, []),  # never a hotspot
        _file("z.py", 4, 4, []),
    )
    summary = summarize([job], hotspots=3)
    assert [h.path for h in summary.hotspots] == ["a.py", "b.py", "c.py"]
    assert summary.hotspots[0].totals.missed_statements == 10 and summary.hotspots[0].jobs == 1
    assert len(summarize([job], hotspots=10).hotspots) == 3  # z.py at 100 % is never one
    assert summarize([job], hotspots=0).hotspots == ()


def test_hotspots_rank_by_union() -> None:
    a = _job("a", _file("x.py", 4, 2, [3, 4]), _file("y.py", 4, 3, [4]))
    b = _job("b", _file("x.py", 4, 2, [1, 2]), _file("y.py", 4, 3, [4]))
    summary = summarize([a, b], hotspots=5)
    assert [(h.path, h.percent, h.jobs, h.missed) for h in summary.hotspots] == [
        ("y.py", 75.0, 2, (4,)),  # x.py: each line ran in one job, 100 % united
    ]
    assert summary.combined == pytest.approx(7 / 8 * 100)


def test_without_line_data_combined_is_none() -> None:
    summary = summarize([_job("a", _file("x.py", 4, 1)), _job("b", _file("x.py", 4, 3, [4]))], 5)
    assert summary.combined is None and summary.combined_totals is None
    assert summary.hotspots[0].totals == Totals(4, 3)  # best job: a lower bound of the union
    assert summary.average == 50.0 and summary.worst == 25.0


def test_no_jobs() -> None:
    summary = summarize([], hotspots=5)
    assert (summary.average, summary.worst, summary.combined, summary.hotspots) == (
        None,
        None,
        None,
        (),
    )
