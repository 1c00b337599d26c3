"""ci-gate: the pure decision (every result × policy) and the action through its entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_toolkit import gate
from ci_toolkit.gate import Policy
from conftest import run_action

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


# --- the action, through the real entry point ------------------------------------------------

def needs(**results: str) -> str:
    return json.dumps({job: {"result": r, "outputs": {}} for job, r in results.items()})


def test_all_green_passes(tmp_path: Path) -> None:
    result = run_action("ci-gate", {"needs": needs(build="success", test="success")},
                        tmp_path=tmp_path)
    assert result.rc == 0, result.stdout + result.stderr
    assert result.outputs == {"result": "success", "failed": "[]"}
    assert "### ✅ CI gate: success" in result.summary


def test_failure_exits_1_with_a_table_of_job_result_policy_verdict(tmp_path: Path) -> None:
    result = run_action("ci-gate", {
        "needs": needs(build="success", test="failure", docs="failure", e2e="skipped",
                       lint="cancelled"),
        "allowed-failures": "docs",
        "allowed-skips": "e2e\nlint",
    }, tmp_path=tmp_path)
    assert result.rc == 1
    assert result.outputs["result"] == "failure"
    assert json.loads(result.outputs["failed"]) == ["test", "lint"]
    assert "| Job | Result | Policy | Verdict |" in result.summary
    assert "| test | failure | must succeed | ❌ fails the gate |" in result.summary
    assert "| docs | failure | may fail | ✅ ok |" in result.summary
    assert "| e2e | skipped | may be skipped | ✅ ok |" in result.summary
    assert "| lint | cancelled | may be skipped | ❌ fails the gate |" in result.summary
    assert any("test, lint" in line for line in result.errors)


def test_lists_as_json_arrays(tmp_path: Path) -> None:
    result = run_action("ci-gate", {"needs": needs(a="failure", b="skipped"),
                                    "allowed-failures": '["a"]', "allowed-skips": '["b"]'},
                        tmp_path=tmp_path)
    assert result.rc == 0 and result.outputs["result"] == "success"


def test_empty_needs_fails_with_a_clear_message(tmp_path: Path) -> None:
    result = run_action("ci-gate", {"needs": "{}"}, tmp_path=tmp_path)
    assert result.rc == 1
    assert result.outputs["result"] == "failure"
    assert "`needs` is empty" in result.summary
    assert any("needs" in line for line in result.errors)


def test_allow_list_naming_a_non_need_is_an_input_error(tmp_path: Path) -> None:
    result = run_action("ci-gate", {"needs": needs(build="success"),
                                    "allowed-skips": "buidl"}, tmp_path=tmp_path)
    assert result.rc == 2
    assert any("allowed-skips" in line and "buidl" in line for line in result.errors)
    assert "result" not in result.outputs  # no decision made on a broken configuration


@pytest.mark.parametrize("value", ["", "needs", "[]"])
def test_missing_or_malformed_needs_is_an_input_error(tmp_path: Path, value: str) -> None:
    result = run_action("ci-gate", {"needs": value}, tmp_path=tmp_path)
    assert result.rc == 2
    assert any("needs" in line for line in result.errors)


def test_job_ids_from_outside_are_escaped_in_the_summary(tmp_path: Path) -> None:
    result = run_action("ci-gate", {"needs": needs(**{"a|b": "failure", "@team": "success"})},
                        tmp_path=tmp_path)
    assert result.rc == 1
    assert r"| a\|b | failure |" in result.summary
    assert "@team" not in result.summary
