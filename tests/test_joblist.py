"""The job verdicts and THE "Logs for this run" table (pure)."""

from __future__ import annotations

import pytest

from ci_toolkit.joblist import (
    CONCLUSIONS,
    Job,
    Verdict,
    is_failed,
    is_pending,
    jobs_table,
    outcome,
    verdict,
)
from rendered import HOSTILE, render, seen


def job(name: str = "test", status: str = "completed", conclusion: str | None = "success",
        *, attempt: int = 1, url: str | None = "https://github.com/o/r/actions/runs/1/job/7",
        id: int = 7) -> Job:
    return Job(id=id, name=name, status=status, conclusion=conclusion, url=url, attempt=attempt)


# Every conclusion GitHub defines (jobs API and check runs), with the verdict we promise.
@pytest.mark.parametrize(("conclusion", "expected"), [
    ("success", Verdict.PASSED),
    ("neutral", Verdict.NEUTRAL),
    ("skipped", Verdict.SKIPPED),
    ("failure", Verdict.FAILED),
    ("cancelled", Verdict.FAILED),
    ("timed_out", Verdict.FAILED),
    ("action_required", Verdict.FAILED),
    ("startup_failure", Verdict.FAILED),
    ("stale", Verdict.FAILED),
])
def test_every_defined_conclusion_is_mapped_explicitly(conclusion: str, expected: Verdict) -> None:
    assert conclusion in CONCLUSIONS
    assert verdict(job(conclusion=conclusion)) is expected


def test_mapping_has_no_conclusion_left_untested() -> None:
    assert set(CONCLUSIONS) == {"success", "neutral", "skipped", "failure", "cancelled",
                                "timed_out", "action_required", "startup_failure", "stale"}


@pytest.mark.parametrize("conclusion", [None, "", "exploded", "SUCCESS"])
def test_unknown_or_missing_conclusion_is_never_a_pass(conclusion: str | None) -> None:
    done = job(conclusion=conclusion)
    assert verdict(done) is Verdict.FAILED
    assert is_failed(done) and not is_pending(done)
    assert outcome(done).emoji == "❓"


@pytest.mark.parametrize("status", ["queued", "in_progress", "waiting", "requested", "pending",
                                    "some_new_status"])
def test_not_completed_is_pending_never_passed_nor_failed(status: str) -> None:
    running = job(status=status, conclusion=None)
    assert verdict(running) is Verdict.PENDING
    assert is_pending(running) and not is_failed(running)


def test_pending_wins_over_a_stray_conclusion() -> None:
    assert is_pending(job(status="in_progress", conclusion="failure"))


def test_the_running_job_is_shown_as_running_not_as_a_result() -> None:
    text = jobs_table([job("job-logs", status="in_progress", conclusion=None)])
    assert "🏃 running" in text
    assert "success" not in text and "failure" not in text


def test_table_has_title_name_result_and_log_link() -> None:
    text = jobs_table([job("build", conclusion="failure")], title="Logs for this run")
    lines = text.splitlines()
    assert lines[0] == "### Logs for this run"
    assert lines[2] == "| Job | Result | Log |"
    assert lines[4] == ("| `build` | ❌ failure | "
                        "[log](https://github.com/o/r/actions/runs/1/job/7) |")


def test_no_title_no_heading_and_no_url_no_link() -> None:
    text = jobs_table([job(url=None)])
    assert text.startswith("| Job |")
    assert text.splitlines()[2].endswith("| — |")


def test_empty_list_says_so() -> None:
    assert jobs_table([], title="T") == "### T\n\n_No jobs._"


@pytest.mark.parametrize("name", HOSTILE)
def test_names_from_outside_show_exactly_as_given(name: str) -> None:
    page = render(jobs_table([job(name), job("next", conclusion="failure")], title="Jobs"))
    assert page.rows() == [
        [seen(name, code=True), "✅ success", "log"], ["next", "❌ failure", "log"]]
    assert page.links == ["https://github.com/o/r/actions/runs/1/job/7"] * 2
    assert set(page.elements) == {"h3", "table", "thead", "tbody", "tr", "th", "td", "code", "a"}


def test_caller_callee_and_matrix_names_are_kept_readable() -> None:
    text = jobs_table([job("CI / test (3.12, ubuntu-latest)")])
    assert "| `CI / test (3.12, ubuntu-latest)` |" in text


def test_several_attempts_add_an_attempt_column() -> None:
    text = jobs_table([job("a", attempt=1, conclusion="failure"), job("a", attempt=2, id=8)])
    assert "| Job | Result | Log | Attempt |" in text
    assert text.splitlines()[-1].endswith("| 2 |")


def test_one_attempt_has_no_attempt_column() -> None:
    assert "Attempt" not in jobs_table([job(attempt=3)])


@pytest.mark.parametrize("unit", ["bytes", "chars"])
def test_limit_keeps_whole_rows_and_says_how_many_were_left_out(unit: str) -> None:
    jobs = [job(f"job-{i:03d} ✓", id=i) for i in range(256)]
    full = jobs_table(jobs, title="Logs")
    size = len(full) if unit == "chars" else len(full.encode())
    limit = size // 3
    cut = jobs_table(jobs, title="Logs", limit=limit, unit=unit)
    assert (len(cut) if unit == "chars" else len(cut.encode())) <= limit
    rows = [line for line in cut.splitlines() if line.startswith("| `job-")]
    assert 0 < len(rows) < 256
    assert rows == full.splitlines()[4:4 + len(rows)]  # whole rows, in order
    assert cut.rstrip().endswith(f"_… and {256 - len(rows)} more jobs, left out to stay within "
                                 "the size limit._")


def test_limit_not_reached_changes_nothing() -> None:
    jobs = [job(f"j{i}", id=i) for i in range(5)]
    assert jobs_table(jobs, limit=10**6) == jobs_table(jobs)


def test_tiny_limit_never_exceeds_it() -> None:
    jobs = [job(f"j{i}", id=i) for i in range(5)]
    assert len(jobs_table(jobs, title="Logs", limit=60).encode()) <= 60
