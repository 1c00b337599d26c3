"""Readers of the coverage core (a change here changes every coverage figure the soft gate
reports). Expected figures come from coverage.py itself: its JSON report of the sample package's
jobs made at test time, and (for the corpus in ../shared) the corpus MANIFEST."""

from __future__ import annotations

import gzip
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ci_toolkit.coverage import (
    ReportError,
    TestCounts,
    Totals,
    cobertura,
    detect_format,
    read_job,
    read_report,
)
from ci_toolkit.coverage.junit import read_junit_counts
from ci_toolkit.coverage.model import ARC, COBERTURA_ARC, LCOV_BRDA, normalise_path
from conftest import SAMPLE_JOBS, Sample, SampleRun

FORMATS = {"coverage.json": "coverage.py-json", "coverage.xml": "cobertura", "lcov.info": "lcov"}
MODES = ("branch", "statements")


def totals_of(summary: dict[str, Any]) -> Totals:
    """coverage.py's own counts (a `summary` or `totals` of its JSON report)."""
    return Totals(summary["num_statements"], summary["covered_lines"],
                  summary.get("num_branches", 0), summary.get("covered_branches", 0))


# --- reports made at test time: the sample package's matrix, judged by coverage.py -----------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("job", [*SAMPLE_JOBS, "combined"])
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_reads_as_coverage_py_counts(
    sample: Sample, mode: str, job: str, name: str
) -> None:
    run: SampleRun = getattr(sample, mode)
    report = read_report(run.job(job) / name, job)
    expected = run.coverage_py(job)
    assert report.format == FORMATS[name]
    assert report.totals == totals_of(expected["totals"])
    assert report.totals.percent == pytest.approx(expected["totals"]["percent_covered"], abs=1e-9)
    files = {path: totals_of(entry["summary"]) for path, entry in expected["files"].items()}
    assert {path: f.totals for path, f in report.files.items()} == files
    for path, entry in expected["files"].items():
        assert list(report.files[path].missing_lines or ()) == entry["missing_lines"], path


def test_the_sample_has_a_file_never_imported_and_one_without_statements(
    sample: Sample,
) -> None:
    for name in FORMATS:
        files = read_report(sample.branch.job("combined") / name).files
        never_imported = files["tally/legacy.py"].totals
        assert never_imported.executed == 0 < never_imported.statements, name
        assert files["tally/__init__.py"].totals == Totals(), name
    a, b, both = (read_report(sample.branch.job(j) / "coverage.json").totals.percent
                  for j in ("a", "b", "combined"))
    assert both > max(a, b)  # the two jobs run different tests


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("job", SAMPLE_JOBS)
def test_read_job_takes_richest_report_and_junit_counts(sample: Sample, mode: str,
                                                        job: str) -> None:
    run: SampleRun = getattr(sample, mode)
    report = read_job(run.job(job), job)
    assert (report.job, report.format, Path(report.source_path).name) == (
        job, "coverage.py-json", "coverage.json")
    assert report.tests == TestCounts(**run.outcomes(job))  # what pytest itself counted


def test_read_job_falls_back_to_cobertura_then_lcov(sample: Sample, tmp_path: Path) -> None:
    job = sample.branch.job("b")
    for name in ("coverage.xml", "lcov.info", "pytest-report.xml"):
        shutil.copy(job / name, tmp_path / name)
    (tmp_path / "htmlcov").mkdir()
    (tmp_path / "htmlcov" / "status.json").write_text('{"note": "not a report"}')
    assert read_job(tmp_path, "j").format == "cobertura"
    (tmp_path / "coverage.xml").unlink()
    only_lcov = read_job(tmp_path, "j")
    assert only_lcov.format == "lcov"
    assert only_lcov.tests == TestCounts(**sample.branch.outcomes("b"))
    assert read_job([job / "lcov.info", job / "coverage.xml"], "j").format == "cobertura"


def test_a_broken_junit_file_keeps_the_coverage(sample: Sample, tmp_path: Path) -> None:
    job = sample.branch.job("a")
    shutil.copy(job / "coverage.json", tmp_path / "coverage.json")
    junit = (job / "pytest-report.xml").read_text()
    (tmp_path / "pytest-report.xml").write_text(junit[: len(junit) // 2])
    report = read_job(tmp_path, "j")
    assert report.tests is None
    assert report.totals == totals_of(sample.branch.coverage_py("a")["totals"])
    assert len(report.warnings) == 1 and "pytest-report.xml" in report.warnings[0]


def test_read_job_without_coverage_report(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ReportError, match="no coverage report"):
        read_job(tmp_path, "j")


@pytest.mark.parametrize(("mode", "name", "kind"), [
    ("branch", "coverage.json", ARC),
    ("branch", "coverage.xml", COBERTURA_ARC),
    ("branch", "lcov.info", LCOV_BRDA),
    ("statements", "coverage.json", None),
    ("statements", "coverage.xml", None),
    ("statements", "lcov.info", None),
])  # fmt: skip
def test_branch_identities(sample: Sample, mode: str, name: str, kind: str | None) -> None:
    assert read_report(getattr(sample, mode).job("a") / name).branch_kind == kind


# what the figures are read from; every other member of a file's entry is stepped over unbuilt
NEEDED = ("executed_lines", "summary", "missing_lines", "executed_branches", "missing_branches")
TRICKY = ["{", "}", "[", "]", '"', "\\", '\\"}', '{"a": [', "]]}", "\u00e9\u20ac\U0001f600", "\n",
          ""]


def noise(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value whose strings are full of brackets, braces, quotes and escapes."""
    kind = rng.randrange(5 if depth < 4 else 3)
    if kind == 0:
        return rng.choice(TRICKY) + rng.choice(TRICKY)
    if kind == 1:
        return rng.choice([0, -1, 1.5e300, True, None, 7])
    if kind == 2:
        return [noise(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {rng.choice(TRICKY) + str(i): noise(rng, depth + 1) for i in range(rng.randrange(5))}


def noisy(entry: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The entry's own members in a random order among regions, contexts and unknown ones."""
    members = [(key, entry[key]) for key in NEEDED if key in entry]
    for name in ("functions", "classes", "contexts", "excluded_lines", "x{", 'y"}'):
        if rng.random() < 0.7:
            members.insert(rng.randrange(len(members) + 1), (name, noise(rng, 1)))
    return dict(members)


def test_members_the_figures_do_not_use_are_skipped_exactly(
    sample: Sample, tmp_path: Path
) -> None:
    """Whatever the skipped members hold (brackets and quotes inside strings, escapes, deep
    nesting, any layout), the report reads exactly as it does without them."""
    data = json.loads((sample.branch.job("a") / "coverage.json").read_text())
    for entry in data["files"].values():
        for key in set(entry) - set(NEEDED):
            del entry[key]
    plain = tmp_path / "plain" / "coverage.json"
    plain.parent.mkdir()
    plain.write_text(json.dumps(data))
    keep_all = lambda path: True  # noqa: E731 - executed lines too
    want = read_report(plain, keep=keep_all)
    assert want.files and all(f.executed_lines is not None for f in want.files.values())
    rng = random.Random(2026)
    for case in range(40):
        hostile = {**data, "files": {name: noisy(entry, rng)
                                     for name, entry in data["files"].items()}}
        path = tmp_path / f"noisy{case}" / "coverage.json"
        path.parent.mkdir()
        path.write_text(json.dumps(hostile, indent=rng.choice([None, 1, "\t"]),
                                   ensure_ascii=rng.random() < 0.5), encoding="utf-8")
        got = read_report(path, keep=keep_all)
        assert (got.files, got.totals, got.branch_kind) == \
            (want.files, want.totals, want.branch_kind), case


@pytest.mark.parametrize("cut", ["functions", "classes", '"x{": {"a": ['])
def test_a_report_cut_inside_a_skipped_member_is_truncated(
    sample: Sample, tmp_path: Path, cut: str
) -> None:
    text = (sample.branch.job("a") / "coverage.json").read_text()
    if cut.startswith('"x{'):
        text = text.replace('"summary"', cut + '"]}, "summary"', 1)
    at = text.index(cut) + len(cut) + 5
    path = tmp_path / "coverage.json"
    path.write_text(text[:at])
    with pytest.raises(ReportError, match="not valid JSON: truncated"):
        read_report(path)


def cobertura_variants(xml: str) -> dict[str, str]:
    """The same coverage written as other producers write it (gcovr, istanbul, coverlet,
    Java): what a reader must not count, and layouts it must unite."""
    classes = re.findall(r"<class .*?</class>|<class [^>]*/>", xml, re.S)
    lines = re.compile(r"<lines>(.*?)</lines>", re.S)

    def with_methods(cls: str) -> str:  # copies of the lines under <methods>, hits flipped
        found = lines.search(cls)
        body = (found[1] if found else "").replace('hits="0"', 'hits="X"')
        body = body.replace('hits="1"', 'hits="0"').replace('hits="X"', 'hits="7"')
        return cls.replace("<methods/>", f'<methods><method name="m"><lines>{body}</lines>'
                                         "</method></methods>")

    def halves(cls: str) -> tuple[str, str]:  # one file as two <class> elements
        found = lines.search(cls)
        rows = re.findall(r"<line .*?/>", found[1] if found else "", re.S)
        first, second = "".join(rows[: len(rows) // 2]), "".join(rows[len(rows) // 2:])
        head = cls[: cls.index(">") + 1].replace(" />", ">")
        return (f"{head}<lines>{first}</lines></class>", f"{head}<lines>{second}</lines></class>")

    split = [halves(cls) for cls in classes]
    head, rest = xml.split("<classes>", 1)
    head, tail = head + "<classes>", rest[rest.index("</classes>"):]
    return {
        "methods": head + "".join(map(with_methods, classes)) + tail,
        "split, not consecutive": head + "".join(a for a, _ in split) + "".join(
            b for _, b in split) + tail,
        "one line, comments, CDATA, a bare DOCTYPE": xml.replace("\n", "").replace(
            "<sources>", '<!-- x --><?pi y?><sources>').replace(
            "<?xml version=\"1.0\" ?>", "<?xml version=\"1.0\" ?><!DOCTYPE coverage SYSTEM "
            "\"http://127.0.0.1:9/coverage-04.dtd\">").replace(
            "<source>", "<source><![CDATA[]]>", 1),
    }


@pytest.mark.parametrize("mode", MODES)
def test_cobertura_layouts_read_as_coverage_py_wrote_them(
    sample: Sample, tmp_path: Path, mode: str
) -> None:
    """Lines under <methods> are copies, not counted; a file in several <class> elements,
    consecutive or not, is one file; layout, comments and a DOCTYPE (never fetched) change
    nothing. The judge is the report coverage.py wrote, read as it is."""
    original = getattr(sample, mode).job("a") / "coverage.xml"
    want = read_report(original)
    assert want.totals.statements and any("/" in p for p in want.files)  # sources were joined
    for name, xml in cobertura_variants(original.read_text()).items():
        path = tmp_path / name.replace(" ", "-").replace(",", "") / "coverage.xml"
        path.parent.mkdir()
        path.write_text(xml)
        got = read_report(path)
        assert xml != original.read_text()
        assert (got.files, got.totals, got.branch_kind) == \
            (want.files, want.totals, want.branch_kind), name


def test_junit_gz_counts_as_the_plain_file(sample: Sample, tmp_path: Path) -> None:
    path = tmp_path / "pytest-report.xml.gz"
    path.write_bytes(gzip.compress(sample.branch.report("b", "pytest-report.xml")))
    assert read_report(path).tests == TestCounts(**sample.branch.outcomes("b"))


def test_a_byte_order_mark_and_any_layout_read_as_the_report_coverage_py_wrote(
    sample: Sample, tmp_path: Path
) -> None:
    original = sample.branch.job("a") / "coverage.json"
    want = read_report(original, keep=lambda _: True)
    data = json.loads(original.read_text())
    for name, text in (("bom", "\ufeff" + original.read_text()),
                       ("pretty", json.dumps(data, indent="\t") + "\n\n"),
                       ("escaped", json.dumps(data, ensure_ascii=True, indent=1))):
        path = tmp_path / name / "coverage.json"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        got = read_report(path, keep=lambda _: True)
        assert (got.files, got.totals, got.branch_kind) == \
            (want.files, want.totals, want.branch_kind), name


def test_windows_backslash_keys_and_gzip(tmp_path: Path) -> None:
    data = {
        "meta": {"version": "7.17.4", "branch_coverage": False},
        "files": {
            "src\\pkg\\m\u00e9.py": {
                "executed_lines": [1],
                "summary": {"covered_lines": 1, "num_statements": 2},
                "missing_lines": [2],
            }
        },
        "totals": {"covered_lines": 1, "num_statements": 2},
    }
    path = tmp_path / "coverage.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    report = read_report(path)
    assert list(report.files) == ["src/pkg/m\u00e9.py"]
    assert report.totals.percent == 50.0 and report.branch_kind is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/home/runner/work/repo/repo/src/a.py", "src/a.py"),
        ("D:\\a\\repo\\repo\\src\\a.py", "src/a.py"),
        ("/__w/repo/repo/a.py", "a.py"),
        ("./src/a.py", "src/a.py"),
        ("src\\a.py", "src/a.py"),
    ],
)
def test_paths_are_repository_relative(raw: str, expected: str) -> None:
    assert normalise_path(raw) == expected


# --- broken and hostile input --------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<coverage><sources><source>&lol9;</source></sources></coverage>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE testsuites [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuites><testsuite name="&xxe;"/></testsuites>
"""


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("coverage.json", b"", "empty file"),
        ("coverage.json", b"  \n", "empty file"),
        ("coverage.json", b'{"meta": {"version": "7.1"}, "files": {"a.py": {"summ', "truncated"),
        ("coverage.json", b'{"meta": {"version": 7}, "files": {]}', "not valid JSON"),
        ("coverage.json", b'{"meta": {}, "files": {}} trailing', "extra data"),
        ("coverage.json", b'{"a": 1}', "not a coverage.py JSON report"),
        ("coverage.json", b"[1, 2]", "not a coverage.py JSON report"),
        ("coverage.json", b'{"meta": {}, "files": {"a.py": {"summary": 3}}}', "not a coverage.py"),
        ("coverage.json", b'{"meta": {}, "files": {"b.py": {"summary": {"num_statements": 1, '
         b'"covered_lines": 1}, "missing_lines": [[2]]}}}', "file 'b.py'"),
        ("coverage.json", b'{"meta": {}, "files": {"c.py": {"summary": 3}}}', "file 'c.py'"),
        ("coverage.json", b'{"meta": {}, "files": 5}', "not a coverage.py JSON report"),
        ("coverage.json", b'{"meta": {}, "files": {"\xff": 1}}', "not UTF-8"),
        ("coverage.xml", b'<?xml version="1.0"?><coverage><packages><package>', "not valid XML"),
        ("coverage.xml", BILLION_LAUGHS.encode(), "refused unsafe XML"),
        ("coverage.xml", b'<!DOCTYPE coverage [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
         b"<coverage><sources><source>&x;</source></sources></coverage>", "refused unsafe XML"),
        ("coverage.xml", b'<!DOCTYPE coverage [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]>'
         b"<coverage/>", "refused unsafe XML"),
        ("coverage.xml", b"<coverage><packages><package><classes><class filename='a.py'><lines>"
         b"<line number='1' hits='1'/></lines>", "not valid XML"),
        ("coverage.xml", b'<coverage><packages><package><classes><class filename="a.py">'
         b'<lines><line number="x" hits="1"/></lines></class></classes></package></packages>'
         b"</coverage>", "not a Cobertura report"),
        ("report.xml", EXTERNAL.encode(), "refused unsafe XML"),
        ("report.xml", b"<html><body/></html>", "unsupported format"),
        ("lcov.info", b"SF:a.py\nDA:x,1\nend_of_record\n", "not an LCOV tracefile"),
        ("lcov.info", b"TN:\nWHAT:1\n", "not an LCOV tracefile"),
        ("lcov.info", b"TN:\n", "no SF records"),
        ("data.txt", b"hello world\n", "unsupported format"),
        ("pytest-report.xml.gz", b"\x1f\x8b\x08\x00broken", "cannot be read"),
    ],
)
def test_bad_reports_raise_report_error(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReportError) as info:
        read_report(path)
    assert reason in info.value.reason
    assert info.value.path == str(path) and str(path) in str(info.value)


@pytest.mark.parametrize("xml", [
    BILLION_LAUGHS,
    '<!DOCTYPE coverage [<!ENTITY x SYSTEM "file:///etc/passwd">]><coverage>&x;</coverage>',
    '<!DOCTYPE coverage [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]><coverage/>',
    '<!DOCTYPE coverage [<!NOTATION n SYSTEM "n"><!ENTITY u SYSTEM "u" NDATA n>]><coverage/>',
])  # fmt: skip
def test_the_cobertura_reader_alone_refuses_entities(tmp_path: Path, xml: str) -> None:
    """Its own parser refuses what defusedxml refuses, not only the format sniffing before it."""
    path = tmp_path / "coverage.xml"
    path.write_text(xml)
    with pytest.raises(ReportError, match="refused unsafe XML"):
        cobertura.read_cobertura(path)


def test_the_cobertura_reader_alone_checks_the_root(tmp_path: Path) -> None:
    path = tmp_path / "coverage.xml"
    path.write_text("<class filename='a.py'><lines><line number='1' hits='1'/></lines></class>")
    with pytest.raises(ReportError, match=r"not a Cobertura report \(root <class>\)"):
        cobertura.read_cobertura(path)


def test_truncated_real_reports(sample: Sample, tmp_path: Path) -> None:
    for name in ("coverage.json", "coverage.xml"):
        data = sample.branch.report("a", name)
        cut = tmp_path / name
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(ReportError, match="not valid"):
            read_report(cut)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no such file"):
        read_report(tmp_path / "nope.json")


def test_detect_format(sample: Sample) -> None:
    job = sample.branch.job("a")
    assert detect_format(job / "pytest-report.xml") == "junit"
    assert detect_format(job / "lcov.info") == "lcov"
    assert detect_format(job / "coverage.xml") == "cobertura"
    assert detect_format(job / "coverage.json") == "coverage.py-json"


FAILING_TESTS = '''\
import pytest


@pytest.fixture
def broken():
    raise RuntimeError("setup went wrong\\nsecond line")


def test_passes():
    assert True


@pytest.mark.parametrize("n", range(11))
def test_fails(n):
    assert n == -1, f"n was {n}\\nmore detail"


def test_errors(broken):
    pass
'''


def test_junit_names_failed_and_errored_tests_first_line_only(tmp_path: Path) -> None:
    """A real pytest run: 11 failures and an error, of which the first 10 are named."""
    (tmp_path / "test_sample.py").write_text(FAILING_TESTS)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "--junitxml=pytest-report.xml", "test_sample.py"],
                   cwd=tmp_path, capture_output=True, check=False)
    counts = read_junit_counts(tmp_path / "pytest-report.xml")
    assert (counts.tests, counts.failures, counts.errors) == (13, 11, 1)
    assert len(counts.failed) == 10
    first = counts.failed[0]
    assert first.name == "test_sample::test_fails[0]" and not first.error
    assert first.message.startswith("AssertionError: n was 0") and "\n" not in first.message
    assert all("more detail" not in f.message for f in counts.failed)


# --- the corpus in ../shared: real projects at scale, every coverage.py version, other tools ---

# MANIFEST "Totals per file type": statements, executed, branches, taken, percent_covered
MANIFEST = {
    "jinja2-py311": (6331, 5745, 2092, 1721, 88.638),
    "jinja2-py312": (6331, 5744, 2092, 1721, 88.626),
    "packaging-full": (4479, 4466, 1792, 1792, 99.793),
    "packaging-subset": (4479, 2143, 1792, 839, 47.552),
    "more-itertools-py311": (2229, 2229, 908, 899, 99.713),
    "attrs-py311": (1831, 1820, 692, 685, 99.287),
}
JUNIT = {
    "jinja2-py311": TestCounts(909, 0, 0, 0),
    "jinja2-py312": TestCounts(909, 0, 0, 0),
    "packaging-full": TestCounts(62423, 0, 0, 0),
    "packaging-subset": TestCounts(53554, 0, 0, 0),
    "more-itertools-py311": TestCounts(765, 0, 0, 0),  # tests="21959" counts subtests
    "attrs-py311": TestCounts(1386, 5, 0, 9),
}


@pytest.mark.shared
@pytest.mark.parametrize("job", sorted(MANIFEST))
def test_corpus_job_in_every_format_matches_manifest(corpus: Path, job: str) -> None:
    statements, executed, branches, taken, pct = MANIFEST[job]
    for name in sorted(FORMATS):
        report = read_report(corpus / job / name, job)
        assert report.format == FORMATS[name]
        assert report.totals == Totals(statements, executed, branches, taken), name
        assert round(report.totals.percent, 3) == pct
        assert sum((f.totals for f in report.files.values()), Totals()) == report.totals
        assert all(not p.startswith("/") and "\\" not in p for p in report.files)
    expected = json.loads((corpus / job / "coverage.json").read_text())["totals"]
    assert read_report(corpus / job / "coverage.json").totals.percent == pytest.approx(
        expected["percent_covered"], abs=1e-9)
    whole = read_job(corpus / job, job)
    assert (whole.format, whole.tests) == ("coverage.py-json", JUNIT[job])


PROJECT_FILES = {"pkg/__init__.py", "pkg/calc.py", "pkg/only_excluded.py", "pkg/unused.py"}


@pytest.mark.shared
def test_every_coverage_py_version_and_format(corpus: Path) -> None:
    versions = corpus / "format-samples" / "coveragepy-versions"
    names = sorted(p.name for p in versions.iterdir() if p.suffix in (".json", ".xml", ".info"))
    assert len(names) > 30
    for name in names:
        report = read_report(versions / name)
        # report-<ver>.txt: TOTAL 21 statements, 7 missed, 10 branches, 5 taken -> 61 %
        assert report.totals == Totals(21, 14, 10, 5), name
        assert round(report.totals.percent, 2) == 61.29, name
        assert set(report.files) == PROJECT_FILES, name
        calc = report.files["pkg/calc.py"]
        assert calc.totals == Totals(17, 14, 8, 5), name
        assert list(calc.missing_lines or ()) == [22, 23, 24], name
    kinds = {"coverage-5.5.json": None, "coverage-6.0.json": None,  # arcs arrived in 6.3
             "coverage-6.5.0.json": ARC, "coverage-7.17.4.json": ARC,
             "coverage-7.17.4.xml": COBERTURA_ARC, "lcov-7.17.4.info": LCOV_BRDA}
    assert {n: read_report(versions / n).branch_kind for n in kinds} == kinds
    for name in ("coverage-7.17.4.pretty.json", "coverage-5.5.json"):  # old and pretty layouts
        assert read_report(versions / name).totals == Totals(21, 14, 10, 5)


@pytest.mark.shared
def test_generated_layouts(corpus: Path, tmp_path: Path) -> None:
    layouts = [("--flavor", "6.5"), ("--flavor", "7.4.1"), ("--flavor", "7.6"),
               ("--flavor", "7.12"), ("--flavor", "7.14"), ("--pretty",), ("--no-branch",),
               ("--windows-paths", "--pretty")]
    for n, args in enumerate(layouts):
        out = tmp_path / str(n)
        proc = subprocess.run([sys.executable, str(corpus / "make_big_coverage.py"),
                               "--files", "40", "--out-dir", str(out), *args],
                              capture_output=True, text=True, check=True)
        expected = json.loads(proc.stdout)["percent_covered"]
        from_json = read_report(out / "coverage.json")
        from_xml = read_report(out / "coverage.xml")
        assert from_json.totals.percent == pytest.approx(expected, abs=1e-9), args
        assert from_xml.totals == from_json.totals, args
        assert set(from_json.files) == set(from_xml.files), args
        assert all("\\" not in p for p in from_json.files), args


@pytest.mark.shared
def test_other_tools(corpus: Path) -> None:
    tools = corpus / "format-samples" / "other-tools"
    expected = {
        "istanbul-c8/cobertura-coverage.xml": (Totals(27, 17, 7, 5), {"src/calc.js",
                                                                     "src/unused.js"}),
        "istanbul-c8/lcov.info": (Totals(27, 17, 7, 5), {"src/calc.js", "src/unused.js"}),
        "gcovr/gcovr-cobertura.xml": (Totals(13, 8, 6, 3), {"src/calc.c", "src/main.c"}),
        "gcovr/gcovr-lcov.info": (Totals(13, 8, 6, 3), {"src/calc.c", "src/main.c"}),
        "handwritten/coverlet.cobertura.xml": (
            Totals(12, 9, 4, 2), {"src/Demo.Core/Calculator.cs", "src/Demo.Core/Util/Util.cs"}),
    }
    for name, (totals, files) in expected.items():
        report = read_report(tools / name)
        assert (report.totals, set(report.files)) == (totals, files), name
        assert report.branch_kind != ARC, name
    unsupported = {
        "handwritten/jacoco.xml": "unsupported format (JaCoCo",
        "handwritten/go-coverprofile.out": "unsupported format (Go",
        "istanbul-c8/coverage-summary.json": "not a coverage.py JSON report",
        "gcovr/gcovr-summary.json": "not a coverage.py JSON report",
    }
    for name, reason in unsupported.items():
        with pytest.raises(ReportError) as info:
            read_report(tools / name)
        assert reason in info.value.reason, name


@pytest.mark.shared
def test_junit_of_other_pytest_versions_and_outcomes(corpus: Path) -> None:
    junit = corpus / "format-samples" / "junit"
    expected = {
        "pytest-xunit2.xml": TestCounts(10, 2, 2, 2),
        "pytest-xunit1.xml": TestCounts(10, 2, 2, 2),
        "pytest-collection-error-stops.xml": TestCounts(1, 0, 1, 0),
        "pytest-5.0.1-bare-testsuite.xml": TestCounts(1, 0, 0, 0),
        "pytest-5.1.0-testsuites-root.xml": TestCounts(1, 0, 0, 0),
    }
    for name, counts in expected.items():
        report = read_report(junit / name)
        assert (report.format, report.tests) == ("junit", counts), name
    assert read_report(corpus / "packaging-full" / "pytest-report.xml.gz").tests == TestCounts(
        62423, 0, 0, 0)
