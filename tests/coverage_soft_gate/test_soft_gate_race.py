"""Two soft-gate runs racing on a repository with no tracking issue leave exactly ONE open."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from test_soft_gate_support import add_run, run_gate, sample_report, tracking_issues

from fake_github import FakeGitHub


class RacingFake(FakeGitHub):
    """Holds every issue create until both runs have sent one: both listed, found nothing,
    and created, which is the race the gate must settle."""

    def __init__(self) -> None:
        super().__init__()
        self.both_creating = threading.Barrier(2, timeout=60)

    def _handle_api(self, h: Any, method: str) -> None:
        if method == "POST" and h.path.split("?")[0].endswith("/issues"):
            self.both_creating.wait()
        super()._handle_api(h, method)


@pytest.fixture
def racing() -> Iterator[RacingFake]:
    with RacingFake() as server:
        yield server


def test_two_concurrent_runs_leave_exactly_one_open_issue(tmp_path: Path, racing: Any) -> None:
    add_run(racing, {"coverage-a": sample_report("a")})
    folders = [tmp_path / "one", tmp_path / "two"]
    for folder in folders:
        folder.mkdir()

    with ThreadPoolExecutor(2) as pool:  # two real `ci-toolkit` processes at once
        results = list(pool.map(lambda folder: run_gate(folder, racing), folders))

    creates = [r for r in racing.requests
               if r.method == "POST" and r.path == f"/repos/{racing.repo_full_name}/issues"]
    assert len(creates) == 2  # both listed, found nothing and created
    [kept] = tracking_issues(racing)
    [closed] = tracking_issues(racing, state="closed")
    assert kept["number"] < closed["number"]
    assert closed["state_reason"] == "not_planned"
    assert any(f"#{kept['number']}" in c["body"] for c in racing.comments[closed["number"]])
    # Both runs report on the one issue that stays open, and say so in their outputs.
    assert [r.outputs["issue-number"] for r in results] == [str(kept["number"])] * 2
    assert len(racing.comments[kept["number"]]) == 2
    assert all(r.warnings == [] for r in results)
