"""Commands under limits and, where the machine allows it, in a bubblewrap sandbox.

The sandbox is a read-only view of the whole filesystem, a private /tmp, the work dir (and any
paths asked for) writable, its own pid namespace and, unless asked, no network. Whether it
can run here is found out once per process by really running ``bwrap ... true``; when it
cannot, commands run without it and their result says so ("none: <why>"): a sandbox is
never claimed that did not apply.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from llmchain_os.safety.process import (
    SAFE_PATH,
    Chunk,
    Limits,
    ProcessResult,
    clean_environment,
    limit_prefix,
    stream_process,
)

__all__ = [
    "Chunk",
    "Limits",
    "ProcessResult",
    "SandboxSpec",
    "SandboxStatus",
    "run_process",
    "sandbox_status",
]

PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class SandboxSpec:
    """Where a sandboxed command works: ``workdir`` and ``writable`` are the only writable
    paths (each must exist); ``network`` keeps the host's network instead of none."""

    workdir: Path
    writable: tuple[Path, ...] = ()
    network: bool = False


@dataclass(frozen=True)
class SandboxStatus:
    """Whether bubblewrap works here: ``how`` ("bubblewrap 0.8.0") or ``why_not``."""

    available: bool
    how: str
    why_not: str


def _isolation(network: bool) -> list[str]:
    base = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    return [*base, *([] if network else ["--unshare-net"]), "--unshare-pid", "--die-with-parent"]


@functools.lru_cache(maxsize=1)
def sandbox_status() -> SandboxStatus:
    """Runs ``bwrap ... true`` once per process: a container may forbid user namespaces."""
    exe = shutil.which("bwrap", path=SAFE_PATH)
    if exe is None:
        return SandboxStatus(False, "", "bwrap not found - apt install bubblewrap")
    try:
        probe = subprocess.run(
            [exe, *_isolation(network=False), "--", "true"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
        version = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return SandboxStatus(False, "", f"bwrap did not run: {exc}")
    if probe.returncode != 0:
        lines = probe.stderr.strip().splitlines()
        return SandboxStatus(False, "", lines[-1] if lines else f"bwrap exited {probe.returncode}")
    return SandboxStatus(True, version or "bubblewrap", "")


def bwrap_prefix(spec: SandboxSpec, chdir: Path) -> list[str]:
    """The bwrap argv up to ``--``; binds come after the /tmp tmpfs so a work dir under /tmp
    is the real one, not hidden by it."""
    exe = shutil.which("bwrap", path=SAFE_PATH) or "bwrap"
    argv = [exe, *_isolation(spec.network)]
    for path in (spec.workdir, *spec.writable):
        argv += ["--bind", str(path), str(path)]
    return [*argv, "--chdir", str(chdir), "--"]


def describe(spec: SandboxSpec) -> str:
    writable = ", ".join(f"writable {p}" for p in (spec.workdir, *spec.writable))
    network = "network" if spec.network else "no network"
    return f"bubblewrap (read-only /, {writable}, {network})"


def _resolved(spec: SandboxSpec) -> SandboxSpec:
    """Absolute, existing paths: bwrap cannot bind what is not there, so say which."""
    paths = [p.expanduser().resolve() for p in (spec.workdir, *spec.writable)]
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"sandbox path {path} does not exist - create it first")
        if path == Path("/"):
            raise ValueError(
                "a writable / in the sandbox would make every file writable - "
                "run from a folder of its own"
            )
    return SandboxSpec(paths[0], tuple(paths[1:]), spec.network)


def run_process(
    argv: list[str],
    limits: Limits,
    sandbox: SandboxSpec | None = None,
    *,
    clean_env: bool = True,
    cwd: Path | None = None,
) -> Iterator[str | ProcessResult]:
    """Run ``argv`` under ``limits``; yield output chunks as they come, then the ProcessResult.

    Chunks are ``Chunk`` (a str with ``.stream``, "stdout" or "stderr"). Runs in the calling
    thread: a Ctrl-C (KeyboardInterrupt) or closing the generator stops the whole process
    group (SIGTERM, SIGKILL after a grace) and the interrupt is re-raised. With ``sandbox``
    the command runs in bubblewrap when ``sandbox_status()`` says it can, else without it,
    in ``sandbox.workdir``, and ``ProcessResult.sandbox`` says why not. ``clean_env`` passes
    only PATH, HOME, USER, LANG, TERM and TZ.
    """
    if not argv:
        raise ValueError("run_process needs a command")
    prefix, preexec = limit_prefix(limits)
    env = clean_environment() if clean_env else None
    command, workdir, how = [*prefix, *argv], cwd, "none: not asked for"
    if sandbox is not None:
        spec = _resolved(sandbox)
        workdir = cwd or spec.workdir
        status = sandbox_status()
        if status.available:
            command, how = [*prefix, *bwrap_prefix(spec, workdir), *argv], describe(spec)
        else:
            how = f"none: {status.why_not}"
    return stream_process(argv, command, limits, env=env, cwd=workdir, sandbox=how, preexec=preexec)
