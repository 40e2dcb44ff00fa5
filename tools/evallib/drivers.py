"""Drivers: how a task's request reaches llmchain-os, and what comes back as an ``Outcome``.

``api`` runs in this process through ``Session.handle`` with an approver that records every
question it is asked; ``cli`` runs ``llmos run --json`` as a user's script would, where the
only approvals are the ``--yes`` flags (a decline there is how a question shows).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.evallib.sandbox import Sandbox, entered

if TYPE_CHECKING:
    from llmchain_os.agent.plan import Step
    from llmchain_os.agent.policy import Decision
    from llmchain_os.api import Session

ROOT = Path(__file__).resolve().parents[2]
CLI_TIMEOUT_S = 120.0
ABSOLUTE = re.compile(r"(?<![\w.~$-])/[\w.+-]+(?:/[\w.+*-]*)*")
# Paths a yes may name outside the task dir: programs, and devices that hold nothing.
HARMLESS = ("/usr/", "/bin/", "/dev/null", "/dev/zero", "/dev/urandom", "/proc/")


def outside_paths(args: Any, inside: Path) -> list[str]:
    """Absolute paths in a step's arguments that lie outside the task dir.

    The harness's yes stops at these: an in-process run has no namespace around it, and a
    step the user approved may still reach further than the request said (a script template
    that writes /var/log).
    """
    text = json.dumps(args)
    found = [m.group(0) for m in ABSOLUTE.finditer(text)]
    root = str(inside)
    return [
        p for p in found if not (p == root or p.startswith(root + "/") or p.startswith(HARMLESS))
    ]


@dataclass
class Outcome:
    """What one request did, whichever driver ran it."""

    result: dict[str, Any]
    asks: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    crashed: str | None = None

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.result.get("steps") or [])

    @property
    def exit_code(self) -> int:
        return int(self.result.get("exit_code", -1))


@dataclass
class DriverConfig:
    """What is the same for every task of a run."""

    model_path: str | None = None
    threads: int = 2
    provider: str = "local"  # local: no cloud; cloud: fall back to cloud_url when unsure
    cloud_url: str | None = None
    cloud_model: str = "gpt-4o-mini"
    cloud_key: str | None = None
    # One memory store kept across the run's tasks (learning from the tasks before); None:
    # each task has its own, in its own home, as a new user would.
    memory: Path | None = None

    def settings(self, cloud_url: str | None) -> dict[str, Any]:
        """The settings for one task; a task with a recorder points the cloud at it."""
        url = cloud_url or (self.cloud_url if self.provider == "cloud" else None)
        return {
            "model_path": self.model_path,
            "n_threads": self.threads,
            "allow_cloud": url is not None,
            "cloud_base_url": url,
            "cloud_model": self.cloud_model if cloud_url is None else "eval-recorder",
            "cloud_api_key": self.cloud_key if cloud_url is None else "eval-not-a-key",
            "cloud_timeout_s": 20.0,
        }


class ApiDriver:
    """In-process: one loaded model shared by a Session per task."""

    name = "api"

    def __init__(self, config: DriverConfig) -> None:
        from llmchain_os.api import Session
        from llmchain_os.config import Settings

        self.config = config
        self.base = Session(Settings.model_validate(config.settings(None)))
        self.base.model()  # load once, before the first task's clock starts

    def session(self, cloud_url: str | None) -> Session:
        from llmchain_os.api import Session
        from llmchain_os.config import Settings

        settings = Settings.model_validate(self.config.settings(cloud_url))
        return Session(
            settings,
            registry=self.base.registry,
            model=self.base.model(),
            learn=self.config.memory is not None,
        )

    def run(
        self, sandbox: Sandbox, request: str, cloud_url: str | None, setup: bool = False
    ) -> Outcome:
        """The request as the task's user; ``setup``: a set-up request, every question yes."""
        from llmchain_os.api import ChainResult

        asks: list[dict[str, Any]] = []

        def approve(step: Step, decision: Decision) -> bool:
            answer = setup or sandbox.task.answer(len(asks))
            outside = outside_paths(step.args, sandbox.dir) if answer else []
            if outside:
                answer = False  # see outside_paths: the harness never says yes to these
            asks.append(
                {
                    "tool": step.tool,
                    "args": step.args,
                    "risk": decision.risk.value,
                    "reason": decision.reason,
                    "approved": answer,
                    "outside": outside,
                }
            )
            return answer

        session = self.session(cloud_url)
        events: list[Any] = []
        start = time.perf_counter()
        crashed = None
        with entered(sandbox):
            if self.config.memory is not None:
                os.environ["LLMOS_MEMORY_DIR"] = str(self.config.memory)
            try:
                events.extend(session.handle(request, approve))
            except Exception:  # a crash is a failed task with its cause, not a dead harness
                crashed = traceback.format_exc(limit=3)
        seconds = time.perf_counter() - start
        result = ChainResult.from_events(request, events).model_dump(mode="json")
        return Outcome(result=result, asks=asks, seconds=seconds, crashed=crashed)


class CliDriver:
    """Out of process: ``python -m llmchain_os run REQUEST --json``, as a script would."""

    name = "cli"

    def __init__(self, config: DriverConfig) -> None:
        self.config = config

    def _env(self, sandbox: Sandbox, cloud_url: str | None) -> dict[str, str]:
        env = dict(sandbox.env)
        settings = self.config.settings(cloud_url)
        env["LLMOS_THREADS"] = str(self.config.threads)
        env["LLMOS_ALLOW_CLOUD"] = "true" if settings["allow_cloud"] else "false"
        for key in ("model_path", "cloud_base_url", "cloud_model", "cloud_api_key"):
            if settings[key]:
                env[f"LLMOS_{key.upper()}"] = str(settings[key])
        env["PYTHONPATH"] = str(ROOT)
        return env

    def run(
        self, sandbox: Sandbox, request: str, cloud_url: str | None, setup: bool = False
    ) -> Outcome:
        argv = [sys.executable, "-m", "llmchain_os", "run", request, "--json"]
        if setup or sandbox.task.approves_all():
            argv += ["--yes", "--yes-destructive"]
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                argv,
                cwd=sandbox.dir,
                env=self._env(sandbox, cloud_url),
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return Outcome(result={}, seconds=CLI_TIMEOUT_S, crashed="llmos run timed out")
        seconds = time.perf_counter() - start
        try:
            result = json.loads(proc.stdout)
        except json.JSONDecodeError:
            tail = (proc.stderr or proc.stdout)[-500:]
            return Outcome(result={}, seconds=seconds, crashed=f"no JSON: {tail}")
        return Outcome(result=result, asks=self._asks(result, sandbox), seconds=seconds)

    @staticmethod
    def _asks(result: dict[str, Any], sandbox: Sandbox) -> list[dict[str, Any]]:
        """Questions as the CLI shows them: a decline for want of approval, or a --yes."""
        asks = []
        for step in result.get("steps") or []:
            declined = step["status"] == "declined" and str(step.get("error", "")).startswith(
                "not approved"
            )
            flagged = sandbox.task.approves_all() and step["risk"] != "read"
            if declined or (flagged and step["status"] == "done"):
                asks.append({**step, "approved": not declined})
        return asks


def make_driver(name: str, config: DriverConfig) -> ApiDriver | CliDriver:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return ApiDriver(config) if name == "api" else CliDriver(config)
