"""The runner contract: inputs, outputs, the step summary, annotations, masking and context.

Inputs come from command-line flags, then the runner's `INPUT_*` variables (hyphens kept, as
the runner writes them), then the defaults each command declares (the same as its action.yml).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from ci_toolkit.markdown import SUMMARY_LIMIT, Message, Text, Unit, size, truncate

C = TypeVar("C", bound=str)
J = TypeVar("J")
Progress = Callable[[int, int, str], None]  # done, total, what: `Log.progress`
Warn = Callable[[Text], None]  # how a remote or a reader reports what it could not do
Level = Literal["notice", "warning", "error"]  # the runner's annotation levels

TRUE = frozenset({"true", "1", "yes"})
FALSE = frozenset({"false", "0", "no"})
PROGRESS_EVERY = 5.0  # seconds: the least time between two progress lines of a long phase


class InputError(Exception):
    """A workflow configuration mistake: exit 2, naming the input and what it accepts."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"input '{name}': {message}")
        self.name = name


@dataclass(frozen=True)
class Input:
    """One input of an action, as declared in its action.yml."""

    name: str
    default: str = ""
    boolean: bool = False  # a bare `--name` flag means true
    secret: bool = False  # masked as soon as it is read
    choices: tuple[str, ...] = ()  # the values it accepts, when they are a closed set
    description: str = ""  # the words of its action.yml (tests/test_contract.py compares them)

    @property
    def variable(self) -> str:
        """The runner's variable for it: `INPUT_` and the name upper-cased (hyphens kept)."""
        return "INPUT_" + self.name.upper().replace(" ", "_")

    @property
    def accepted(self) -> tuple[str, ...]:
        """The closed set of values it takes (`true`/`false` for a boolean), else ()."""
        return ("true", "false") if self.boolean else self.choices


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise InputError(name, f"expected true/false/1/0/yes/no, got {value!r}")


class Inputs:
    """Typed access to a command's declared inputs."""

    def __init__(self, specs: tuple[Input, ...], flags: Mapping[str, str],
                 env: Mapping[str, str], log: Log) -> None:
        self._specs = {spec.name: spec for spec in specs}
        self._flags = flags
        self._env = env
        self._log = log

    def raw(self, name: str) -> str:
        spec = self._specs[name]  # KeyError: the command reads an input it never declared
        value = self._flags.get(name)
        if value is None:
            value = self._from_env(name)
        if value is None:
            value = spec.default
        if spec.secret and value:
            self._log.mask(value)
        return value

    def _from_env(self, name: str) -> str | None:
        key = self._specs[name].variable
        for candidate in (key, key.replace("-", "_")):
            if candidate in self._env:
                return self._env[candidate]
        return None

    def text(self, name: str) -> str:
        return self.raw(name).strip()

    def flag(self, name: str) -> bool:
        value = self.text(name)
        return parse_bool(name, value) if value else parse_bool(name, self._specs[name].default)

    def integer(self, name: str, minimum: int, maximum: int) -> int:
        value = self.text(name) or self._specs[name].default
        try:
            number = int(value)
        except ValueError:
            raise InputError(name, f"expected a whole number, got {value!r}") from None
        if not minimum <= number <= maximum:
            raise InputError(name, f"expected a number from {minimum} to {maximum}, got {number}")
        return number

    def run_id(self, name: str = "run-id") -> int | None:
        """A workflow run id, or None when left empty (the caller then uses this run)."""
        value = self.text(name)
        if not value:
            return None
        if not (_is_whole_number(value) and int(value) > 0):
            raise InputError(name, f"expected a workflow run id (a positive number), got {value!r}")
        return int(value)

    def choice(self, name: str, choices: tuple[C, ...]) -> C:
        """One of `choices` (case-insensitive); a `Literal` tuple gives a `Literal` back."""
        value = (self.text(name) or self._specs[name].default).lower()
        for choice in choices:
            if value == choice:
                return choice
        raise InputError(name, f"expected one of {', '.join(choices)}, got {value!r}")

    def lines(self, name: str) -> list[str]:
        """Newline-separated values, blank lines dropped."""
        return [line.strip() for line in self.raw(name).splitlines() if line.strip()]

    def items(self, name: str) -> list[str]:
        """A list given as a JSON array, or comma- and/or newline-separated; duplicates dropped."""
        value = self.text(name)
        if value.startswith("["):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as exc:
                raise InputError(name, f"looks like a JSON array but is not one: {exc}") from None
            if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
                raise InputError(name, "a JSON array must hold only strings")
            parts = parsed
        else:
            parts = re.split(r"[,\n]", value)
        return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def pull_request_number(event: Mapping[str, Any]) -> int | None:
    """The pull request this run's event is about, from the payload; None when there is none.

    `pull_request*` events carry `pull_request`; an `issue_comment` on a pull request carries
    an `issue` with a `pull_request` key. (A `workflow_run` follow-up finds its pull request
    through the API: forks leave `workflow_run.pull_requests` empty.)
    """
    pull = event.get("pull_request")
    if isinstance(pull, Mapping) and _whole(pull.get("number")):
        return int(pull["number"])
    issue = event.get("issue")
    if isinstance(issue, Mapping) and issue.get("pull_request") and _whole(issue.get("number")):
        return int(issue["number"])
    return None


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_whole_number(value: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²", which int() refuses.
    return value.isascii() and value.isdigit()


class Log:
    """Log lines and workflow commands; on the runner as `::warning::`, locally readable."""

    def __init__(self, on_runner: bool, stream: Any = None) -> None:
        self.on_runner = on_runner
        self._stream = stream or sys.stdout
        self._secrets: list[str] = []
        self.warnings: list[Text] = []
        self._last_progress = float("-inf")

    def mask(self, value: str) -> None:
        for line in value.splitlines():
            if line.strip() and line not in self._secrets:
                self._secrets.append(line)
                if self.on_runner:
                    self._emit(f"::add-mask::{line}")

    @overload
    def scrub(self, text: str) -> str: ...
    @overload
    def scrub(self, text: Message) -> Message: ...
    def scrub(self, text: Text) -> Text:
        """Replace every masked value, so no secret leaves through our own text (a
        `markdown.Message` stays one)."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def info(self, message: Text) -> None:
        self._emit(self.scrub(str(message)))

    def warning(self, message: Text, **where: Any) -> None:
        self.warnings.append(self.scrub(message))
        self.annotate("warning", message, **where)

    def error(self, message: Text, **where: Any) -> None:
        self.annotate("error", message, **where)

    def notice(self, message: Text, **where: Any) -> None:
        self.annotate("notice", message, **where)

    def annotate(self, level: Level, text: Text, *, file: str | None = None,
                 line: int | None = None, end_line: int | None = None,
                 title: str | None = None) -> None:
        message = self.scrub(str(text))
        if not self.on_runner:
            place = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
            print(f"{level}: {place}{message}", file=sys.stderr)
            return
        props = {"file": file, "line": line, "endLine": end_line, "title": title}
        params = ",".join(f"{k}={_escape_property(str(v))}" for k, v in props.items() if v)
        self._emit(f"::{level}{' ' + params if params else ''}::{_escape_data(message)}")

    # The job log holds the answer: one line per phase, a group around long ones, progress at
    # most every PROGRESS_EVERY seconds (never a line per file), and one result line at the end.

    def phase(self, text: str) -> None:
        """One line saying what the step does now (`reading 3 reports`)."""
        self._emit(self.scrub(text))

    def progress(self, done: int, total: int, what: str) -> None:
        """`done/total what`, at most every PROGRESS_EVERY seconds, and always the last one."""
        now = time.monotonic()
        if done < total and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        self._emit(self.scrub(f"{done}/{total} {what}"))

    def result(self, command: str, figures: str) -> None:
        """The step's one result line, `<command>: <figures>`: what `gh run view --log` and a
        reader of the log look for."""
        self._emit(self.scrub(f"{command}: {figures}"))

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A folded section around a long phase (`::group::` on the runner)."""
        self._emit(f"::group::{_escape_data(self.scrub(title))}" if self.on_runner
                   else f"== {self.scrub(title)}")
        self._last_progress = time.monotonic()  # the title counts as the first line
        try:
            yield
        finally:
            if self.on_runner:
                self._emit("::endgroup::")

    def _emit(self, line: str) -> None:
        print(line, file=self._stream, flush=True)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


class Outputs:
    """Step outputs, written to `GITHUB_OUTPUT` (heredoc form with a random delimiter)."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self.values: dict[str, str] = {}

    def set(self, name: str, value: object) -> None:
        text = value if isinstance(value, str) else json.dumps(value) if isinstance(
            value, (list, dict)) else "" if value is None else str(value)
        self.values[name] = text
        if not self._path:
            return
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
        with open(self._path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}<<{delimiter}\n{text}\n{delimiter}\n")


def capped_json(data: J, limit: int, shorten: Callable[[J], bool], *,
                unit: Unit = "bytes") -> str:
    """`data` as compact JSON within `limit` (GitHub keeps 1 MB of a job's outputs): while it is
    longer, `shorten` cuts `data` in place (the least useful part first) and says whether it
    could. "" when nothing fits."""
    text = _json(data)
    while size(text, unit) > limit:
        if not shorten(data):
            return ""
        text = _json(data)
    return text


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class Summary:
    """The step summary: appended Markdown, never more than 1 MiB in all."""

    def __init__(self, path: str | None, log: Log | None = None) -> None:
        self._path = path
        self._log = log
        self.written: list[str] = []
        self.failed = False  # a write was refused: said once, not tried again

    def room(self) -> int:
        """UTF-8 bytes still free in this step's summary (other steps' writes count too)."""
        target = Path(self._path) if self._path else None
        used = target.stat().st_size if target is not None and target.exists() else 0
        return max(0, SUMMARY_LIMIT - used)

    def write(self, markdown: str) -> None:
        self.written.append(markdown)
        if not self._path:
            return
        if self.failed:
            return
        try:
            text = truncate(markdown.rstrip() + "\n\n", self.room(),
                            "The step summary is limited to 1 MiB; the rest was cut.",
                            unit="bytes")
            if text:
                with Path(self._path).open("a", encoding="utf-8") as handle:
                    handle.write(text)
        except OSError as exc:  # a full disk, a read-only or missing folder: the rest goes on
            self.failed = True
            if self._log is not None:
                self._log.warning(f"Could not write the step summary to {self._path} "
                                  f"({exc.strerror or type(exc).__name__}); the step went on "
                                  "without it (its outputs are written as usual).")


@dataclass
class Context:
    """What the runner tells a step about its run, read from `GITHUB_*` variables."""

    env: Mapping[str, str]
    event: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str], log: Log) -> Context:
        event: dict[str, Any] = {}
        path = env.get("GITHUB_EVENT_PATH")
        if path:
            try:
                loaded = json.loads(Path(path).read_text(encoding="utf-8"))
                event = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError) as exc:
                log.warning(f"Could not read the event payload at {path}: {exc}")
        return cls(env=env, event=event)

    def _get(self, name: str) -> str:
        return self.env.get(name, "").strip()

    @property
    def repository(self) -> str:
        return self._get("GITHUB_REPOSITORY")

    @property
    def api_url(self) -> str:
        return self._get("GITHUB_API_URL") or "https://api.github.com"

    @property
    def graphql_url(self) -> str:
        """The runner's GITHUB_GRAPHQL_URL; empty when not set (the client derives it)."""
        return self._get("GITHUB_GRAPHQL_URL")

    @property
    def server_url(self) -> str:
        return self._get("GITHUB_SERVER_URL") or "https://github.com"

    @property
    def run_id(self) -> int | None:
        value = self._get("GITHUB_RUN_ID")
        return int(value) if _is_whole_number(value) else None

    @property
    def run_attempt(self) -> int:
        value = self._get("GITHUB_RUN_ATTEMPT")
        return int(value) if _is_whole_number(value) else 1

    @property
    def event_name(self) -> str:
        return self._get("GITHUB_EVENT_NAME")

    @property
    def sha(self) -> str:
        return self._get("GITHUB_SHA")

    @property
    def ref(self) -> str:
        return self._get("GITHUB_REF")

    @property
    def actor(self) -> str:
        return self._get("GITHUB_ACTOR")

    @property
    def triggering_actor(self) -> str:
        return self._get("GITHUB_TRIGGERING_ACTOR")

    @property
    def workspace(self) -> Path:
        return Path(self._get("GITHUB_WORKSPACE") or ".")

    @property
    def default_branch(self) -> str:
        repo = self.event.get("repository")
        return str(repo.get("default_branch") or "") if isinstance(repo, dict) else ""

    @property
    def on_default_branch(self) -> bool:
        """True for push/dispatch/schedule runs on the default branch, never for pull requests."""
        branch = self.default_branch
        return (bool(branch) and self.ref == f"refs/heads/{branch}"
                and not self.event_name.startswith("pull_request"))

    def run_url(self, run_id: int | None = None) -> str | None:
        run = run_id or self.run_id
        if not (self.repository and run):
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{run}"


@dataclass
class Runtime:
    """Everything a command needs from the runner, built once by the CLI."""

    inputs: Inputs
    context: Context
    outputs: Outputs
    summary: Summary
    log: Log

    @classmethod
    def create(cls, specs: tuple[Input, ...], flags: Mapping[str, str],
               env: Mapping[str, str] | None = None) -> Runtime:
        env = os.environ if env is None else env
        log = Log(on_runner=env.get("GITHUB_ACTIONS") == "true")
        return cls(
            inputs=Inputs(specs, flags, env, log),
            context=Context.from_env(env, log),
            outputs=Outputs(env.get("GITHUB_OUTPUT")),
            summary=Summary(env.get("GITHUB_STEP_SUMMARY"), log),
            log=log,
        )

    def token(self, name: str = "github-token") -> str:
        """The token input, or `GITHUB_TOKEN`/`GH_TOKEN` when run by hand; always masked."""
        value = self.inputs.text(name) or self.context.env.get("GITHUB_TOKEN", "") or \
            self.context.env.get("GH_TOKEN", "")
        if value:
            self.log.mask(value)
        return value


def write_in_workspace(path: Path, text: str, workspace: Path) -> None:
    """Write `text` (UTF-8) to `path`, creating its missing folders. What this creates inside
    the workspace belongs to the workspace's owner: a Docker action runs as root while the
    workspace is the runner's user's, who must be able to delete everything it finds there
    (a self-hosted runner's next checkout cleans the workspace)."""
    created = []
    folder = path.parent
    while not folder.exists():
        created.append(folder)
        folder = folder.parent
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _give_to_owner([path, *created], workspace)


def _give_to_owner(paths: list[Path], workspace: Path) -> None:
    """As root only (elsewhere a new file is already its creator's): the paths that lie in
    the workspace go to the user and group that own it."""
    geteuid = getattr(os, "geteuid", None)  # absent on Windows
    if geteuid is None or geteuid() != 0:
        return
    root = workspace.resolve()
    owner = root.stat()
    for path in paths:
        if path.resolve().is_relative_to(root):
            os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)
