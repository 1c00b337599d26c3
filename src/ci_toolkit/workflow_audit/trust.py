"""Is a value pull-request code? Follows refs through env, step outputs and job outputs, and
decides whether a `workflow_run` upstream can be a pull-request run."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ci_toolkit.workflow_audit import carried
from ci_toolkit.workflow_audit.approval import Gates
from ci_toolkit.workflow_audit.carried import ANY, FILE_NAMES, Carried, Writes
from ci_toolkit.workflow_audit.expressions import PR_REF, RUN_HEAD, run_event, untrusted_fields
from ci_toolkit.workflow_audit.model import Piece, Quoted
from ci_toolkit.workflow_audit.workflow import Job, Step, Workflow

PR_TRIGGERS = frozenset({"pull_request", "pull_request_target"})
# A job that reads a PR number or comments on a PR is consuming a pull-request run.
PR_SIGNALS = re.compile(r"pr[_-]?number|workflow_run\.pull_requests|pull_requests\[|"
                        r"createComment|\bgh\s+pr\b|issue_number|pull-request-number", re.I)
# Actions whose outputs are a pull request's head commit or branch.
PR_REF_ACTIONS = ("xt0rted/pull-request-comment-branch", "alessbell/pull-request-comment-branch")

YES, MAYBE, NO = "yes", "maybe", ""
# Where a job fetches PR files or artifacts of a PR run: file contents read later are outsider text.
PR_FILES = re.compile(r"downloadArtifact|archive_download_url|gh\s+run\s+download|"
                      r"download-artifact", re.I)
_FROM_JSON = re.compile(r"fromJSON\(\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\)((?:\.[\w-]+)*)",
                        re.I)
DEPTH = 3  # hops followed: env -> step output -> job output ...


@dataclass(frozen=True)
class Source:
    """Where part of a value comes from: text to read further, and what its step tells."""

    text: str
    job: Job
    carried: Carried | None = None
    step: Step | None = None  # the step that wrote it, for the message


@dataclass(frozen=True)
class Outsider:
    """Outsider text that reaches a value, and the step that put it there (if not the event)."""

    what: tuple[Piece, ...]
    step: Step | None


class Trust:
    """Answers for one workflow, with the other audited workflows to resolve upstreams."""

    def __init__(self, flow: Workflow, others: Sequence[Workflow]) -> None:
        self.flow = flow
        self.others = others
        self._writes: dict[int, Writes] = {}
        self.gates = Gates(flow)

    def value(self, text: str, job: Job, depth: int = 0) -> str:
        """YES when `text` names PR code, MAYBE when it names a workflow_run head whose
        upstream may or may not be a pull-request run, NO otherwise."""
        if PR_REF.search(text):
            return YES
        verdict = self.upstream(job) if RUN_HEAD.search(text) else NO
        if depth >= DEPTH or verdict == YES:
            return verdict
        for source in self._sources(text, job):
            if source.carried is not None and source.carried.pr_code:
                return YES
            verdict = _max(verdict, self._read_from_files(source))
            verdict = _max(verdict, self.value(source.text, source.job, depth + 1))
        return verdict

    def traced(self, text: str, job: Job, depth: int = 0) -> str:
        """`text` with what its `env.X` / step / job outputs are made of, followed 3 hops."""
        if depth >= DEPTH:
            return text
        return "\n".join([text, *(self.traced(source.text, source.job, depth + 1)
                                   for source in self._sources(text, job))])

    def _read_from_files(self, source: Source) -> str:
        """A ref read from an artifact of a PR run is whatever the PR's author chose."""
        if source.carried is None or not source.carried.reads_files:
            return NO
        index = source.step.index if source.step is not None else len(source.job.steps)
        downloaded = any(PR_FILES.search(step.node.flat())
                         for step in source.job.steps[: index + 1])
        return self.upstream(source.job) if downloaded else NO

    def outsiders(self, text: str, job: Job, depth: int = 0) -> list[Outsider]:
        """Outsider text that reaches `text` through env, step outputs, `$GITHUB_ENV` or job
        outputs (the event's own fields written directly are not included: see
        `untrusted_fields`)."""
        found: list[Outsider] = []
        if depth >= DEPTH:
            return found
        for source in self._sources(text, job):
            found += [Outsider((Quoted(field),), source.step)
                      for field in untrusted_fields(source.text)]
            if source.carried is not None:
                found += self._carried_outsider(source.carried, source)
            found += [Outsider(o.what, o.step or source.step)
                      for o in self.outsiders(source.text, source.job, depth + 1)]
        unique = {(o.what, id(o.step)): o for o in found}
        return list(unique.values())

    def _carried_outsider(self, value: Carried, source: Source) -> list[Outsider]:
        before = source.step.index if source.step is not None else len(source.job.steps)
        what = value.outsider
        if not what and value.git_history and self._pr_refs_before(source.job, before):
            what = FILE_NAMES
        if not what and value.reads_files:
            what = next((text for name, text in self.outsider_files(source.job, before).items()
                         if names_file(value.source, name)), "")
        if not what and value.reads_files and self._pr_files_before(source.job, before):
            what = "the content of files from the pull request or an artifact of its run"
        return [Outsider((what,), source.step)] if what else []

    def outsider_files(self, job: Job, index: int) -> dict[str, str]:
        """Files the job's steps up to `index` wrote outsider text into (`gh issue view … >
        issue.md`, `echo "$BODY" > prompt.txt`), with what they hold."""
        found: dict[str, str] = {}
        for step in job.steps[: index + 1]:
            found.update(self.writes(step).files)
        return found

    def _pr_refs_before(self, job: Job, index: int) -> bool:
        """Does the job surely fetch or check out pull-request commits up to step `index`?"""
        return any(self.value(step.node.flat(), job, DEPTH) == YES
                   for step in job.steps[: index + 1])

    def _pr_files_before(self, job: Job, index: int) -> bool:
        return self._pr_refs_before(job, index) or (self.upstream(job) != NO and any(
            PR_FILES.search(step.node.flat()) for step in job.steps[: index + 1]))


    def writes(self, step: Step) -> Writes:
        key = id(step)
        if key not in self._writes:
            self._writes[key] = carried.writes(step)
        return self._writes[key]

    def _sources(self, text: str, job: Job) -> list[Source]:
        """Where `env.X`, `steps.S.outputs.O` and `needs.J.outputs.O` values come from."""
        found: list[Source] = []
        env = {**self.flow.env(), **job.env()}
        for name in re.findall(r"env\.([A-Za-z_]\w*)", text):
            if name in env:
                found.append(Source(env[name], job))
            found += self._env_writes(job, name)
        accessors = {(m.group(1), m.group(2)): m.group(3) for m in _FROM_JSON.finditer(text)}
        for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):
            step = job.step(step_id)
            if step is not None:
                found += self._output(step, output, accessors.get((step_id, output), ""), job)
        for job_id, output in re.findall(r"needs\.([\w-]+)\.outputs\.([\w-]+)", text):
            other = self.flow.job(job_id)
            outputs = other.node.get("outputs") if other else None
            if other is not None and outputs is not None:
                found.append(Source(outputs.text(output), other))
        return found

    def _output(self, step: Step, output: str, accessor: str, job: Job) -> list[Source]:
        if step.action.startswith(PR_REF_ACTIONS):
            return [Source("github.head_ref", job, step=step)]
        outputs = self.writes(step).outputs
        value = outputs.get(output) or outputs.get(ANY)
        if value is None:
            return [Source(step.node.flat(), job, step=step)]  # an action's output: its inputs
        if value.script and accessor:  # fromJSON(steps.s.outputs.result).head.ref
            value = carried.script_value(value.source + accessor, step.script)
        return [Source(value.source, job, value, step)]

    def _env_writes(self, job: Job, name: str) -> list[Source]:
        """`$GITHUB_ENV` writes of `name` by the job's steps."""
        found = []
        for step in job.steps:
            env = self.writes(step).env
            value = env.get(name) or env.get(ANY)
            if value is not None:
                found.append(Source(value.source, job, value, step))
        return found

    def env_vars(self, job: Job, step: Step) -> set[str]:
        """Names of environment variables whose value is PR code (a ref, a sha) in `step`:
        from `env:` and from `$GITHUB_ENV` writes of earlier steps."""
        merged = {**self.flow.env(), **job.env(), **step.env()}
        names = {name for name, value in merged.items() if self.value(value, job) == YES}
        for earlier in job.steps[: step.index]:
            for name, value in self.writes(earlier).env.items():
                if name != ANY and (value.pr_code or self.value(value.source, job) == YES):
                    names.add(name)
        return names

    def upstream(self, job: Job) -> str:
        """Can the run that triggered this workflow_run job come from a pull request?"""
        if "workflow_run" not in self.flow.triggers:
            return NO
        event = run_event(job.condition)
        if event:
            return YES if event == "pull_request" else NO
        resolved = self._resolve_upstreams()
        if resolved is not None:
            return YES if resolved else NO
        return YES if PR_SIGNALS.search(job.node.flat()) else MAYBE

    def upstream_names(self) -> list[str]:
        node = self.flow.triggers.get("workflow_run")
        workflows = node.get("workflows") if node is not None else None
        if workflows is None:
            return []
        return [i.value for i in workflows.items] if workflows.kind == "seq" else [workflows.value]

    def _resolve_upstreams(self) -> bool | None:
        """True/False when every upstream is among the audited files; None when one is not."""
        names = self.upstream_names()
        found = [self._find(name) for name in names]
        if not names or any(flow is None for flow in found):
            return None
        return any(set(flow.triggers) & PR_TRIGGERS for flow in found if flow is not None)

    def _find(self, name: str) -> Workflow | None:
        for flow in self.others:
            stem = flow.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            if flow is not self.flow and name in {flow.name, stem}:
                return flow
        return None


def names_file(text: str, path: str) -> bool:
    """Does `text` name the file `path` (or its base name, as a word)?"""
    base = path.rsplit("/", 1)[-1]
    return bool(base) and re.search(rf"(?<![\w.-]){re.escape(base)}(?![\w-])", text) is not None


def _max(a: str, b: str) -> str:
    return YES if YES in (a, b) else MAYBE if MAYBE in (a, b) else NO
