"""The real image, end to end, run the way GitHub's runner runs a Docker action (issue #24).

Run as root on Linux (`.ci/run` does, after the test suite): installs the engine if it is
missing (apt-get), starts a private dockerd on its own socket, makes a stand-in for the
Dockerfile's base (a Debian minimal root with CPython under /usr/local, as the official
python:3.X-slim lays it out; cached outside the repository), serves a wheelhouse of the
hash-pinned locks, builds the real, unchanged Dockerfile, and runs every Docker action with the
`docker run` that actions/runner composes against the test suite's fake GitHub. It checks exit
codes, GITHUB_OUTPUT read by the runner's grammar, the step summary, that no token appears
anywhere, that nothing it leaves belongs to anyone but the runner's user, and that this user can
delete all of it. Everything it started is stopped on the way out, failed or not.

    scripts/image-e2e [--timings FILE] [--measure]

`--measure` adds the figures of docs/performance.md: image sizes and cold starts, this image
against the last single-stage one (built from git, same base, same run).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The test suite's fake GitHub (over real HTTP), payloads and samples: one of each.
sys.path[:0] = [str(ROOT / "tests" / folder) for folder in
                ("", "job_logs", "autofix_guard", "draft_toggle", "workflow_audit")]

from joblog_samples import failing_job  # noqa: E402
from test_audit_action import VULNERABLE  # noqa: E402
from test_autofix_guard import BOT, BOT_PERSON, push  # noqa: E402
from test_draft_toggle import labeled  # noqa: E402

from fake_github import FakeGitHub  # noqa: E402

CACHE = Path(os.environ.get("CI_TOOLKIT_E2E_CACHE") or
             Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ci-toolkit-e2e")
RUNNER_USER = 1001  # the runner's user on GitHub-hosted runners; the container runs as root
SUITE = "trixie"  # python:3.12-slim's Debian
# Debian's names for what CPython's modules link (ldd of lib-dynload, Tk left out as slim does).
PACKAGES = ("ca-certificates", "netbase", "tzdata", "libbz2-1.0", "libexpat1", "libffi8",
            "liblzma5", "libncursesw6", "libreadline8t64", "libsqlite3-0", "libssl3t64",
            "libtirpc3t64", "libnsl2", "libuuid1", "zlib1g")
LEFT_OUT = {"site-packages", "__pycache__", "test", "tests", "idle_test", "idlelib", "tkinter",
            "turtledemo"}
STANDIN = """\
FROM {root}
ENV LANG=C.UTF-8 PYTHON_VERSION={version}
COPY usr-local/ /usr/local/
RUN ldconfig && ln -s python{short} /usr/local/bin/python3 && ln -s python3 /usr/local/bin/python \
    && python3 -m ensurepip --default-pip && rm -rf /root/.cache
CMD ["python3"]
"""
WAIT = 30.0  # seconds: the daemon's start, a container's stop
TOKEN = FakeGitHub.token
RUN_ID = 4242


class Failure(Exception):
    """The image, the engine or a case went wrong: CI fails with this message."""


def say(message: str) -> None:
    print(message, flush=True)


def run(argv: list[str], *, timeout: float, env: dict[str, str] | None = None,
        check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False, **kwargs)
    except subprocess.TimeoutExpired:
        raise Failure(f"`{' '.join(argv[:3])} …` did not finish in {timeout:.0f} s") from None
    if check and done.returncode != 0:
        raise Failure(f"`{' '.join(argv[:4])} …` exited {done.returncode}:\n"
                      f"{(done.stdout + done.stderr)[-3000:]}")
    return done


@dataclass
class Clock:
    """Seconds per phase, in order."""

    phases: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        say(f"== {name}")
        start = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = round(time.monotonic() - start, 1)
            say(f"   {name}: {self.phases[name]} s")


# ---------------------------------------------------------------------------- the engine


def install_engine() -> None:
    missing = [p for p, tool in (("docker.io", "dockerd"), ("mmdebstrap", "mmdebstrap"))
               if shutil.which(tool) is None]
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], timeout=300, env=env)
        run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing,
             "ca-certificates", "xz-utils"], timeout=600, env=env)


class Engine:
    """A dockerd of our own: its own socket, data and exec roots, no bridge, no iptables."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.socket = work / "docker.sock"
        self.log = work / "dockerd.log"
        self.env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work),
                    "DOCKER_HOST": f"unix://{self.socket}", "DOCKER_CONFIG": str(work / "cli")}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        config = self.work / "daemon.json"
        config.write_text("{}\n")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                ["dockerd", "--config-file", str(config), "--data-root", str(self.work / "data"),
                 "--exec-root", str(self.work / "exec"), "--pidfile", str(self.work / "pid"),
                 "-H", f"unix://{self.socket}", "--iptables=false", "--ip-masq=false",
                 "--bridge=none", "--storage-driver=overlay2"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Failure(f"dockerd exited {self.process.returncode}:\n{self._log_tail()}")
            if self.socket.exists() and self.docker("version", check=False,
                                                    timeout=10).returncode == 0:
                return
            time.sleep(0.2)
        raise Failure(f"dockerd did not answer in {WAIT:.0f} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def docker(self, *args: str, timeout: float = 120, check: bool = True,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run(["docker", *args], timeout=timeout, check=check, env={**self.env, **(env or {})})

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(Failure):
                ids = self.docker("ps", "-aq", timeout=20).stdout.split()
                if ids:
                    self.docker("rm", "-f", *ids, timeout=60)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(WAIT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its session: our dockerd, its kin
                self.process.wait(WAIT)
        for mount in reversed(_mounts_under(self.work)):
            run(["umount", "-l", mount], timeout=30, check=False)
        self.process = None


def _mounts_under(folder: Path) -> list[str]:
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    return [p for p in points if p.startswith(str(folder) + "/")]


# ---------------------------------------------------------------------------- the base


def from_line() -> str:
    """The Dockerfile's base (its first FROM); the stand-in is tagged with this name."""
    match = re.search(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    if not match:
        raise Failure("the Dockerfile has no FROM line")
    return match.group(1)


def cpython(series: str) -> Path:
    """The newest pyenv build of `series` (e.g. 3.12) on this machine."""
    versions = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = sorted((p for p in versions.glob(f"{series}.*") if re.fullmatch(
        rf"{re.escape(series)}\.\d+", p.name)), key=lambda p: int(p.name.split(".")[2]))
    if not found:
        raise Failure(f"no CPython {series} under {versions}: the stand-in base needs one")
    return found[-1]


def _keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    parts = Path(info.name).parts
    if LEFT_OUT & set(parts) or info.name.endswith(".a") or parts[-1].startswith("_tkinter"):
        return None
    return info


def series() -> str:
    """The Python of the Dockerfile's base, e.g. 3.12."""
    found = re.search(r"python:(\d+\.\d+)", from_line())
    if found is None:
        raise Failure(f"the stand-in knows python:3.X bases only, not {from_line()}")
    return found.group(1)


def make_base(engine: Engine, work: Path, python: Path) -> str:
    """The stand-in for the Dockerfile's FROM, loaded from the cache or made and cached."""
    short = series()
    recipe = json.dumps([SUITE, PACKAGES, python.name, sorted(LEFT_OUT), STANDIN])
    tag = f"ci-toolkit-e2e/python:{python.name}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"
    saved = CACHE / (tag.split("/")[1].replace(":", "-") + ".tar")
    if saved.exists():
        engine.docker("load", "-i", str(saved), timeout=300)
        return tag
    rootfs = work / "rootfs.tar"
    run(["mmdebstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES),
         "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*",
         SUITE, str(rootfs), _mirror()], timeout=600)
    root_tag = f"ci-toolkit-e2e/debian:{SUITE}"
    engine.docker("import", "--change", "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:"
                  "/usr/bin:/sbin:/bin", str(rootfs), root_tag, timeout=300)
    context = work / "standin"
    local = context / "usr-local"
    (local / "bin").mkdir(parents=True)
    shutil.copy2(python / "bin" / f"python{short}", local / "bin")
    with tarfile.open(work / "lib.tar", "w") as tar:  # the library, as slim keeps it
        tar.add(python / "lib", "lib", filter=_keep)
    with tarfile.open(work / "lib.tar") as tar:
        tar.extractall(local, filter="tar")
    (local / "lib" / f"python{short}" / "site-packages").mkdir(exist_ok=True)
    (context / "Dockerfile").write_text(STANDIN.format(root=root_tag, version=python.name,
                                                       short=short))
    engine.docker("build", "--network", "host", "-t", tag, str(context), timeout=600)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial_file = saved.with_suffix(f".{os.getpid()}.part")
    engine.docker("save", "-o", str(partial_file), tag, timeout=300)
    partial_file.replace(saved)  # whole or absent, even with two runs at once
    return tag


def _mirror() -> str:
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    text = sources.read_text() if sources.exists() else ""
    match = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.M)
    return match.group(1) if match else "http://deb.debian.org/debian"


def wheelhouse(python: Path) -> Path:
    """Every file the locks name, downloaded once per lock content (hashes checked)."""
    locks = sorted((ROOT / "requirements").glob("*.lock"))
    key = hashlib.sha256(b"".join(p.read_bytes() for p in locks)).hexdigest()[:12]
    folder = CACHE / f"wheels-{key}"
    if folder.is_dir():
        return folder
    part = Path(tempfile.mkdtemp(prefix="wheels-", dir=CACHE))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_CERT=os.environ.get("PIP_CERT", ""))
    args = [a for lock in locks for a in ("-r", str(lock))]
    run([str(python / "bin" / "python3"), "-m", "pip", "download", "--quiet", "--require-hashes",
         "--only-binary=:all:", "--index-url", "https://pypi.org/simple", "-d", str(part),
         *args], timeout=600, env={k: v for k, v in env.items() if v})
    part.replace(folder)
    return folder


@contextlib.contextmanager
def served(folder: Path) -> Iterator[int]:
    """`folder` over HTTP on 127.0.0.1, on a free port, while the block runs."""
    handler = partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def tag_base(engine: Engine, standin: str, port: int, work: Path) -> None:
    """The stand-in under the Dockerfile's FROM name, with pip pointed at our wheelhouse."""
    context = work / "base"
    context.mkdir()
    (context / "pip.conf").write_text(f"[global]\nno-index = true\nfind-links = "
                                      f"http://127.0.0.1:{port}/\ntrusted-host = 127.0.0.1\n")
    (context / "Dockerfile").write_text(f"FROM {standin}\nCOPY pip.conf /etc/pip.conf\n")
    engine.docker("build", "-q", "-t", from_line(), str(context), timeout=120)


# ---------------------------------------------------------------------------- the runner


@dataclass
class Step:
    rc: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    seconds: float

    def warnings(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::warning")]

    def errors(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::error")]


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as actions/runner reads it (FileCommandManager): `name=value` or
    `name<<DELIMITER` … `DELIMITER`, whichever of `=` and `<<` comes first; anything else, an
    empty name or a missing delimiter fails the step."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line[:equals], line[equals + 1:]
        elif heredoc >= 0:
            name, delimiter = line[:heredoc], line[heredoc + 2:]
            if not delimiter:
                raise Failure(f"GITHUB_OUTPUT: empty delimiter in {line!r}")
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            else:
                raise Failure(f"GITHUB_OUTPUT: matching delimiter not found: {delimiter!r}")
            value = "\n".join(body)
        else:
            raise Failure(f"GITHUB_OUTPUT: invalid format {line!r}")
        if not name:
            raise Failure(f"GITHUB_OUTPUT: empty name in {line!r}")
        outputs[name] = value
    return outputs


class Runner:
    """One job's folders as actions/runner lays them out, the workspace the runner user's."""

    def __init__(self, root: Path, engine: Engine, image: str, fake: FakeGitHub) -> None:
        self.root, self.engine, self.image, self.fake = root, engine, image, fake
        self.workspace = root / "_work" / fake.repo / fake.repo
        self.temp = root / "_work" / "_temp"
        self.commands = self.temp / "_runner_file_commands"
        for folder in (self.workspace, self.temp / "_github_home", self.temp / "_github_workflow",
                       self.commands):
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (root, *root.parents):
            if folder == Path(tempfile.gettempdir()):
                break
            folder.chmod(0o755)  # mkdtemp's 0700 would lock the runner user out
        self.give(root)

    def give(self, top: Path) -> None:
        """`top` and all below it to the runner user, as the runner's own files are."""
        for path in (top, *top.rglob("*")):
            os.chown(path, RUNNER_USER, RUNNER_USER, follow_symlinks=False)

    def write(self, relative: str, data: str | bytes) -> Path:
        path = self.workspace / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        self.give(self.workspace)
        return path

    def step(self, command: str, inputs: dict[str, str] | None = None, *,
             event: dict[str, Any] | None = None, event_name: str = "push",
             env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Step:
        """The `docker run` of actions/runner's ContainerActionHandler for one step."""
        guid = uuid.uuid4()
        files = {kind: self.commands / f"{kind}_{guid}"
                 for kind in ("set_output", "step_summary", "set_env", "add_path", "save_state")}
        for path in files.values():
            path.touch()
        (self.temp / "_github_workflow" / "event.json").write_text(json.dumps(event or {}))
        self.give(self.temp)
        values = {**self._inputs(command, inputs or {}), **self._github(event_name, files),
                  **(env or {})}
        argv = ["docker", "run", "--name", f"ci-toolkit-e2e-{guid.hex}", "--label",
                "ci-toolkit-e2e", "--workdir", "/github/workspace", "--rm"]
        for name in values:
            argv += ["-e", name]  # by name: the value travels in the client's environment
        argv += ["-e", "GITHUB_ACTIONS=true", "-e", "CI=true",
                 "-v", f"{self.engine.socket}:/var/run/docker.sock",
                 "-v", f"{self.temp}:/github/runner_temp",
                 "-v", f"{self.temp / '_github_home'}:/github/home",
                 "-v", f"{self.temp / '_github_workflow'}:/github/workflow",
                 "-v", f"{self.commands}:/github/file_commands",
                 "-v", f"{self.workspace}:/github/workspace",
                 "--network", "host",  # not the runner's: it reaches the fake on 127.0.0.1
                 self.image, command, *args]
        start = time.monotonic()
        done = run(argv, timeout=180, check=False, env={**self.engine.env, **values})
        seconds = time.monotonic() - start
        step = Step(done.returncode, done.stdout, done.stderr,
                    parse_output_file(files["set_output"].read_text()),
                    files["step_summary"].read_text(), seconds)
        self.check_left_behind(command, step)
        for path in files.values():
            path.unlink()
        return step

    def _inputs(self, command: str, given: dict[str, str]) -> dict[str, str]:
        import yaml  # the project's test dependency

        declared = yaml.safe_load((ROOT / command / "action.yml").read_text())["inputs"]
        unknown = set(given) - set(declared)
        if unknown:
            raise Failure(f"{command}: inputs not in its action.yml: {sorted(unknown)}")
        values = {}
        for name, spec in declared.items():
            default = str(spec.get("default", "")).replace("${{ github.token }}", TOKEN)
            values["INPUT_" + name.replace(" ", "_").upper()] = given.get(name, default)
        return values

    def _github(self, event_name: str, files: dict[str, Path]) -> dict[str, str]:
        """The runner's variables, host paths translated to the container's."""
        inside = {"set_output": "GITHUB_OUTPUT", "step_summary": "GITHUB_STEP_SUMMARY",
                  "set_env": "GITHUB_ENV", "add_path": "GITHUB_PATH", "save_state": "GITHUB_STATE"}
        fake = self.fake
        return {
            **{name: f"/github/file_commands/{files[kind].name}" for kind, name in inside.items()},
            "HOME": "/github/home",
            "GITHUB_WORKSPACE": "/github/workspace",
            "GITHUB_EVENT_PATH": "/github/workflow/event.json",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_REPOSITORY": fake.repo_full_name,
            "GITHUB_REPOSITORY_OWNER": fake.owner,
            "GITHUB_RUN_ID": str(RUN_ID),
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_RUN_NUMBER": "7",
            "GITHUB_SHA": fake.refs[f"refs/heads/{fake.default_branch}"],
            "GITHUB_REF": f"refs/heads/{fake.default_branch}",
            "GITHUB_ACTOR": "octocat",
            "GITHUB_TRIGGERING_ACTOR": "octocat",
            "GITHUB_JOB": "e2e",
            "GITHUB_ACTION": "__run",
            "GITHUB_API_URL": fake.url,
            "GITHUB_GRAPHQL_URL": f"{fake.url}/graphql",
            "GITHUB_SERVER_URL": "https://github.com",
            "RUNNER_TEMP": "/github/runner_temp",
            "RUNNER_WORKSPACE": str(self.workspace.parent),  # left as it is, as the runner does
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_NAME": "GitHub Actions 2",
            # The workflow's `env:`, not the runner's: no retry waits against the fake.
            "CI_TOOLKIT_WAIT_SCALE": "0",
            "CI_TOOLKIT_WRITE_INTERVAL": "0",
        }

    def check_left_behind(self, command: str, step: Step) -> None:
        """No token anywhere; everything under the runner's folders is the runner user's."""
        shown = "\n".join(line for line in (step.stdout + step.stderr).splitlines()
                          if not line.startswith("::add-mask::"))  # the runner consumes these
        texts = {"the log": shown, "the outputs": json.dumps(step.outputs),
                 "the summary": step.summary}
        for path in self.root.rglob("*"):
            info = path.lstat()
            if (info.st_uid, info.st_gid) != (RUNNER_USER, RUNNER_USER):
                raise Failure(f"{command} left {path} owned by {info.st_uid}:{info.st_gid}, "
                              f"not the runner user's {RUNNER_USER}")
            if path.is_file():
                texts[str(path)] = path.read_text(errors="replace")
        for where, text in texts.items():
            if TOKEN in text:
                raise Failure(f"{command}: the token is in {where}")

    def clean_as_runner_user(self) -> None:
        """What the next checkout does on a self-hosted runner: delete all, as that user."""
        for folder in (self.workspace, self.temp):
            entries = [str(p) for p in folder.iterdir()]
            if entries:
                done = run(["rm", "-rf", "--", *entries], timeout=60, check=False,
                           user=RUNNER_USER, group=RUNNER_USER, extra_groups=[])
                if done.returncode != 0 or any(folder.iterdir()):
                    raise Failure(f"the runner user cannot delete what is left in {folder}:\n"
                                  f"{done.stderr[-2000:]}")


# ---------------------------------------------------------------------------- the cases


def expect(condition: bool, case: str, step: Step, what: str) -> None:
    if not condition:
        raise Failure(f"{case}: {what}\nexit {step.rc}\noutputs {json.dumps(step.outputs)[:2000]}"
                      f"\nstdout:\n{step.stdout[-3000:]}\nstderr:\n{step.stderr[-3000:]}")


def coverage_reports(work: Path) -> dict[str, dict[str, Any]]:
    """Two test jobs' coverage.py JSON reports, made now by coverage.py itself."""
    (work / "pkg.py").write_text("def a(x):\n    if x:\n        return 1\n    return 2\n\n\n"
                                 "def b():\n    return 3\n")
    reports = {}
    for job, call in (("py3.11", "pkg.a(1)"), ("py3.12", "pkg.a(0); pkg.b()")):
        (work / "job.py").write_text(f"import pkg\n{call}\n")
        data = work / f".coverage.{job}"
        run([sys.executable, "-m", "coverage", "run", f"--data-file={data}", "job.py"],
            timeout=60, cwd=work)
        out = work / f"{job}.json"
        run([sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(out)],
            timeout=60, cwd=work)
        reports[job] = json.loads(out.read_text())
    return reports


def zipped(name: str, data: bytes) -> bytes:
    path = Path(tempfile.mkdtemp()) / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, data)
    blob = path.read_bytes()
    shutil.rmtree(path.parent)
    return blob


Case = Callable[[Runner, FakeGitHub, Path], None]


def soft_gate_files(runner: Runner, fake: FakeGitHub, work: Path) -> None:
    reports = coverage_reports(work)
    for job, report in reports.items():
        runner.write(f"reports/{job}/coverage.json", json.dumps(report))
    step = runner.step("coverage-soft-gate", {"files": "reports/**/coverage.json"})
    mean = statistics.fmean(r["totals"]["percent_covered"] for r in reports.values())
    expect(step.rc == 0 and not step.warnings(), "soft gate, files", step, "exit 0, no warning")
    expect(step.outputs.get("jobs") == "2" and step.outputs.get("average") == f"{mean:.2f}",
           "soft gate, files", step, f"2 jobs, average {mean:.2f}")
    number = step.outputs.get("issue-number", "")
    expect(number.isdigit() and fake.issues[int(number)]["title"].startswith("Increase test"),
           "soft gate, files", step, "the tracking issue")
    expect("py3.11" in step.summary and "py3.12" in step.summary, "soft gate, files", step,
           "both jobs in the step summary")


def soft_gate_artifacts(runner: Runner, fake: FakeGitHub, work: Path) -> None:
    reports = coverage_reports(work)
    for job, report in reports.items():
        fake.add_artifact(RUN_ID, f"coverage-{job}",
                          data=zipped("coverage.json", json.dumps(report).encode()))
    step = runner.step("coverage-soft-gate", {"pr-comment": "false"})
    expect(step.rc == 0 and step.outputs.get("jobs") == "2", "soft gate, artifacts", step,
           "exit 0 and the 2 artifacts read")
    expect("coverage-py3.12" in step.summary, "soft gate, artifacts", step, "the summary")


@contextlib.contextmanager
def read_only(fake: FakeGitHub) -> Iterator[None]:
    """The fake answers every write 403, as GitHub does a token without the permission."""
    fake.read_only = True
    try:
        yield
    finally:
        fake.read_only = False


def read_only_token(command: str, inputs: dict[str, str], rc: int) -> Case:
    """A token that may only read: a soft action exits 0 with a warning, an operation exits 1
    with an error; both name the permission it lacks."""
    def case(runner: Runner, fake: FakeGitHub, work: Path) -> None:
        with read_only(fake):
            step = runner.step(command, inputs)
        said = step.warnings() if rc == 0 else step.errors()
        expect(step.rc == rc and any("issues: write" in line for line in said),
               f"{command}, read-only token", step, f"exit {rc} naming `issues: write`")
    return case


def job_logs(runner: Runner, fake: FakeGitHub, work: Path) -> None:
    fields, log = failing_job("test (3.12)", ["E   assert 1 == 2", "FAILED tests/test_x.py"])
    job = fake.add_job(RUN_ID, **fields)
    fake.add_job_log(job["id"], log)
    fake.add_job(RUN_ID, "lint")
    step = runner.step("job-logs")
    out = step.outputs
    expect(step.rc == 0 and out.get("failed") == "1" and out.get("total") == "3",
           "job-logs", step, "3 jobs (the e2e one pending), 1 failed")
    expect("assert 1 == 2" in step.summary and "Logs for this run" in step.summary,
           "job-logs", step, "the table and the excerpt in the step summary")
    expect(out.get("table", "").strip() in step.summary, "job-logs", step, "table == summary")


def job_logs_invalid_input(runner: Runner, fake: FakeGitHub, work: Path) -> None:
    step = runner.step("job-logs", {"filter": "newest"})
    expect(step.rc == 2 and any("filter" in e for e in step.errors()), "invalid input", step,
           "exit 2 through docker, naming the input")
    expect("Traceback" not in step.stdout + step.stderr, "invalid input", step, "no traceback")


def bulk_issues(runner: Runner, fake: FakeGitHub, work: Path) -> None:
    """Creates two issues, and nothing the second time (the run from the other folder)."""
    before = len(fake.issues)
    again = any(issue["title"] == "First" for issue in fake.issues.values())
    step = runner.step("bulk-issues", {"spec": "## First\nLabels: e2e\nOne.\n## Second\nTwo.\n"})
    issues = json.loads(step.outputs.get("issues", "[]"))
    counts = (step.outputs.get("created"), step.outputs.get("skipped"))
    expect(step.rc == 0 and counts == (("0", "2") if again else ("2", "0")) and len(issues) == 2,
           "bulk-issues", step, "skipped both" if again else "created both")
    expect(len(fake.issues) == before + (0 if again else 2) and "e2e" in fake.labels,
           "bulk-issues", step, "the issues and their label on GitHub, once")


def autofix_guard(runner: Runner, fake: FakeGitHub, work: Path) -> None:
    event = push("chore(autofix): ruff format", BOT_PERSON, BOT)
    step = runner.step("autofix-guard", event=event, event_name="push")
    expect(step.rc == 0 and step.outputs.get("skip") == "true", "autofix-guard", step, "skip")
    expect("Skipping" in step.summary, "autofix-guard", step, "the step summary")


def draft_toggle(runner: Runner, fake: FakeGitHub, work: Path) -> None:
    step = runner.step("draft-toggle", {"draft": "true"}, event=labeled(), event_name="issues")
    out = step.outputs
    expect(step.rc == 0 and out.get("operation") == "created" and out.get("draft") == "true",
           "draft-toggle", step, "a draft pull request created")
    expect(fake.pulls[int(out["pr-number"])]["draft"], "draft-toggle", step, "draft on GitHub")


def workflow_audit(runner: Runner, fake: FakeGitHub, work: Path) -> None:
    runner.write(".github/workflows/pr.yml", VULNERABLE)
    step = runner.step("workflow-audit", {"sarif": "audit results/run 1/audit.sarif"})
    expect(step.rc == 1 and int(step.outputs.get("errors", "0")) >= 1, "workflow-audit", step,
           "exit 1 on the error finding")
    sarif = json.loads((runner.workspace / "audit results/run 1/audit.sarif").read_text())
    expect(sarif["version"] == "2.1.0" and sarif["runs"][0]["results"], "workflow-audit", step,
           "the SARIF file")


CASES: dict[str, Case] = {
    "coverage-soft-gate (files)": soft_gate_files,
    "coverage-soft-gate (artifacts)": soft_gate_artifacts,
    "coverage-soft-gate (read-only token)": read_only_token(
        "coverage-soft-gate", {"issue-title": "Read-only gate"}, rc=0),
    "job-logs": job_logs,
    "job-logs (invalid input: exit 2)": job_logs_invalid_input,
    "bulk-issues": bulk_issues,
    "bulk-issues (read-only token)": read_only_token(
        "bulk-issues", {"spec": "## Third\nThree.\n"}, rc=1),
    "autofix-guard": autofix_guard,
    "draft-toggle": draft_toggle,
    "workflow-audit (sarif)": workflow_audit,
}
# Run a second time from a runner folder whose path has spaces, as self-hosted runners may.
WITH_SPACES = ("workflow-audit (sarif)", "bulk-issues")


def docker_actions() -> set[str]:
    import yaml

    return {p.parent.name for p in ROOT.glob("*/action.yml")
            if yaml.safe_load(p.read_text())["runs"]["using"] == "docker"}


def run_cases(engine: Engine, image: str, work: Path) -> dict[str, float]:
    covered = {name.split(" ")[0] for name in CASES}
    if covered != docker_actions():
        raise Failure(f"the cases cover {sorted(covered)}, the Docker actions are "
                      f"{sorted(docker_actions())}")
    seconds: dict[str, float] = {}
    with FakeGitHub(owner="Codertocat", repo="Hello-World", default_branch="master") as fake:
        fake.add_issue("Spelling error in the README file", "It says Helo.")  # the payload's #1
        fake.add_run(RUN_ID, jobs=[{"name": "e2e", "status": "in_progress"}])
        for root, names in ((work / "runner", list(CASES)),
                            (work / "self hosted" / "actions runner", list(WITH_SPACES))):
            runner = Runner(root, engine, image, fake)
            for name in names:
                label = name if root.name == "runner" else f"{name}, path with spaces"
                start = time.monotonic()
                case_work = Path(tempfile.mkdtemp(dir=work))
                CASES[name](runner, fake, case_work)
                seconds[label] = round(time.monotonic() - start, 1)
                say(f"   ok  {label} ({seconds[label]} s)")
            runner.clean_as_runner_user()
    return seconds


def check_image(engine: Engine, image: str) -> None:
    """What the image holds: our version, the lock's pins exactly, no pip, no build backend."""
    probe = ("import importlib.metadata as m, importlib.util as u, json, shutil; print(json.dumps("
             "{'dists': sorted(f\"{d.metadata['Name']}=={d.version}\" for d in m.distributions()),"
             " 'pip': [x for x in ('pip', 'setuptools', 'wheel') if u.find_spec(x)] + "
             "[x for x in ('pip', 'pip3') if shutil.which(x)]}))")
    done = engine.docker("run", "--rm", "--entrypoint", "python", image, "-c", probe)
    found = json.loads(done.stdout)
    if found["pip"]:
        raise Failure(f"the image still holds {found['pip']}")
    locked = set(re.findall(r"^([A-Za-z0-9_.-]+==\S+) \\$",
                            (ROOT / "requirements" / "image.lock").read_text(), re.M))
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert version is not None
    wanted = {_normal(p) for p in locked} | {f"ci-toolkit=={version.group(1)}"}
    if {_normal(d) for d in found["dists"]} != wanted:
        raise Failure(f"the image's packages {sorted(found['dists'])} are not the lock's "
                      f"{sorted(wanted)}")


def _normal(pin: str) -> str:
    name, _, version = pin.partition("==")
    return re.sub(r"[-_.]+", "-", name).lower() + "==" + version


def cold_start(engine: Engine, image: str, times: int = 9) -> dict[str, float]:
    """Medians: `docker run` to the container's end for a bare start (`true`), and to the
    first output line of `ci-toolkit --version` and of a command's help."""
    def first_line(*args: str) -> float:
        start = time.monotonic()
        with subprocess.Popen(["docker", "run", "--rm", *args], env=engine.env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
            assert proc.stdout is not None
            proc.stdout.readline()
            took = time.monotonic() - start
            proc.wait(60)
        return took

    figures = {"bare start (true)": ["--entrypoint", "true", image],
               "first line of --version": [image, "--version"],
               "first line of job-logs --help": [image, "job-logs", "--help"]}
    return {name: round(statistics.median(first_line(*args) for _ in range(times)), 2)
            for name, args in figures.items()}


def image_size(engine: Engine, image: str) -> int:
    return int(engine.docker("image", "inspect", "-f", "{{.Size}}", image).stdout)


def measure(engine: Engine, image: str, work: Path, baseline_rev: str) -> dict[str, Any]:
    """This image against the last single-stage one (its Dockerfile from git), same base."""
    old = work / "baseline"
    run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), baseline_rev],
        timeout=60)
    try:
        engine.docker("build", "--network", "host", "-t", "ci-toolkit:baseline", str(old),
                      timeout=600)
    finally:
        run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], timeout=60)
    base = image_size(engine, from_line())
    return {label: {"size_mb": round(image_size(engine, tag) / 1e6, 1),
                    "above_base_mb": round((image_size(engine, tag) - base) / 1e6, 1),
                    "cold_start_s": cold_start(engine, tag)}
            for label, tag in (("this image", image), (f"{baseline_rev} (baseline)",
                                                       "ci-toolkit:baseline"))}


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timings", type=Path, help="write the phases' seconds here (JSON)")
    parser.add_argument("--measure", metavar="BASELINE_REV", help="also measure size and cold "
                        "start against the image of this git revision")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        say("image-e2e: needs root (it starts its own dockerd, as the machine's CI does)")
        return 1
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still runs every `finally`
    clock = Clock()
    work = Path(tempfile.mkdtemp(prefix="cit-e2e-"))  # short: a socket path has 108 bytes
    engine = Engine(work)
    results: dict[str, Any] = {}
    start = time.monotonic()
    try:
        with clock.phase("engine"):
            install_engine()
            engine.start()
        with clock.phase("stand-in base"):
            CACHE.mkdir(parents=True, exist_ok=True)
            python = cpython(series())
            standin = make_base(engine, work, python)
            wheels = wheelhouse(python)
        image = f"ci-toolkit:e2e-{uuid.uuid4().hex[:8]}"
        with served(wheels) as port:  # pip in the base looks here: the measure builds too
            with clock.phase("build"):
                tag_base(engine, standin, port, work)
                engine.docker("build", "--network", "host", "-t", image, str(ROOT), timeout=600)
            with clock.phase("image contents"):
                check_image(engine, image)
            with clock.phase("actions"):
                results["cases"] = run_cases(engine, image, work)
            if args.measure:
                with clock.phase("measure"):
                    results["measure"] = measure(engine, image, work, args.measure)
                    say(json.dumps(results["measure"], indent=2))
    except Failure as exc:
        say(f"::error::image-e2e: {exc}")
        return 1
    finally:
        with clock.phase("cleanup"):
            engine.stop()
            shutil.rmtree(work, ignore_errors=True)
        results["phases"] = clock.phases
        results["total_s"] = round(time.monotonic() - start, 1)
        say(f"image-e2e: {results['total_s']} s in all ({clock.phases})")
        if args.timings:
            args.timings.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
