"""Pull-request code in privileged jobs: where it reaches disk, what runs it, what it can read.

Per job, in step order: each checkout, git/gh command or artifact extraction that puts
outsider-controlled files on disk is a `Landing`; each later step that executes code from
there is recorded against it. A landing that something runs is `pr-code-execution` /
`pr-artifact-execution`; one that nothing runs is data (`pr-checkout-data`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ci_toolkit.workflow_audit import approval, guard, shell
from ci_toolkit.workflow_audit.expressions import gates, requires_merged
from ci_toolkit.workflow_audit.model import Finding, Piece, Quoted, Related, Rule, Severity
from ci_toolkit.workflow_audit.trust import NO, YES, Trust
from ci_toolkit.workflow_audit.workflow import Job, Step, Workflow

# Actions that execute code or config from the tree they run in (documented in the docs).
RUNS_TREE = ("jdx/mise-action", "jfrog/frogbot", "docker/build-push-action", "ruby/setup-ruby",
             "pnpm/action-setup", "bahmutov/npm-install", "cypress-io/github-action",
             "gradle/gradle-build-action", "golangci/golangci-lint-action", "pre-commit/action",
             "actions-rs/cargo", "borales/actions-yarn", "github/codeql-action/autobuild")
ARTIFACT_ACTIONS = ("actions/download-artifact", "dawidd6/action-download-artifact")
REQUIRE = re.compile(r"\b(?:require|import)\s*\(((?:[^()]|\([^()]*\))*)\)")
WORKSPACE = re.compile(r"\$\{\s*process\.env\.GITHUB_WORKSPACE\s*\}|process\.env\.GITHUB_WORKSPACE|"
                       r"process\.cwd\(\)|\$\{\{\s*github\.workspace\s*\}\}")
DOWNLOADS = ("downloadArtifact", "archive_download_url", "/artifacts", "gh run download")

PR_CODE_EXECUTION = Rule(
    "pr-code-execution", "error",
    "A privileged job runs code from the pull request",
    "A pull_request_target/workflow_run/issue_comment job puts pull-request code on disk "
    "and a later step runs it (a script, a build tool, a local action, a tool that executes "
    "repository config). That code runs with the job's token and secrets. Build and test "
    "pull requests in a `pull_request` workflow without secrets; hand results over as "
    "artifacts and treat them as data. A run a member approves for an exact commit (a "
    "write-access check the job waits for) is a warning that names the gate.",
    "Move the build/test to a `pull_request` workflow without secrets and pass results as "
    "artifacts; here, only read data (sparse checkout into a subfolder, or extract artifacts "
    "to $RUNNER_TEMP) with trusted code.")
PR_ARTIFACT_EXECUTION = Rule(
    "pr-artifact-execution", "error",
    "Artifacts from a pull-request run are unpacked where trusted code then runs",
    "An artifact of a pull-request run is extracted into the workspace and a later step "
    "executes code there: the artifact can overwrite scripts, a virtualenv or config. "
    "Extract into $RUNNER_TEMP, reject links, and read it as data with trusted scripts.",
    PR_CODE_EXECUTION.fix)
PR_CHECKOUT_DATA = Rule(
    "pr-checkout-data", "warning",
    "A privileged job puts pull-request files on disk; nothing found runs them",
    "The files are data as long as nothing executes them. Keep it so: check out only the "
    "paths you read (sparse checkout, cone mode off) into a subfolder, and never run a "
    "tool in that tree.",
    "Keep it data: sparse-checkout only the paths you read, into a subfolder, and never run "
    "a tool there.")
PERSISTED_CREDENTIALS = Rule(
    "persisted-credentials", "warning",
    "actions/checkout keeps the token on disk in a privileged job",
    "Without `persist-credentials: false` the job's token is written to the git config, "
    "where any later step or tool can read it. Set `persist-credentials: false`; an "
    "explicit `true` needs a suppression with its reason.",
    "Add `persist-credentials: false`.")
CHECKOUT_TOKEN = Rule(
    "checkout-token", "warning",
    "actions/checkout is given a token in a privileged job",
    "A personal or App token passed to checkout is kept in the git config unless "
    "`persist-credentials: false`, and usually has more rights than GITHUB_TOKEN.",
    "Prefer the job's GITHUB_TOKEN with least `permissions:`; if a token is needed to push, "
    "create it only in the step that pushes.")
NO_SPARSE_CHECKOUT = Rule(
    "no-sparse-checkout", "note",
    "Pull-request files are checked out without a sparse checkout of trusted paths",
    "The safe shape is `path: <subfolder>`, `sparse-checkout: <data paths>`, "
    "`sparse-checkout-cone-mode: false`: cone mode also brings every top-level file.",
    "Check out only the data paths: `path: pr`, `sparse-checkout: docs`, "
    "`sparse-checkout-cone-mode: false`.")
RULES = (PR_CODE_EXECUTION, PR_ARTIFACT_EXECUTION, PR_CHECKOUT_DATA, PERSISTED_CREDENTIALS,
         CHECKOUT_TOKEN, NO_SPARSE_CHECKOUT)


@dataclass
class Landing:
    step: Step
    paths: list[str]  # where the files are ("" = the workspace root)
    whole_tree: bool  # a full tree (or an artifact) rather than a few listed paths
    trust: str  # YES or MAYBE
    artifact: bool = False
    runners: list[Step] = field(default_factory=list)
    guarded: bool = False  # actions/checkout itself refuses a fork's code here
    opted_out: bool = False  # the step switched that guard off

    def holds(self, folder: str) -> bool:
        """Is `folder` (relative to the workspace) inside what landed?"""
        return any(_under(folder, path) for path in self.paths)


def lowered(severity: Severity) -> Severity:
    return "warning" if severity == "error" else "note"


def audit_job(flow: Workflow, job: Job, trust: Trust) -> tuple[list[Finding], list[Landing]]:
    """The job's findings, and every landing of PR content (for rules that follow them)."""
    findings: list[Finding] = []
    landings: list[Landing] = []
    trusted: list[str] = []  # folders holding trusted checkouts
    merged_only = requires_merged(job.condition)
    for step in job.steps:
        for landing in landings:
            if _runs(step, landing, trusted, job):
                landing.runners.append(step)
        if step.action == "actions/checkout":
            findings.extend(_credentials(flow, step))
            checkout = _checkout_landing(flow, step, job, trust)
            if checkout is None or merged_only or _same_repository(trust, job, step):
                if path := norm(step.input("path")):
                    trusted.append(path)
            else:
                landings.append(checkout)
                findings.extend(_sparse_hint(flow, step))
        else:
            new = _script_landings(step, job, trust, merged_only) + \
                _artifact_landings(step, job, trust)
            if new and _same_repository(trust, job, step):
                new = [landing for landing in new if landing.artifact]
            for landing in new:
                if step.run and _runs(step, landing, trusted, job):
                    landing.runners.append(step)  # `gh pr checkout && make` in one step
            landings.extend(new)
    findings.extend(_report(flow, job, landing, trust) for landing in landings)
    return findings, landings


def _same_repository(trust: Trust, job: Job, step: Step) -> bool:
    """Only a branch of this repository gets here: someone who can push here wrote it."""
    return any(gate.kind == "same-repository"
               for gate in trust.gates.before(job, step))


def _checkout_landing(flow: Workflow, step: Step, job: Job, trust: Trust) -> Landing | None:
    verdict = trust.value(f"{step.input('ref')}\n{step.input('repository')}", job)
    if verdict == NO:
        return None
    path = norm(step.input("path"))
    sparse = [_join(path, p) for p in step.input("sparse-checkout").split()]
    return Landing(step, sparse or [path], whole_tree=not sparse, trust=verdict,
                   guarded=guard.refuses_fork(flow, step), opted_out=guard.opted_out(step))


def _script_landings(step: Step, job: Job, trust: Trust, merged_only: bool) -> list[Landing]:
    if not step.run or merged_only:
        return []
    folder = workdir(step, job)
    pr_vars = trust.env_vars(job, step)
    return [Landing(step, [_join(folder, p) for p in paths] or [folder],
                    whole_tree=not paths, trust=YES)
            for paths in shell.git_checkouts(step.run, pr_vars)]


def _artifact_landings(step: Step, job: Job, trust: Trust) -> list[Landing]:
    upstream = trust.upstream(job)
    if upstream == NO:
        return []
    folders: list[str] = []
    if step.action.startswith(ARTIFACT_ACTIONS):
        if step.action.startswith("actions/") and not step.input("run-id"):
            return []  # this run's own artifacts
        if step.input("event").strip() == "push":
            return []  # artifacts of push runs: trusted code built them
        target = step.input("path")
        if not shell.outside_workspace(target):
            folders.append(norm(target))
    elif step.run and _downloaded_before(job, step):
        folders += [_join(workdir(step, job), norm(d)) for d in shell.extractions(step.run)]
    return [Landing(step, [folder], whole_tree=True, trust=upstream, artifact=True)
            for folder in dict.fromkeys(folders)]


def _downloaded_before(job: Job, step: Step) -> bool:
    return any(any(mark in s.node.flat() for mark in DOWNLOADS)
               for s in job.steps[: step.index + 1])


def _runs(step: Step, landing: Landing, trusted: list[str], job: Job) -> bool:
    """Does this step execute code from where the landing put PR files?"""
    uses = step.uses
    if uses.startswith("./"):
        return _inside(norm(uses), landing, trusted)
    if step.script:
        return any(_inside(path, landing, trusted) for path in _required(step.script))
    if step.action.startswith(RUNS_TREE):
        values = step.node.get("with")
        text = values.flat() if values is not None else ""
        return _inside("", landing, trusted) or _named(text, landing)
    runs = shell.code_runs(step.run, step.node.text("shell")) if step.run else []
    if any((where := _code_path(workdir(step, job), run)) is not None
           and _inside(where, landing, trusted) for run in runs):
        return True
    # A tool handed the tree by path (`--src ../pr`, also through an array); `git` and `cd`
    # lines only read it or move there.
    return bool(runs) and _named("\n".join(
        line for line in shell.logical_lines(step.run)
        if not line.startswith(("git ", "cd ", "pushd "))), landing)


def _code_path(folder: str, run: shell.CodeRun) -> str | None:
    """Where the code a command runs is, relative to the workspace; None when it is outside
    (`$RUNNER_TEMP`, `/usr/bin`) or above it."""
    path = folder
    for part in (run.cwd, run.file):
        if not part:
            continue
        inside = norm(part)
        if part.startswith(shell.WORKSPACE_PREFIXES) or part in {"$GITHUB_WORKSPACE",
                                                                  "${GITHUB_WORKSPACE}"}:
            path = "" if part.startswith("$GITHUB_WORKSPACE") and "/" not in part else inside
        elif part.startswith(("/", "~", "$")):
            return None if shell.outside_workspace(part) or part.startswith("/") else path
        else:
            path = posixpath.normpath(f"{path}/{inside}" if path else inside or ".")
    return None if path.startswith("..") else norm(path)


def _required(script: str) -> list[str]:
    """Files a github-script loads with `require()`/`import()` from the workspace (its working
    directory): `./x.js`, `../x`, `${process.env.GITHUB_WORKSPACE}/x`, `path.join(cwd, 'x')`.
    Package names (`fs`, `@actions/core`, `lodash/fp`) are not files of the workspace."""
    found = []
    for call in REQUIRE.finditer(script):
        argument = re.sub(r"require\(\s*['\"][^'\"]*['\"]\s*\)", "", call.group(1))  # `path`
        parts = re.findall(r"['\"`]([^'\"`]*)['\"`]", argument)
        rooted = bool(WORKSPACE.search(argument))
        if rooted or (parts and parts[0].startswith(("./", "../"))):
            path = "/".join(WORKSPACE.sub("", p).strip("/") for p in parts)
            found.append(norm(path))
    return found


def _inside(folder: str, landing: Landing, trusted: list[str]) -> bool:
    """Is `folder` within the landed files (and not inside a trusted checkout among them)?"""
    if landing.artifact and landing.paths == [""]:
        return True  # an artifact unpacked over the workspace can replace anything
    for path in landing.paths:
        if _under(folder, path) and not any(
                _under(folder, t) and len(t) > len(path) for t in trusted):
            return True
    return False


def _named(text: str, landing: Landing) -> bool:
    """A command given the landed tree by path (`--src ../pr`); listed paths are data."""
    return landing.whole_tree and any(shell.mentions_path(text, p) for p in landing.paths if p)


def _report(flow: Workflow, job: Job, landing: Landing, trust: Trust) -> Finding:
    gate = ", ".join(gates(job.condition + "\n" + landing.step.condition) +
                     (["environment"] if job.node.get("environment") else []))
    what = "an artifact of a pull-request run" if landing.artifact else "pull-request code"
    where = _where(landing.paths)
    doubt = "" if landing.trust == YES else (
        " The upstream run may not be a pull-request run: it is not among the audited "
        "workflows, so this is reported lower.")
    doubt += _guard_note(landing)
    if not landing.runners:
        if landing.artifact:
            return _artifact_data(flow, job, landing)
        severity: Severity = "warning" if landing.whole_tree else "note"
        return PR_CHECKOUT_DATA.finding(
            flow.file, landing.step.line, "Job ", Quoted(job.id), f" puts {what} in ", where,
            " (", landing.step.label(), f"); nothing found executes it, so it is data.{doubt}",
            severity=lowered(severity) if landing.guarded else severity, gate=gate)
    runners = landing.runners[:3]
    rule = PR_ARTIFACT_EXECUTION if landing.artifact else PR_CODE_EXECUTION
    ran: list[Piece] = []
    for step in runners:
        ran += [*(["; "] if ran else []), *step.label()]
    approvals = trust.gates.approvals(job, landing.step, landing.runners)
    gate = ", ".join([*approvals, *([gate] if gate else [])])
    gated = f" Gated by {gate}: that lowers the risk, it does not remove it." if gate else ""
    severity = "error" if landing.trust == YES else "warning"
    if approvals and not landing.artifact:
        exact = approval.exact_commit(trust.traced(_landed_ref(landing), job))
        gated = (f" A deliberate run: it waits for a {approvals[0]}" + (
            " and checks out an exact commit, so the approver vouches for the code that runs "
            "(with the job's token and secrets): reported as a warning." if exact else
            ", but checks out a branch, which its author can move after the approval."))
        severity = "warning" if exact else severity
    return rule.finding(
        flow.file, landing.step.line, "Job ", Quoted(job.id), f" puts {what} in ", where, " (",
        landing.step.label(), ") and runs it at ", ran, f".{gated}{doubt}",
        severity=lowered(severity) if landing.guarded else severity,
        related=[Related(s.line, f"runs the code put on disk at line {landing.step.line}")
                 for s in runners], gate=gate)


def _landed_ref(landing: Landing) -> str:
    step = landing.step
    return step.input("ref") if step.action == "actions/checkout" else step.run


def _guard_note(landing: Landing) -> str:
    if landing.guarded:
        return (" actions/checkout at this version refuses a fork's pull request here unless "
                "`allow-unsafe-pr-checkout: true`, so this is reported lower: pull requests "
                "from this repository's own branches still get through.")
    if landing.opted_out:
        return " `allow-unsafe-pr-checkout: true` switches off actions/checkout's own guard."
    return ""


def _where(paths: list[str]) -> list[Piece]:
    where: list[Piece] = []
    for path in paths:
        where += [*([", "] if where else []), Quoted(path) if path else "the workspace"]
    return where


def _artifact_data(flow: Workflow, job: Job, landing: Landing) -> Finding:
    return PR_CHECKOUT_DATA.finding(
        flow.file, landing.step.line, "Job ", Quoted(job.id), " unpacks an artifact of a "
        "pull-request run into ", _where(landing.paths[:1]), " (", landing.step.label(),
        "); nothing found executes it.", severity="note",
        fix="Extract into $RUNNER_TEMP and reject links, so it can never replace scripts or "
            "tools in the workspace.")


def _credentials(flow: Workflow, step: Step) -> list[Finding]:
    if not flow.privileged:
        return []
    found: list[Finding] = []
    persist = step.input("persist-credentials").strip().lower()
    token = step.input("token").strip()
    if persist != "false":
        explicit = persist == "true"
        found.append(PERSISTED_CREDENTIALS.finding(
            flow.file, step.line, step.label(), ": actions/checkout "
            f"{'is told to keep' if explicit else 'keeps'} the "
            f"{'given token' if token else 'job token'} in the git config of a "
            f"{'/'.join(sorted(flow.privileged))} job, where every later step can read it.",
            fix="Add `persist-credentials: false`" + (
                "; if a later step must push, suppress this with the reason."
                if explicit else ".")))
    if token:
        found.append(CHECKOUT_TOKEN.finding(
            flow.file, step.line, step.label(), ": actions/checkout is given `token: ",
            Quoted(token), "` in a privileged job.",
            severity="warning" if persist != "false" else "note"))
    return found


def _sparse_hint(flow: Workflow, step: Step) -> list[Finding]:
    sparse = step.input("sparse-checkout").strip()
    cone_off = step.input("sparse-checkout-cone-mode").strip().lower() == "false"
    path = norm(step.input("path"))
    if sparse and cone_off and path:
        return []
    missing = [what for what, ok in (("a sparse-checkout", bool(sparse)),
                                     ("cone mode off", cone_off),
                                     ("a subfolder `path:`", bool(path))) if not ok]
    return [NO_SPARSE_CHECKOUT.finding(
        flow.file, step.line, step.label(), ": pull-request files are checked out without "
        f"{' and '.join(missing)}.")]


def workdir(step: Step, job: Job) -> str:
    return norm(step.node.text("working-directory") or job.working_directory())


def norm(path: str) -> str:
    path = path.strip().strip("'\"")
    for prefix in shell.WORKSPACE_PREFIXES:
        path = path.removeprefix(prefix)
    parts = [p for p in path.split("/") if p and p != "."]
    return "/".join(parts)


def _join(base: str, path: str) -> str:
    return norm(f"{base}/{path}" if base else path)


def _under(folder: str, root: str) -> bool:
    return not root or folder == root or folder.startswith(root + "/")

