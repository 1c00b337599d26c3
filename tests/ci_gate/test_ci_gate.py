"""ci-gate: the pure decision (every result × policy), and the action both ways it runs: the
composite step of ci-gate/action.yml (the runner's own Python, no site-packages at all) and the
installed `ci-toolkit` entry point (pipx, the image). Both give the same exit codes, messages,
outputs and summary."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from ci_toolkit.ci_gate import decision as gate
from ci_toolkit.ci_gate.decision import Policy
from ci_toolkit.markdown import escape
from composite import INPUT_EXPRESSION, action, bare_python, can_import, run_composite
from conftest import ROOT, Result, run_action
from rendered import HOSTILE, render

# result × policy → does the job pass its policy? The full table, written out, not computed.
CASES = [
    ("success", Policy.REQUIRED, True),
    ("failure", Policy.REQUIRED, False),
    ("cancelled", Policy.REQUIRED, False),
    ("skipped", Policy.REQUIRED, False),
    ("", Policy.REQUIRED, False),  # no result at all: fail closed
    ("some_future_result", Policy.REQUIRED, False),
    ("success", Policy.MAY_SKIP, True),
    ("failure", Policy.MAY_SKIP, False),
    ("cancelled", Policy.MAY_SKIP, False),
    ("skipped", Policy.MAY_SKIP, True),
    ("", Policy.MAY_SKIP, False),
    ("some_future_result", Policy.MAY_SKIP, False),
    ("success", Policy.MAY_FAIL, True),
    ("failure", Policy.MAY_FAIL, True),
    ("cancelled", Policy.MAY_FAIL, True),
    ("skipped", Policy.MAY_FAIL, True),
    ("", Policy.MAY_FAIL, True),  # "its result does not matter"
    ("some_future_result", Policy.MAY_FAIL, True),
]
LISTS = {
    Policy.REQUIRED: ((), ()),
    Policy.MAY_SKIP: ((), ("job",)),
    Policy.MAY_FAIL: (("job",), ()),
}


def test_the_case_table_covers_every_result_and_policy() -> None:
    covered = {(result, rule) for result, rule, _ in CASES}
    assert covered == {(r, p) for r in (*gate.RESULTS, "", "some_future_result") for p in Policy}


@pytest.mark.parametrize(("result", "rule", "ok"), CASES)
def test_decide_one_need(result: str, rule: Policy, ok: bool) -> None:
    failures, skips = LISTS[rule]
    [verdict] = gate.decide({"job": result}, failures, skips)
    assert (verdict.policy, verdict.ok) == (rule, ok)
    assert gate.passed([verdict]) is ok


@pytest.mark.parametrize(("result", "rule", "ok"), CASES)
def test_one_bad_need_fails_the_whole_gate(result: str, rule: Policy, ok: bool) -> None:
    failures, skips = LISTS[rule]
    verdicts = gate.decide({"lint": "success", "job": result, "docs": "success"}, failures, skips)
    assert gate.passed(verdicts) is ok
    assert [v.job for v in verdicts if not v.ok] == ([] if ok else ["job"])


def test_in_both_lists_the_wider_policy_wins() -> None:
    [verdict] = gate.decide({"job": "cancelled"}, ["job"], ["job"])
    assert verdict.policy is Policy.MAY_FAIL and verdict.ok


def test_empty_needs_fails() -> None:
    assert gate.decide({}) == []
    assert gate.passed([]) is False


def test_parse_needs_reads_to_json_of_needs() -> None:
    text = json.dumps({"build": {"result": "success", "outputs": {"a": "1"}},
                       "test": {"result": "skipped", "outputs": {}}})
    assert gate.parse_needs(text) == {"build": "success", "test": "skipped"}


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"build": "success"}', '"x"'])
def test_parse_needs_refuses_what_to_json_never_gives(text: str) -> None:
    with pytest.raises(gate.NeedsError):
        gate.parse_needs(text)


def test_strangers_are_names_that_are_not_needs() -> None:
    assert gate.strangers({"a": "success"}, ["a", "b"], ["c"]) == ["b", "c"]


# --- the action, through the composite step and through the entry point ----------------------

Runner = Callable[..., Result]


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a Python that can import nothing but the standard library."""
    return bare_python(tmp_path_factory.mktemp("bare") / "venv")


def composite_runner(bare: Path) -> Runner:
    def run(inputs: Mapping[str, str], *, tmp_path: Path) -> Result:
        return run_composite("ci-gate", inputs, tmp_path=tmp_path, path=[bare])
    return run


def entry_point(inputs: Mapping[str, str], *, tmp_path: Path) -> Result:
    return run_action("ci-gate", inputs, tmp_path=tmp_path)


@pytest.fixture(params=["composite", "entry-point"])
def run_gate(request: pytest.FixtureRequest, bare: Path) -> Runner:
    return composite_runner(bare) if request.param == "composite" else entry_point


def needs(**results: str) -> str:
    return json.dumps({job: {"result": r, "outputs": {}} for job, r in results.items()})


def test_all_green_passes(run_gate: Runner, tmp_path: Path) -> None:
    result = run_gate({"needs": needs(build="success", test="success")}, tmp_path=tmp_path)
    assert result.rc == 0, result.stdout + result.stderr
    assert result.outputs == {"result": "success", "failed": "[]"}
    assert "### ✅ CI gate: success" in result.summary


def test_failure_exits_1_with_a_table_of_job_result_policy_verdict(run_gate: Runner,
                                                                   tmp_path: Path) -> None:
    result = run_gate({
        "needs": needs(build="success", test="failure", docs="failure", e2e="skipped",
                       lint="cancelled"),
        "allowed-failures": "docs",
        "allowed-skips": "e2e\nlint",
    }, tmp_path=tmp_path)
    assert result.rc == 1
    assert result.outputs["result"] == "failure"
    assert json.loads(result.outputs["failed"]) == ["test", "lint"]
    page = render(result.summary)
    assert page.tables[0][0] == ["Job", "Result", "Policy", "Verdict"]
    assert sorted(page.rows()) == [
        ["build", "success", "must succeed", "✅ ok"],
        ["docs", "failure", "may fail", "✅ ok"],
        ["e2e", "skipped", "may be skipped", "✅ ok"],
        ["lint", "cancelled", "may be skipped", "❌ fails the gate"],
        ["test", "failure", "must succeed", "❌ fails the gate"],
    ]
    assert any("test, lint" in line for line in result.errors)


def test_lists_as_json_arrays(run_gate: Runner, tmp_path: Path) -> None:
    result = run_gate({"needs": needs(a="failure", b="skipped"),
                       "allowed-failures": '["a"]', "allowed-skips": '["b"]'}, tmp_path=tmp_path)
    assert result.rc == 0 and result.outputs["result"] == "success"


def test_empty_needs_fails_with_a_clear_message(run_gate: Runner, tmp_path: Path) -> None:
    result = run_gate({"needs": "{}"}, tmp_path=tmp_path)
    assert result.rc == 1
    assert result.outputs["result"] == "failure"
    assert "`needs` is empty" in result.summary
    assert any("needs" in line for line in result.errors)


def test_allow_list_naming_a_non_need_is_an_input_error(run_gate: Runner,
                                                        tmp_path: Path) -> None:
    result = run_gate({"needs": needs(build="success"), "allowed-skips": "buidl"},
                      tmp_path=tmp_path)
    assert result.rc == 2
    assert any("allowed-skips" in line and "buidl" in line for line in result.errors)
    assert "result" not in result.outputs  # no decision made on a broken configuration


@pytest.mark.parametrize("value", ["", "needs", "[]"])
def test_missing_or_malformed_needs_is_an_input_error(run_gate: Runner, tmp_path: Path,
                                                       value: str) -> None:
    result = run_gate({"needs": value}, tmp_path=tmp_path)
    assert result.rc == 2
    assert any("needs" in line for line in result.errors)


def test_job_ids_from_outside_show_exactly_as_given(run_gate: Runner, tmp_path: Path) -> None:
    names = [name for name in HOSTILE if "\n" not in name and name == name.strip()]
    result = run_gate({"needs": needs(**dict.fromkeys(names, "success"))}, tmp_path=tmp_path)
    assert result.rc == 0
    page = render(result.summary)
    assert page.column(0) == names
    assert all(len(row) == 4 for row in page.rows())
    assert page.links == [] and "script" not in page.elements and "b" not in page.elements


# --- the composite step: the runner's own Python, nothing installed ---------------------------

def test_the_bare_python_has_no_site_packages(bare: Path) -> None:
    python = bare / "python"
    assert can_import(python, "json")
    for module in ("yaml", "github", "requests", "defusedxml", "coverage", "ci_toolkit"):
        assert not can_import(python, module), module


@pytest.mark.parametrize(("result", "rule", "ok"), CASES)
def test_composite_decides_the_whole_case_table(bare: Path, tmp_path: Path, result: str,
                                                rule: Policy, ok: bool) -> None:
    failures, skips = LISTS[rule]
    inputs = {"needs": json.dumps({"lint": {"result": "success"}, "job": {"result": result},
                                   "docs": {"result": "success"}}),
              "allowed-failures": ",".join(failures), "allowed-skips": ",".join(skips)}
    got = run_composite("ci-gate", inputs, tmp_path=tmp_path, path=[bare])
    assert got.rc == (0 if ok else 1), got.stdout + got.stderr
    assert got.outputs == {"result": "success" if ok else "failure",
                           "failed": "[]" if ok else '["job"]'}
    verdict = "✅ ok" if ok else "❌ fails the gate"
    row = f"| `job` | {escape(result or '(none)')} | {rule.value} | {verdict} |"
    assert row in got.summary.splitlines()


@pytest.mark.parametrize("inputs", [
    {"needs": needs(build="success", test="failure", docs="skipped"), "allowed-skips": "docs"},
    {"needs": needs(build="success"), "allowed-failures": "nope"},
    {"needs": "not json"},
    {"needs": "{}"},
], ids=["failure", "stranger", "not-json", "empty"])
def test_composite_and_entry_point_say_the_same(bare: Path, tmp_path: Path,
                                                inputs: dict[str, str]) -> None:
    composite = run_composite("ci-gate", inputs, tmp_path=tmp_path / "c", path=[bare])
    (tmp_path / "e").mkdir()
    installed = run_action("ci-gate", inputs, tmp_path=tmp_path / "e")
    assert composite.rc == installed.rc
    assert composite.stdout == installed.stdout  # every message, annotation for annotation
    assert composite.outputs == installed.outputs
    assert composite.summary == installed.summary


def test_the_gate_path_imports_only_the_standard_library(bare: Path, tmp_path: Path) -> None:
    """cli → runtime → markdown → gate: every module loaded is the standard library's or ours,
    including any an optional `try: import` would have pulled in."""
    code = ("import json, os, sys; sys.path.insert(0, os.environ['SRC']); "
            "from ci_toolkit.cli import main; rc = main(['ci-gate']); "
            "print(json.dumps(sorted(sys.modules)), file=sys.stderr); sys.exit(rc)")
    done = subprocess.run([str(bare / "python"), "-I", "-S", "-c", code], capture_output=True,
                          text=True, check=False, cwd=tmp_path,
                          env={"SRC": str(ROOT / "src"), "INPUT_NEEDS": needs(a="success")})
    assert done.returncode == 0, done.stdout + done.stderr
    modules = json.loads(done.stderr.splitlines()[-1])
    outside = {m for m in modules if m.split(".")[0] not in sys.stdlib_module_names
               and m.split(".")[0] not in {"ci_toolkit", "__main__"}}
    assert not outside
    assert not {m for m in modules if m.startswith("ci_toolkit.github")}


def test_inputs_reach_the_script_through_env_only() -> None:
    meta = action("ci-gate")
    assert meta["runs"]["using"] == "composite"
    [step] = meta["runs"]["steps"]
    assert step["shell"] == "bash"
    assert "${{" not in step["run"]
    passed = {m.group(1) for value in step["env"].values()
              for m in INPUT_EXPRESSION.finditer(str(value))}
    assert passed == set(meta["inputs"])


# --- which Python the step finds --------------------------------------------------------------

def fake_python(path: Path, version: tuple[int, int], real: Path, log: Path) -> Path:
    """An executable that reports `version` to the step's probe and otherwise runs `real`,
    noting in `log` that it was the one chosen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\ncase \"$*\" in *version_info*) "
                    f"echo {version[0] * 1000 + version[1]}; exit 0 ;; esac\n"
                    f"echo \"$0\" >> '{log}'\nexec '{real}' \"$@\"\n")
    path.chmod(0o755)
    return path


def test_python_on_path_is_used_when_it_is_3_11_or_newer(bare: Path, tmp_path: Path) -> None:
    log = tmp_path / "chosen"
    on_path = tmp_path / "path"
    fake_python(on_path / "python3", (3, 9), bare / "python", log)
    chosen = fake_python(on_path / "python", (3, 12), bare / "python", log)
    cache = tmp_path / "cache"
    fake_python(cache / "Python/3.13.1/x64/bin/python3", (3, 13), bare / "python", log)
    got = run_composite("ci-gate", {"needs": needs(a="success")}, tmp_path=tmp_path,
                        path=[on_path], tool_cache=cache)
    assert got.rc == 0, got.stdout + got.stderr
    assert log.read_text().split() == [str(chosen)]


@pytest.mark.parametrize("layout", ["{arch}/bin/python3", "{arch}/python.exe"],
                         ids=["linux-macos", "windows"])
@pytest.mark.parametrize("arch", ["x64", "arm64"])
def test_too_old_on_path_takes_the_newest_from_the_tool_cache(
        bare: Path, tmp_path: Path, layout: str, arch: str) -> None:
    log = tmp_path / "chosen"
    on_path = tmp_path / "path"
    fake_python(on_path / "python", (3, 9), bare / "python", log)  # Windows Server 2022's
    cache = tmp_path / "hostedtoolcache"
    found = {}
    for version in ((3, 10), (3, 13), (3, 11), (3, 12)):
        where = cache / "Python" / f"{version[0]}.{version[1]}.4" / layout.format(arch=arch)
        found[version] = fake_python(where, version, bare / "python", log)
    got = run_composite("ci-gate", {"needs": needs(a="failure")}, tmp_path=tmp_path,
                        path=[on_path], tool_cache=cache)
    assert got.rc == 1, got.stdout + got.stderr  # the decision itself, from the chosen Python
    assert got.outputs["failed"] == '["a"]'
    assert log.read_text().split() == [str(found[(3, 13)])]


@pytest.mark.parametrize("cache", [True, False], ids=["old-cache", "no-cache"])
def test_no_python_3_11_is_a_clear_error_naming_setup_python(
        bare: Path, tmp_path: Path, cache: bool) -> None:
    log = tmp_path / "chosen"
    on_path = tmp_path / "path"
    fake_python(on_path / "python", (3, 9), bare / "python", log)
    tool_cache = tmp_path / "hostedtoolcache"
    fake_python(tool_cache / "Python/3.10.11/x64/bin/python3", (3, 10), bare / "python", log)
    got = run_composite("ci-gate", {"needs": needs(a="success")}, tmp_path=tmp_path,
                        path=[on_path], tool_cache=tool_cache if cache else None)
    assert got.rc == 2
    [error] = got.errors
    assert "Python 3.11" in error and "actions/setup-python" in error
    assert not log.exists() and not got.outputs and not got.summary
