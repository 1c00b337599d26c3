"""Is a value pull-request code? Follows refs through env, step outputs and job outputs, and
decides whether a `workflow_run` upstream can be a pull-request run."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ci_toolkit.audit.expressions import PR_REF, RUN_HEAD, run_event
from ci_toolkit.audit.workflow import Job, Workflow

PR_TRIGGERS = frozenset({"pull_request", "pull_request_target"})
# A job that reads a PR number or comments on a PR is consuming a pull-request run.
PR_SIGNALS = re.compile(r"pr[_-]?number|workflow_run\.pull_requests|pull_requests\[|"
                        r"createComment|\bgh\s+pr\b|issue_number|pull-request-number", re.I)
# Actions whose outputs are a pull request's head commit or branch.
PR_REF_ACTIONS = ("xt0rted/pull-request-comment-branch", "alessbell/pull-request-comment-branch")

YES, MAYBE, NO = "yes", "maybe", ""


class Trust:
    """Answers for one workflow, with the other audited workflows to resolve upstreams."""

    def __init__(self, flow: Workflow, others: Sequence[Workflow]) -> None:
        self.flow = flow
        self.others = others

    def value(self, text: str, job: Job, depth: int = 0) -> str:
        """YES when `text` names PR code, MAYBE when it names a workflow_run head whose
        upstream may or may not be a pull-request run, NO otherwise."""
        if PR_REF.search(text):
            return YES
        verdict = self.upstream(job) if RUN_HEAD.search(text) else NO
        if depth >= 3 or verdict == YES:
            return verdict
        for source in self._sources(text, job):
            verdict = _max(verdict, self.value(source[0], source[1], depth + 1))
        return verdict

    def _sources(self, text: str, job: Job) -> list[tuple[str, Job]]:
        """Where `env.X`, `$X`, `steps.S.outputs` and `needs.J.outputs.O` values come from."""
        found: list[tuple[str, Job]] = []
        env = {**self.flow.env(), **job.env()}
        for name in re.findall(r"env\.([A-Za-z_]\w*)", text):
            if name in env:
                found.append((env[name], job))
        for step_id in re.findall(r"steps\.([\w-]+)\.outputs", text):
            step = job.step(step_id)
            if step is not None:
                if step.action.startswith(PR_REF_ACTIONS):
                    found.append(("github.head_ref", job))
                found.append((step.node.flat(), job))
        for job_id, output in re.findall(r"needs\.([\w-]+)\.outputs\.([\w-]+)", text):
            other = self.flow.job(job_id)
            outputs = other.node.get("outputs") if other else None
            if other is not None and outputs is not None:
                found.append((outputs.text(output), other))
        return found

    def env_vars(self, job: Job, env: dict[str, str]) -> set[str]:
        """Names of environment variables whose value is PR code (a ref, a sha)."""
        merged = {**self.flow.env(), **job.env(), **env}
        return {name for name, value in merged.items() if self.value(value, job) == YES}

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


def _max(a: str, b: str) -> str:
    return YES if YES in (a, b) else MAYBE if MAYBE in (a, b) else NO
