"""The runner contract: inputs, outputs, summary cap, annotations and masking."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from ci_toolkit.markdown import SUMMARY_LIMIT, Message
from ci_toolkit.runtime import (
    Context,
    Input,
    InputError,
    Inputs,
    Log,
    Outputs,
    Runtime,
    Summary,
    write_in_workspace,
)
from conftest import parse_outputs

SPECS = (
    Input("issue-title", "Default title"),
    Input("dry-run", "false", boolean=True),
    Input("hotspots", "15"),
    Input("filter", "latest"),
    Input("allowed-skips"),
    Input("github-token", secret=True),
    Input("run-id"),
)


def inputs(flags: dict[str, str] | None = None, env: dict[str, str] | None = None) -> Inputs:
    return Inputs(SPECS, flags or {}, env or {}, Log(on_runner=False))


def test_flag_wins_over_env_which_wins_over_default() -> None:
    env = {"INPUT_ISSUE-TITLE": "from env"}
    assert inputs().text("issue-title") == "Default title"
    assert inputs(env=env).text("issue-title") == "from env"
    assert inputs({"issue-title": "from flag"}, env).text("issue-title") == "from flag"


def test_runner_spelling_with_hyphens_and_underscore_spelling_both_read() -> None:
    assert inputs(env={"INPUT_DRY-RUN": "TRUE"}).flag("dry-run") is True
    assert inputs(env={"INPUT_DRY_RUN": "yes"}).flag("dry-run") is True


@pytest.mark.parametrize("value", ["true", "True", "1", "yes", "YES"])
def test_booleans_true(value: str) -> None:
    assert inputs(env={"INPUT_DRY-RUN": value}).flag("dry-run") is True


@pytest.mark.parametrize("value", ["false", "0", "no", "No"])
def test_booleans_false(value: str) -> None:
    assert inputs(env={"INPUT_DRY-RUN": value}).flag("dry-run") is False


def test_a_boolean_that_is_not_one_names_the_input() -> None:
    with pytest.raises(InputError, match=r"'dry-run'.*true/false"):
        inputs(env={"INPUT_DRY-RUN": "maybe"}).flag("dry-run")


def test_run_id_is_a_positive_ascii_number_or_empty() -> None:
    assert inputs().run_id() is None
    assert inputs(env={"INPUT_RUN-ID": " 77 "}).run_id() == 77
    for bad in ("0", "-3", "abc", "\u00b2", "1.5"):
        with pytest.raises(InputError, match=r"'run-id'.*positive number"):
            inputs(env={"INPUT_RUN-ID": bad}).run_id()


def test_empty_value_falls_back_to_the_default() -> None:
    # The runner passes an input left empty as an empty string.
    assert inputs(env={"INPUT_DRY-RUN": ""}).flag("dry-run") is False
    assert inputs(env={"INPUT_HOTSPOTS": ""}).integer("hotspots", 1, 100) == 15


def test_integer_range_and_garbage() -> None:
    assert inputs(env={"INPUT_HOTSPOTS": " 10 "}).integer("hotspots", 1, 100) == 10
    with pytest.raises(InputError, match="whole number"):
        inputs(env={"INPUT_HOTSPOTS": "ten"}).integer("hotspots", 1, 100)
    with pytest.raises(InputError, match="from 1 to 100"):
        inputs(env={"INPUT_HOTSPOTS": "0"}).integer("hotspots", 1, 100)


def test_choice() -> None:
    assert inputs(env={"INPUT_FILTER": "ALL"}).choice("filter", ("latest", "all")) == "all"
    with pytest.raises(InputError, match="one of latest, all"):
        inputs(env={"INPUT_FILTER": "every"}).choice("filter", ("latest", "all"))


@pytest.mark.parametrize("value", ["a, b,,a", "a\nb\n\n", '["a", "b", "a"]', " a ,\n b "])
def test_items_from_commas_newlines_or_json(value: str) -> None:
    assert inputs(env={"INPUT_ALLOWED-SKIPS": value}).items("allowed-skips") == ["a", "b"]


def test_items_bad_json_is_an_input_error() -> None:
    with pytest.raises(InputError, match="JSON array"):
        inputs(env={"INPUT_ALLOWED-SKIPS": '["a", 1]'}).items("allowed-skips")


def test_undeclared_input_is_a_bug_not_a_silent_default() -> None:
    with pytest.raises(KeyError):
        inputs().text("not-declared")


def test_secret_is_masked_and_scrubbed() -> None:
    stream = io.StringIO()
    log = Log(on_runner=True, stream=stream)
    Inputs(SPECS, {}, {"INPUT_GITHUB-TOKEN": "ghs_secret"}, log).text("github-token")
    log.warning("failed with ghs_secret in the text")
    assert "::add-mask::ghs_secret" in stream.getvalue()
    assert "::warning::failed with *** in the text" in stream.getvalue()


def test_a_message_stays_ours_and_loses_its_secret() -> None:
    """A warning in our words keeps its Markdown for the report; the secret leaves both forms."""
    stream = io.StringIO()
    log = Log(on_runner=True, stream=stream)
    log.mask("ghs_sec_ret")
    log.warning(Message("Could not read {}: grant `actions: read`.", "x ghs_sec_ret y"))
    kept = log.warnings[0]
    assert isinstance(kept, Message)
    assert "ghs_sec" not in kept.plain and "ghs" not in kept.markdown
    assert "`actions: read`" in kept.markdown
    assert "::warning::Could not read x *** y: grant `actions: read`." in stream.getvalue()


def test_input_declares_its_words_values_and_variable() -> None:
    spec = Input("fail-on", "error", choices=("error", "never"), description="When to fail.")
    assert spec.variable == "INPUT_FAIL-ON" and spec.accepted == ("error", "never")
    assert Input("dry-run", "false", boolean=True).accepted == ("true", "false")


def test_annotation_escaping() -> None:
    stream = io.StringIO()
    log = Log(on_runner=True, stream=stream)
    log.error("100% bad\nsecond line", file="a,b:c.yml", line=3, title="T")
    assert stream.getvalue().strip() == (
        "::error file=a%2Cb%3Ac.yml,line=3,title=T::100%25 bad%0Asecond line")


def test_outputs_heredoc_with_random_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "out"
    outputs = Outputs(str(path))
    outputs.set("report", "line 1\nEOF\nline 3")
    outputs.set("jobs", [{"name": "a"}])
    outputs.set("count", 3)
    text = path.read_text()
    assert "ghadelimiter_" in text
    assert parse_outputs(text) == {"report": "line 1\nEOF\nline 3",
                                   "jobs": '[{"name": "a"}]', "count": "3"}


def test_summary_never_exceeds_one_mebibyte(tmp_path: Path) -> None:
    path = tmp_path / "summary"
    summary = Summary(str(path))
    summary.write("| a |\n" * 150_000)
    summary.write("| b |\n" * 150_000)
    size = path.stat().st_size
    assert size <= SUMMARY_LIMIT
    assert "limited to 1 MiB" in path.read_text()


def test_context_default_branch_only_for_push_on_it(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"repository": {"default_branch": "main"}}')
    env = {"GITHUB_EVENT_PATH": str(event), "GITHUB_REF": "refs/heads/main",
           "GITHUB_EVENT_NAME": "push"}
    log = Log(on_runner=False)
    assert Context.from_env(env, log).on_default_branch
    assert not Context.from_env({**env, "GITHUB_EVENT_NAME": "pull_request"}, log).on_default_branch
    assert not Context.from_env({**env, "GITHUB_REF": "refs/heads/dev"}, log).on_default_branch


def test_unreadable_event_payload_is_a_warning(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    event = tmp_path / "event.json"
    event.write_text("{not json")
    context = Context.from_env({"GITHUB_EVENT_PATH": str(event)}, Log(on_runner=False))
    assert context.event == {}
    assert "event payload" in capsys.readouterr().err


def test_token_falls_back_to_environment_and_is_masked() -> None:
    runtime = Runtime.create(SPECS, {}, {"GITHUB_TOKEN": "ghp_local"})
    assert runtime.token() == "ghp_local"
    assert runtime.log.scrub("x ghp_local y") == "x *** y"


def test_summary_room_counts_what_earlier_steps_wrote(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    assert Summary(str(path)).room() == SUMMARY_LIMIT
    path.write_text("é" * 10, encoding="utf-8")  # another step's 20 bytes
    assert Summary(str(path)).room() == SUMMARY_LIMIT - 20
    path.write_bytes(b"x" * (SUMMARY_LIMIT + 5))
    assert Summary(str(path)).room() == 0
    assert Summary(None).room() == SUMMARY_LIMIT


@pytest.mark.parametrize("command, inputs, rc", [
    ("ci-gate", {"needs": '{"a": {"result": "failure"}}'}, 1),  # the verdict is kept
    ("coverage-soft-gate", {"files": "none/*.json", "dry-run": "true"}, 0),  # soft: exit 0
])
def test_an_unwritable_step_summary_is_named_and_the_rest_is_done(
        tmp_path: Path, command: str, inputs: dict[str, str], rc: int) -> None:
    from conftest import run_action

    folder = tmp_path / "summary-is-a-folder"
    folder.mkdir()
    result = run_action(command, inputs, tmp_path=tmp_path,
                        env={"GITHUB_STEP_SUMMARY": str(folder)})
    assert result.rc == rc, result.stdout + result.stderr
    said = [w for w in result.warnings if "step summary" in w]
    assert len(said) == 1 and f"Could not write the step summary to {folder}" in said[0]
    assert "unexpected error" not in result.stdout + result.stderr
    assert result.outputs  # the outputs were still written


def test_summary_without_a_log_stays_quiet_and_stops_trying(tmp_path: Path) -> None:
    summary = Summary(str(tmp_path))  # a folder: every write is refused
    summary.write("one")
    summary.write("two")
    assert summary.failed and summary.written == ["one", "two"]


def test_capped_json_shortens_until_it_fits_and_says_nothing_fits_when_it_cannot() -> None:
    import json

    from ci_toolkit.runtime import capped_json

    items = [{"name": "ü" * 10} for _ in range(100)]

    def halve(data: list[object]) -> bool:
        if len(data) <= 1:
            return False
        del data[len(data) // 2:]
        return True

    text = capped_json(items, 300, halve)
    assert len(text.encode()) <= 300 < len(json.dumps([{"name": "ü" * 10}] * 100).encode())
    assert json.loads(text) == items and 1 < len(items) < 100
    assert capped_json([{"x": "y" * 50}], 10, halve) == ""
    assert capped_json({"a": 1}, 100, halve) == '{"a":1}'


RUNNER_USER = 1001  # the runner's user on GitHub-hosted runners; the container runs as root


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="hands files over only when running as root, as a Docker action does")
def test_what_a_command_writes_in_the_workspace_is_the_workspace_owners(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "kept").mkdir(parents=True)
    os.chown(workspace, RUNNER_USER, RUNNER_USER)  # "kept" stays root's: not created by us
    write_in_workspace(workspace / "audit" / "deep" / "out.sarif", "{}\n", workspace)
    created = [workspace / "audit", workspace / "audit/deep", workspace / "audit/deep/out.sarif"]
    assert [(p.stat().st_uid, p.stat().st_gid) for p in created] == [(RUNNER_USER,) * 2] * 3
    assert (workspace / "kept").stat().st_uid == 0
    write_in_workspace(workspace / "kept" / "x.txt", "x", workspace)
    assert (workspace / "kept").stat().st_uid == 0 and \
        (workspace / "kept" / "x.txt").stat().st_uid == RUNNER_USER
    outside = tmp_path / "elsewhere" / "out.sarif"  # outside the workspace: left as written
    write_in_workspace(outside, "{}\n", workspace)
    assert outside.stat().st_uid == 0 and outside.parent.stat().st_uid == 0
    assert outside.read_text() == "{}\n"
