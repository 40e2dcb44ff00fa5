"""SFTP upload of one local file to many hosts, checked by SHA-256 on each host.

The file keeps its permission bits (a script stays executable). A destination that is a
folder on the host, or ends with "/", receives the file under its own name; "" or "~" is
the login folder. After the put, ``sha256sum`` on the host must give the local digest; a
host without sha256sum is checked by size, and its result says so.
"""

from __future__ import annotations

import hashlib
import shlex
import stat
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from llmchain_os.remote.errors import RemoteError
from llmchain_os.remote.fanout import CONCURRENCY, FanoutResult, HostResult, Work, fan_out
from llmchain_os.remote.inventory import Host
from llmchain_os.remote.ssh import COMMAND_TIMEOUT_S, OnChunk, SSHPool

if TYPE_CHECKING:
    import paramiko

NO_PROGRAM = 127


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def local_file(path: str) -> Path:
    """The regular file to send; raises RemoteError naming what is wrong."""
    found = Path(path).expanduser()
    if not found.is_file():
        raise RemoteError(f"No such file to copy: {path}")
    return found.resolve()


def _remote_target(sftp: paramiko.SFTPClient, dest: str, name: str) -> str:
    dest = dest.strip()
    if dest in ("", "~", "~/", "."):
        return name  # SFTP paths without a folder are in the login folder
    if dest.startswith("~/"):
        dest = dest[2:]
    if dest.endswith("/"):
        return dest + name
    try:
        is_dir = stat.S_ISDIR(sftp.stat(dest).st_mode or 0)
    except OSError:
        is_dir = False
    return f"{dest.rstrip('/')}/{name}" if is_dir else dest


def upload_one(
    pool: SSHPool, host: Host, local: Path, dest: str, digest: str, timeout_s: float
) -> HostResult:
    """Put ``local`` on ``host`` at ``dest`` and check it there against ``digest``."""
    start = time.monotonic()
    client = pool.client(host)
    with client.open_sftp() as sftp:
        target = _remote_target(sftp, dest, local.name)
        try:
            sftp.put(str(local), target, confirm=True)
            sftp.chmod(target, local.stat().st_mode & 0o7777)
            where = sftp.normalize(target)
        except OSError as exc:
            raise RemoteError(f"{host.name}: cannot write {target}: {exc}") from None
    check = _verify(pool, host, where, local, digest, timeout_s)
    return HostResult(
        host=host.name,
        target=host.target,
        exit_status=0 if not check else 1,
        duration_s=time.monotonic() - start,
        stdout=f"{where} sha256 {digest[:12]}" if not check else "",
        error=check,
    )


def _verify(
    pool: SSHPool, host: Host, where: str, local: Path, digest: str, timeout_s: float
) -> str:
    """ "" when the copy on the host has the local file's digest; else what is wrong."""
    done = pool.run(host, f"sha256sum -- {shlex.quote(where)}", timeout_s)
    if done.exit_status == NO_PROGRAM:
        with pool.client(host).open_sftp() as sftp:
            size = sftp.stat(where).st_size
        ok = size == local.stat().st_size
        return "" if ok else f"size on the host is {size}, not {local.stat().st_size}"
    found = done.stdout.split()[0] if done.stdout.split() else ""
    if done.exit_status != 0 or found != digest:
        return f"checksum mismatch after upload ({found[:12] or done.stderr.strip()[:80]})"
    return ""


def upload_work(
    pool: SSHPool, local: Path, dest: str, timeout_s: float = COMMAND_TIMEOUT_S
) -> Work:
    digest = sha256_of(local)

    def work(host: Host, on_chunk: OnChunk) -> HostResult:
        return upload_one(pool, host, local, dest, digest, timeout_s)

    return work


def upload_to(
    pool: SSHPool,
    hosts: Sequence[Host],
    path: str,
    dest: str = "",
    concurrency: int = CONCURRENCY,
) -> FanoutResult:
    """Copy the file at ``path`` to ``dest`` on every host; one result per host."""
    local = local_file(path)
    results = fan_out(hosts, upload_work(pool, local, dest), concurrency)
    return FanoutResult(action=f"copy {local.name} to {dest or '~'}", results=results)
