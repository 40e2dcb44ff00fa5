"""The throwaway world of one task: a fresh directory that is also HOME and its XDG config,
data and state dirs (the cache is shared by the run), the files and processes the task asks
for, and everything removed again afterwards.

Spawned processes are killed in ``close`` whatever happened; the directory is removed last.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from tools.evallib.tasks import Task

XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")
# The cache is shared by every task of a run: what llmchain-os keeps there (embedded example
# requests) is named by a hash of its content, and a new user builds it once, not per request.
_CACHE: list[Path] = []
# Settings that would leak the evaluator's own configuration into a task.
SCRUB_PREFIXES = ("LLMOS_", "OPENAI_")
# The user's crontab lives outside any directory; tasks get this stand-in first on PATH, which
# keeps the table in $HOME/.crontab, so scheduling can be checked and never touches the real one.
CRONTAB_SHIM = """#!/bin/sh
tab="$HOME/.crontab"
case "$1" in
  -u) shift 2 ;;
esac
case "$1" in
  -l) if [ -f "$tab" ]; then cat "$tab"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -r) rm -f "$tab" ;;
  -|"") cat > "$tab" ;;
  *) cp "$1" "$tab" ;;
esac
"""


def shared_cache() -> Path:
    """One cache folder for the whole run (made on first use, left for the OS's /tmp)."""
    if not _CACHE:
        _CACHE.append(Path(tempfile.mkdtemp(prefix="llmos-eval-cache-")).resolve())
    return _CACHE[0]


class Sandbox:
    """A task's directory, environment and processes; use as a context manager."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.dir = Path(tempfile.mkdtemp(prefix=f"llmos-eval-{task.id}-")).resolve()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.before: dict[str, bytes] = {}
        self.env = self._env()

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUB_PREFIXES)}
        env["HOME"] = str(self.dir)
        env["PATH"] = f"{self.dir / '.bin'}{os.pathsep}{env.get('PATH', os.defpath)}"
        for var in XDG:
            env[var] = str(self.dir / ("." + var.split("_")[1].lower()))
        env["XDG_CACHE_HOME"] = str(shared_cache())
        env.update(self.task.env)
        return env

    def __enter__(self) -> Sandbox:
        try:
            self._write_files()
            for spawn in self.task.spawn:
                self._spawn(spawn.name, spawn.argv)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _write_files(self) -> None:
        for var in XDG:
            Path(self.env[var]).mkdir(parents=True, exist_ok=True)
        shim = self.dir / ".bin" / "crontab"
        shim.parent.mkdir()
        shim.write_text(CRONTAB_SHIM)
        shim.chmod(0o755)
        for rel, content in self.task.files.items():
            path = self.path(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            data = self.render(content).encode()
            path.write_bytes(data)
            self.before[rel] = data
        for rel, size in self.task.sizes.items():
            path = self.path(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as fh:
                fh.truncate(size)
        for rel, mode in self.task.modes.items():
            self.path(rel).chmod(mode)
        for rel, days in self.task.ages.items():
            then = time.time() - days * 86400
            os.utime(self.path(rel), (then, then))

    def _spawn(self, name: str, argv: list[str]) -> None:
        """Run argv with its binary copied to bin/<name>, so the process is called name."""
        found = shutil.which(argv[0])
        if found is None:
            raise RuntimeError(f"task {self.task.id} needs {argv[0]!r}, which is not installed")
        binary = self.dir / ".bin" / name
        shutil.copy2(found, binary)
        self.procs[name] = subprocess.Popen(
            [str(binary), *argv[1:]],
            cwd=self.dir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_named(self.procs[name].pid, name)

    @staticmethod
    def _wait_named(pid: int, name: str) -> None:
        """Until the child has exec'd, it is still called python; tasks look for ``name``."""
        comm = Path(f"/proc/{pid}/comm")
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if comm.read_text().strip() == name[:15]:
                    return
            time.sleep(0.01)

    def path(self, rel: str) -> Path:
        """A path the task names, inside the task dir; one that leads outside is an error."""
        path = (self.dir / self.render(rel)).resolve()
        if path != self.dir and self.dir not in path.parents:
            raise ValueError(f"task {self.task.id}: {rel!r} is outside its directory")
        return path

    def values(self) -> dict[str, Any]:
        return {
            "dir": str(self.dir),
            "home": str(self.dir),
            "pid": {n: p.pid for n, p in self.procs.items()},
            "name": {n: n for n in self.procs},
        }

    def render(self, text: str) -> str:
        """``text`` with {dir}, {pid[x]} and {name[x]} filled in; other braces stay as they are."""
        try:
            return text.format_map(self.values())
        except (KeyError, ValueError, IndexError, AttributeError):
            return text

    def alive(self, name: str) -> bool:
        proc = self.procs[name]
        return proc.poll() is None

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is not None:
                continue  # reaped already: its pid may belong to someone else now
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, 9)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.procs.clear()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def entered(sandbox: Sandbox) -> Any:
    """Run in-process with the task's cwd and environment, restoring both afterwards.

    Tools run in the process's cwd and see its environment, so the api driver swaps them in.
    """
    cwd, env = os.getcwd(), dict(os.environ)
    os.chdir(sandbox.dir)
    os.environ.clear()
    os.environ.update(sandbox.env)
    try:
        yield sandbox
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
