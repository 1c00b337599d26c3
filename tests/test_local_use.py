"""Local use without traps, through the real entry point: no token and a refused token are told
apart; a refused connection, an unknown host and a time-out are named as what they are, with
the URL; a glob that matches nothing names the glob and the folder; a folder given to `files`
gets the glob to use."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ci_toolkit.github.client import explain
from conftest import run_action


def warning(result: Any) -> str:
    assert result.rc == 0, result.stdout + result.stderr
    assert result.warnings, result.stdout
    return result.warnings[0]


def test_no_token_is_not_a_refused_token(fake: Any, tmp_path: Path) -> None:
    fake.add_run(1001, jobs=[{"name": "a", "conclusion": "success"}])
    none = warning(run_action("job-logs", {"github-token": ""}, tmp_path=tmp_path, fake=fake))
    assert "no token was given" in none and "GH_TOKEN" in none and "expired" not in none
    wrong = warning(run_action("job-logs", {"github-token": "ghs_wrong"}, tmp_path=tmp_path,
                               fake=fake))
    assert "refused the token" in wrong and "expired or revoked" in wrong


def test_a_refused_connection_is_named_with_its_url(tmp_path: Path) -> None:
    # run_action without a fake points GITHUB_API_URL at 127.0.0.1:9, where nothing listens
    said = warning(run_action("job-logs", tmp_path=tmp_path))
    assert "the connection to http://127.0.0.1:9/repos/octo-org/octo-repo/actions/runs/1001/" \
           "jobs was refused" in said
    assert "no answer within" not in said


def test_an_unknown_host_is_a_dns_failure(tmp_path: Path) -> None:
    said = warning(run_action("job-logs", tmp_path=tmp_path,
                              env={"GITHUB_API_URL": "http://api.nowhere.invalid"}))
    assert "the host of http://api.nowhere.invalid:80/repos/" in said and "DNS" in said


@pytest.fixture
def silent() -> Iterator[str]:
    """A server that takes the connection and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/repos/o/r"


def test_a_time_out_is_named_as_one(silent: str) -> None:
    with pytest.raises(requests.Timeout) as caught:
        requests.get(silent, timeout=0.2)
    said = str(explain(caught.value, "read the run"))
    assert said.startswith(f"Could not read the run: no answer from {silent} within ")
    assert "(a time-out)" in said


def test_a_glob_that_matches_nothing_names_the_glob_and_the_folder(tmp_path: Path) -> None:
    result = run_action("coverage-soft-gate", {"files": "reports/*.xml", "dry-run": "true"},
                        tmp_path=tmp_path)
    said = warning(result)
    assert "reports/*.xml" in said and str(tmp_path / "workspace") in said


def test_a_folder_given_to_files_gets_the_glob(tmp_path: Path) -> None:
    (tmp_path / "workspace" / "reports").mkdir(parents=True)
    result = run_action("coverage-soft-gate", {"files": "reports", "dry-run": "true"},
                        tmp_path=tmp_path)
    said = warning(result)
    assert "reports is a folder" in said and "reports/**/*" in said


def test_a_silent_server_is_a_time_out_with_its_url(silent: str, tmp_path: Path) -> None:
    api = silent.removesuffix("/repos/o/r")
    said = warning(run_action("job-logs", tmp_path=tmp_path, env={
        "GITHUB_API_URL": api, "CI_TOOLKIT_HTTP_TIMEOUT": "1", "CI_TOOLKIT_MAX_WAIT": "1"}))
    assert f"no answer from {api}/repos/octo-org/octo-repo/actions/runs/1001/jobs within 1s " \
           "(a time-out)" in said
