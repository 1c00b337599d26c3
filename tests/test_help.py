"""`--help` says what each command is for and, for every input, its words (the same as its
action.yml's: tests/test_contract.py), the values it accepts, its default and its variable."""

from __future__ import annotations

import pytest

from ci_toolkit.cli import COMMANDS, load, main


def help_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    assert stopped.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps: compare words


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_explains_every_input(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys, command, "--help")
    assert " ".join(COMMANDS[command].split()) in text
    options = text.split(" options: ", 1)[1]
    for spec in load(command).INPUTS:
        # argparse wraps lines, also at a hyphen (`INPUT_GITHUB-` `TOKEN`): compare without spaces
        entry = squashed(options[options.index(f"--{spec.name} "):])
        assert squashed(spec.description) in entry, spec.name
        assert squashed(f"Variable: {spec.variable}.") in entry, spec.name
        if spec.accepted:
            assert squashed(f"One of: {', '.join(spec.accepted)}.") in entry, spec.name
        if spec.secret:
            assert squashed("$GITHUB_TOKEN or $GH_TOKEN") in entry
        else:
            default = f"Default: {spec.default!r}." if spec.default else "Default: empty."
            assert squashed(default) in entry, spec.name


def squashed(text: str) -> str:
    return "".join(text.split())


def test_fail_on_lists_the_values_it_takes(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys, "workflow-audit", "--help")
    assert "--fail-on error|warning|never" in text
    assert "One of: error, warning, never. Default: 'error'. Variable: INPUT_FAIL-ON." in text


def test_top_help_says_what_each_command_is_for(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys, "--help")
    for command, purpose in COMMANDS.items():
        assert f"{command} {' '.join(purpose.split())}" in text
