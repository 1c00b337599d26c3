"""The lines of a job's log that say why it failed (pure), judged on logs shaped like GitHub's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from joblog_samples import T0, LogStep, failing_job, lines, stamp

from ci_toolkit.github.jobs import timestamp
from ci_toolkit.job_logs.excerpts import (
    MAX_LINE,
    Window,
    block,
    clean,
    decoded_lines,
    find,
)
from ci_toolkit.markdown import fenced
from rendered import render

TESTS = ["============ test session starts ============", "collected 3 items",
         "tests/test_x.py ..F", "E   assert 1 == 2", "FAILED tests/test_x.py::test_y"]


def window_of(job: dict, number: int) -> Window | None:
    step = job["steps"][number - 1]
    return Window.of(timestamp(step["started_at"]), timestamp(step["completed_at"]))


def test_the_failing_steps_lines_up_to_its_error_without_header_or_timestamps() -> None:
    job, log = failing_job("test", TESTS)
    found = find(log.splitlines(), window_of(job, 3), 20)
    assert found.missing == "" and found.by_window and found.header == "Run pytest -q"
    assert found.lines == [*TESTS, "Error: Process completed with exit code 1."]


def test_at_most_the_asked_number_of_lines_ending_at_the_error() -> None:
    job, log = failing_job("test", [f"line {i}" for i in range(100)])
    found = find(log.splitlines(), window_of(job, 3), 5)
    assert found.lines == ["line 96", "line 97", "line 98", "line 99",
                           "Error: Process completed with exit code 1."]


def test_the_api_name_differs_from_the_header_and_the_window_finds_it() -> None:
    job, log = failing_job("test", TESTS, command="make check")
    assert job["steps"][2]["name"] == "Tests"  # the API's name; the log says `Run make check`
    assert find(log.splitlines(), window_of(job, 3), 3).header == "Run make check"


def test_an_earlier_steps_error_outside_the_window_is_not_the_one() -> None:
    steps = [LogStep("Lint", "ruff check .", ["lint output"], errors=["ruff found 2 issues"]),
             LogStep("Tests", "pytest", ["the test output"], fails=True)]
    log = list(lines(steps))
    window = Window.of(T0 + timedelta(seconds=7), T0 + timedelta(seconds=12))
    assert find(log, window, 5).lines == ["the test output",
                                          "Error: Process completed with exit code 1."]
    first = find(log, None, 5)  # no window: the first error line of the log
    assert first.lines == ["lint output", "Error: ruff found 2 issues"] and not first.by_window


def test_colour_codes_bom_and_control_characters_are_stripped() -> None:
    assert clean("\ufeff2026-01-15T10:00:00.1234567Z \x1b[1;31mred\x1b[0m\x07 done\r") == (
        "2026-01-15T10:00:00", "red done")
    assert clean("no stamp at all") == (None, "no stamp at all")
    assert clean("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\")[1] == "link"


def test_a_long_line_is_cut_for_the_excerpt() -> None:
    job, log = failing_job("test", ["x" * 5000])
    [long, _] = find(log.splitlines(), window_of(job, 3), 2).lines
    assert len(long) == MAX_LINE and long.endswith("…")


def test_without_step_markers_the_excerpt_says_why() -> None:
    log = [stamp(T0) + " just text", stamp(T0) + " more text"]
    found = find(log, Window.of(T0, T0), 20)
    assert found.lines == [] and "no step markers" in found.missing


def test_without_an_error_line_the_last_lines_of_the_step_in_the_window() -> None:
    steps = [LogStep("Build", "make", ["compiling", "linking"]),
             LogStep("Tests", "pytest", ["1 passed", "segfault, no error line"])]
    window = Window.of(T0 + timedelta(seconds=7), T0 + timedelta(seconds=12))
    assert find(list(lines(steps)), window, 20).lines == ["1 passed", "segfault, no error line"]
    missing = find(list(lines(steps)), None, 20)
    assert missing.lines == [] and "no error line" in missing.missing


def test_clocks_in_the_wrong_order_give_no_window() -> None:
    assert Window.of(T0, T0 - timedelta(seconds=1)) is None
    assert Window.of(None, T0) is None and Window.of(T0, None) is None


def test_reading_stops_at_the_error_line() -> None:
    job, log = failing_job("test", TESTS)

    def stream() -> Iterator[str]:
        yield from log.splitlines()
        raise AssertionError("read past the error line")

    assert find(stream(), window_of(job, 3), 3).lines[-1].startswith("Error: ")


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_decoded_lines_across_chunk_boundaries_and_multibyte_characters(size: int) -> None:
    data = "première ligne\nzweite Zeile ✓\n\nlast without newline".encode()
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    assert list(decoded_lines(chunks)) == ["première ligne", "zweite Zeile ✓", "",
                                           "last without newline"]


def test_a_line_without_end_costs_only_the_cap() -> None:
    endless = (b"y" * 1024 for _ in range(10_000))  # 10 MB, no newline
    [line] = list(decoded_lines(endless, max_chars=4096))
    assert len(line) == 4096
    assert list(decoded_lines([b"a" * 10, b"b" * 10 + b"\nnext"], max_chars=15)) == [
        "a" * 10 + "b" * 5, "next"]


def test_the_fence_cannot_be_closed_by_the_logs_backticks() -> None:
    quoted = ["```", "a ```` run", "end"]
    assert fenced(quoted).startswith("`````\n") and fenced(["plain"]).startswith("```\n")
    page = render(block(quoted, "The last 3 lines"))
    assert page.codes == ["```\na ```` run\nend\n"]
    assert "details" in page.elements and "pre" in page.elements
