"""Every request an action makes says who it is, and sends no empty filter (the fake records
each request as GitHub would see it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_soft_gate_support import add_run, run_gate, sample_report

from ci_toolkit import __version__
from conftest import run_action

EXPECTED = {
    "User-Agent": f"ci-toolkit/{__version__}",
    "X-GitHub-Api-Version": "2022-11-28",
    "Accept": "application/vnd.github+json",
}


def check_requests(fake: Any) -> None:
    assert fake.requests
    for request in fake.requests:
        where = f"{request.method} {request.path}"
        for name, value in EXPECTED.items():
            if name == "Accept" and request.path.endswith(("/zip", "/logs")):
                continue  # a download asks for the file itself
            assert request.headers.get(name) == value, (where, name, request.headers.get(name))
        assert all(value != "" for value in request.query.values()), (where, request.query)


def test_the_soft_gate_says_who_it_is(tmp_path: Path, fake: Any) -> None:
    add_run(fake, {"coverage-py311": sample_report("a")})
    run_gate(tmp_path, fake)  # lists artifacts, downloads, lists jobs, creates the issue
    assert fake.count("POST") >= 2
    check_requests(fake)


def test_job_logs_and_bulk_issues_say_who_they_are(tmp_path: Path, fake: Any) -> None:
    fake.add_run(1001, jobs=[{"name": "a", "conclusion": "failure"}])
    (tmp_path / "a").mkdir()
    assert run_action("job-logs", tmp_path=tmp_path / "a", fake=fake).rc == 0
    (tmp_path / "b").mkdir()
    result = run_action("bulk-issues", {"spec": "## One\nLabels: x\nbody\n"},
                        tmp_path=tmp_path / "b", fake=fake)
    assert result.rc == 0 and fake.issues
    check_requests(fake)


@pytest.mark.parametrize("label", ["", "tech:coverage"])
def test_an_unfiltered_issue_list_sends_no_empty_labels(tmp_path: Path, fake: Any,
                                                        label: str) -> None:
    add_run(fake, {"coverage-py311": sample_report("a")})
    run_gate(tmp_path, fake, {"issue-label": label})
    lists = [r for r in fake.requests if r.method == "GET" and r.path.endswith("/issues")]
    assert lists and all(("labels" in r.query) == bool(label) for r in lists[:1])
    check_requests(fake)
