"""The job verdicts and THE "Logs for this run" table (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ci_toolkit.joblist import (
    CONCLUSIONS,
    Job,
    Step,
    Verdict,
    clocks_wrong,
    count_line,
    duration,
    duration_cell,
    failed_step,
    is_failed,
    is_pending,
    jobs_table,
    ordered,
    outcome,
    step_url,
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
    assert lines[2] == "❌ 1 failed, of 1"
    assert lines[4] == "| Job | Result | Duration | Log |"
    assert lines[6] == ("| `build` | ❌ failure | — | "
                        "[log](https://github.com/o/r/actions/runs/1/job/7) |")


def test_no_title_no_heading_and_no_url_no_link() -> None:
    text = jobs_table([job(url=None)])
    assert text.startswith("✅ 1 passed, of 1\n\n| Job |")
    assert text.splitlines()[4].endswith("| — |")


def test_empty_list_says_so() -> None:
    assert jobs_table([], title="T") == "### T\n\n_No jobs._"


@pytest.mark.parametrize("name", HOSTILE)
def test_names_from_outside_show_exactly_as_given(name: str) -> None:
    page = render(jobs_table([job(name), job("next", conclusion="failure")], title="Jobs"))
    assert page.rows() == [  # failed first
        ["next", "❌ failure", "—", "log"], [seen(name, code=True), "✅ success", "—", "log"]]
    assert page.links == ["https://github.com/o/r/actions/runs/1/job/7"] * 2
    assert set(page.elements) == {"h3", "p", "table", "thead", "tbody", "tr", "th", "td",
                                  "code", "a"}


def test_caller_callee_and_matrix_names_are_kept_readable() -> None:
    text = jobs_table([job("CI / test (3.12, ubuntu-latest)")])
    assert "| `CI / test (3.12, ubuntu-latest)` |" in text


def test_several_attempts_add_an_attempt_column() -> None:
    text = jobs_table([job("a", attempt=1, conclusion="failure"), job("a", attempt=2, id=8)])
    assert "| Job | Result | Duration | Log | Attempt |" in text
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
    assert rows == full.splitlines()[6:6 + len(rows)]  # whole rows, in order
    assert cut.rstrip().endswith(f"_… and {256 - len(rows)} more jobs, left out to stay within "
                                 "the size limit._")


def test_limit_not_reached_changes_nothing() -> None:
    jobs = [job(f"j{i}", id=i) for i in range(5)]
    assert jobs_table(jobs, limit=10**6) == jobs_table(jobs)


def test_tiny_limit_never_exceeds_it() -> None:
    jobs = [job(f"j{i}", id=i) for i in range(5)]
    assert len(jobs_table(jobs, title="Logs", limit=60).encode()) <= 60


# --- 1.1: the table says why: counts, order, durations, the failing step ------------------

T0 = datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)


def timed(name: str, conclusion: str | None = "success", *, status: str = "completed",
          seconds: float | None = 90, steps: tuple[Step, ...] = (), id: int = 7) -> Job:
    return Job(id=id, name=name, status=status, conclusion=conclusion,
               url=f"https://github.com/o/r/actions/runs/1/job/{id}", attempt=1,
               started_at=T0, completed_at=None if seconds is None else T0 + timedelta(
                   seconds=seconds), steps=steps)


def step(number: int, name: str, conclusion: str | None = "success",
         status: str = "completed") -> Step:
    return Step(number, name, status, conclusion)


def body_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ")][2:]


def test_count_line_counts_every_verdict_of_how_many() -> None:
    jobs = [timed("a", "failure"), timed("b", "cancelled"), timed("c"), timed("d", "skipped"),
            timed("e", None, status="in_progress", seconds=None), timed("f", "neutral")]
    assert count_line(jobs) == ("❌ 2 failed · 🏃 1 running · ✅ 1 passed · ⏭️ 1 skipped · "
                                "⚪ 1 neutral, of 6")
    assert count_line([timed("a")]) == "✅ 1 passed, of 1"


def test_failed_first_then_pending_then_the_rest_each_in_run_order() -> None:
    jobs = [timed("pass-1", id=1), timed("fail-1", "failure", id=2),
            timed("run-1", None, status="in_progress", seconds=None, id=3),
            timed("skip-1", "skipped", id=4), timed("fail-2", "timed_out", id=5),
            timed("queued-1", None, status="queued", seconds=None, id=6), timed("pass-2", id=8)]
    assert [j.name for j in ordered(jobs)] == ["fail-1", "fail-2", "run-1", "queued-1",
                                               "pass-1", "skip-1", "pass-2"]
    names = [row.split(" | ")[0].lstrip("| ").strip("`") for row in body_rows(jobs_table(jobs))]
    assert names == ["fail-1", "fail-2", "run-1", "queued-1", "pass-1", "skip-1", "pass-2"]


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "0s"), (45.9, "45s"), (192, "3m 12s"), (3600, "1h 00m"), (3720 + 59, "1h 02m")])
def test_duration_of_a_finished_job(seconds: float, shown: str) -> None:
    assert duration_cell(timed("a", seconds=seconds)) == shown
    assert duration(timed("a", seconds=seconds)) == seconds


def test_a_running_job_shows_its_time_so_far() -> None:
    running = timed("a", None, status="in_progress", seconds=None)
    now = T0 + timedelta(minutes=4, seconds=5)
    assert duration(running, now) == 245
    assert duration_cell(running, now) == "4m 05s so far"
    assert "| `a` | 🏃 running | 4m 05s so far |" in jobs_table([running], now=now)


def test_a_queued_job_has_no_duration_yet() -> None:
    assert duration_cell(timed("a", None, status="queued", seconds=None)) == "—"


def test_clocks_in_the_wrong_order_give_no_duration_but_the_row_shows() -> None:
    backwards = timed("a", "failure", seconds=-30)
    assert duration(backwards) is None and duration_cell(backwards) == "—"
    assert clocks_wrong(backwards.started_at, backwards.completed_at)
    assert "| `a` | ❌ failure | — |" in jobs_table([backwards])


def test_a_missing_start_or_end_gives_no_duration() -> None:
    no_start = Job(1, "a", "completed", "success", None, 1, completed_at=T0)
    assert duration(no_start) is None
    assert duration(timed("a", seconds=None)) is None


def test_the_first_failed_step_is_named_and_linked_to_its_log_line() -> None:
    steps = (step(1, "Set up job"), step(2, "Run actions/checkout@v4"),
             step(3, "Run tests", "failure"), step(4, "Upload", "cancelled"),
             step(5, "Complete job"))
    failed = timed("test", "failure", steps=steps)
    found = failed_step(failed)
    assert found is not None and (found.number, found.name) == (3, "Run tests")
    assert step_url(failed, found) == "https://github.com/o/r/actions/runs/1/job/7#step:3:1"
    text = jobs_table([failed, timed("lint", id=9)])
    assert "| Job | Result | Duration | Failed step | Log |" in text
    assert ("| `test` | ❌ failure | 1m 30s | "
            "[Run tests](https://github.com/o/r/actions/runs/1/job/7#step:3:1) |") in text
    assert body_rows(text)[1].startswith("| `lint` | ✅ success | 1m 30s |  | [log]")


def test_a_passed_job_has_no_failed_step_and_nor_has_one_without_steps() -> None:
    ignored = timed("a", steps=(step(1, "flaky", "failure"),))  # continue-on-error
    assert failed_step(ignored) is None
    assert failed_step(timed("b", "failure")) is None
    assert "Failed step" not in jobs_table([ignored])
    assert "| `b` | ❌ failure | 1m 30s | [log]" in jobs_table([timed("b", "failure")])


def test_a_step_name_from_outside_is_inert() -> None:
    nasty = timed("a", "failure", steps=(step(2, "Run `x` | <b>@team</b>", "failure"),))
    row = body_rows(jobs_table([nasty]))[0]
    assert row.count(" | ") == 4 and "<b>" not in row and "@team" not in row
