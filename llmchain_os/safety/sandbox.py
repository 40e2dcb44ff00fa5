"""Commands under limits and, where the machine allows it, in a bubblewrap sandbox.

The sandbox is a read-only view of the whole filesystem, a private /tmp (or the host's,
read-only, with a private TMPDIR), the work dir (and any paths asked for) writable, its own pid
namespace, no capabilities, llmchain-os's own folders hidden and, unless asked, no network.
What a step may write comes from its approval: see ``safety/confine.py``. Whether it
can run here is found out once per process by really running ``bwrap ... true``; when it
cannot, commands run without it and their result says so ("none: <why>"): a sandbox is
never claimed that did not apply.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
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
    """Where a sandboxed command works and what it may touch.

    ``workdir`` is where it starts (writable when ``workdir_writable``); ``writable`` paths
    are bound writable (each must exist); ``protect`` paths are bound read-only on top of
    them; ``hidden`` folders are replaced by empty ones. ``network`` keeps the host's
    network, ``processes`` the host's pid namespace (so it can signal other processes).
    ``private_tmp`` gives it an empty /tmp; without it /tmp is the host's, read-only, and
    ``TMPDIR`` points at a private scratch folder instead.
    """

    workdir: Path
    writable: tuple[Path, ...] = ()
    network: bool = False
    workdir_writable: bool = True
    processes: bool = False
    protect: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()
    private_tmp: bool = True
    visible: tuple[Path, ...] = ()  # read-only again inside a hidden folder (a saved script)


@dataclass(frozen=True)
class SandboxStatus:
    """Whether bubblewrap works here: ``how`` ("bubblewrap 0.8.0") or ``why_not``."""

    available: bool
    how: str
    why_not: str


SCRATCH = "/var/tmp"  # a private tmpfs here when the host's /tmp stays visible


def _isolation(network: bool, processes: bool = False, private_tmp: bool = True) -> list[str]:
    """The namespaces and mounts every sandboxed command gets. ``--cap-drop ALL`` matters
    when llmchain-os runs as root: without it the command keeps root's capabilities and
    could simply remount ``/`` writable."""
    base = ["--ro-bind", "/", "/", "--dev", "/dev", "--ro-bind", "/proc", "/proc"]
    if private_tmp:
        base += ["--tmpfs", "/tmp"]
    elif Path(SCRATCH).is_dir():
        base += ["--tmpfs", SCRATCH, "--setenv", "TMPDIR", SCRATCH]
    base += [*([] if network else ["--unshare-net"]), *([] if processes else ["--unshare-pid"])]
    return [*base, "--unshare-ipc", "--new-session", "--die-with-parent", "--cap-drop", "ALL"]


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
    """The bwrap argv up to ``--``. Order matters: binds come after the /tmp tmpfs (a work
    dir under /tmp is the real one), read-only binds after the writable ones they sit in,
    and hidden folders last, over everything."""
    exe = shutil.which("bwrap", path=SAFE_PATH) or "bwrap"
    argv = [exe, *_isolation(spec.network, spec.processes, spec.private_tmp)]
    for path in _writable(spec):
        argv += ["--bind", str(path), str(path)]
    for path in spec.protect:
        argv += ["--ro-bind", str(path), str(path)]
    for path in spec.hidden:
        argv += ["--tmpfs", str(path)]
    for path in spec.visible:
        argv += ["--ro-bind", str(path), str(path)]
    return [*argv, "--chdir", str(chdir), "--"]


def _writable(spec: SandboxSpec) -> tuple[Path, ...]:
    return (spec.workdir, *spec.writable) if spec.workdir_writable else spec.writable


def describe(spec: SandboxSpec) -> str:
    writable = ", ".join(f"writable {p}" for p in _writable(spec)) or "nothing writable"
    network = "network" if spec.network else "no network"
    return f"bubblewrap (read-only /, {writable}, {network})"


def _resolved(spec: SandboxSpec) -> SandboxSpec:
    """Absolute, existing paths: bwrap cannot bind what is not there, so say which."""
    resolve = [p.expanduser().resolve() for p in (spec.workdir, *spec.writable)]
    for path in resolve if spec.workdir_writable else resolve[1:]:
        if not path.exists():
            raise FileNotFoundError(f"sandbox path {path} does not exist - create it first")
        if path == Path("/"):
            raise ValueError(
                "a writable / in the sandbox would make every file writable - "
                "run from a folder of its own"
            )
    return replace(spec, workdir=resolve[0], writable=tuple(resolve[1:]))


def hidden_places() -> list[Path]:
    """llmchain-os's own folders (config, memory, audit log) that exist: no step sees them."""
    from llmchain_os.paths import config_dir, data_dir, state_dir

    found = (Path(os.path.realpath(d)) for d in (config_dir(), data_dir(), state_dir()))
    return [p for p in found if p.is_dir()]


def _own_folders(spec: SandboxSpec) -> list[Path]:
    """llmchain-os's own config, data and state: hidden from every sandboxed command,
    except one whose writable places are inside them (an approved change named them)."""
    inside = (*_writable(spec), spec.workdir)
    return [
        p
        for p in hidden_places()
        if p not in spec.hidden and not any(w.is_relative_to(p) for w in inside)
    ]


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
        spec = replace(spec, hidden=(*spec.hidden, *_own_folders(spec)))
        workdir = cwd or spec.workdir
        status = sandbox_status()
        if status.available:
            command, how = [*prefix, *bwrap_prefix(spec, workdir), *argv], describe(spec)
        else:
            how = f"none: {status.why_not}"
    return stream_process(argv, command, limits, env=env, cwd=workdir, sandbox=how, preexec=preexec)
