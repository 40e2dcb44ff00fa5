"""Places where creating, changing or deleting a file is worse than an ordinary write.

Why: ``write_file`` creating a file is a ``write`` step, and ``--yes`` approves writes. But a
new ``~/.bashrc``, ``~/.ssh/authorized_keys``, ``/etc/cron.d/x`` or a systemd unit is not an
ordinary file: it runs code later, with nobody asked, or lets someone in. So such a path
carries ``privileged`` (system trees: /etc, /usr, /boot, ...) or ``destructive`` (a home's
startup files, ssh keys, autostart and unit folders, and llmchain-os's own config, scripts,
audit log and trash), and only ``--yes-destructive`` or a person approves it.

Paths are judged as given and with symlinks resolved, so ``~/dotfiles/bashrc`` reached
through a link, or ``/tmp/x/../../etc``, is judged as the place it really is.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from llmchain_os.paths import config_dir, data_dir, state_dir
from llmchain_os.safety.risk import Assessment, Risk

SYSTEM_TREES = (
    "/etc",
    "/usr",
    "/boot",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/var/spool/cron",
    "/var/spool/anacron",
    "/var/lib/systemd",
)
# Relative to a home directory: files a login, a shell, git or the desktop runs as code, and
# folders that grant access or start things.
HOME_FILES = frozenset(
    {
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".bash_logout",
        ".bash_aliases",
        ".inputrc",
        ".profile",
        ".zshrc",
        ".zshenv",
        ".zprofile",
        ".zlogin",
        ".zlogout",
        ".cshrc",
        ".tcshrc",
        ".kshrc",
        ".xprofile",
        ".xinitrc",
        ".xsession",
        ".xsessionrc",
        ".pam_environment",
        ".gitconfig",
        ".netrc",
        ".forward",
    }
)
HOME_TREES = (
    ".ssh",
    ".gnupg",
    ".config/systemd",
    ".config/autostart",
    ".config/environment.d",
    ".config/fish",
    ".config/git",
    ".config/llmchain-os",
    ".local/bin",
    "bin",
    ".local/share/systemd",
)


def _homes() -> list[Path]:
    """The user's home, root's, and every /home/<user> (root can write to them all)."""
    homes = [Path.home(), Path("/root")]
    with contextlib.suppress(OSError):
        homes += [p for p in Path("/home").iterdir() if p.is_dir()]
    return homes


def _in_home(path: Path) -> str | None:
    for home in _homes():
        if not path.is_relative_to(home) or path == home:
            continue
        rel = path.relative_to(home)
        if str(rel) in HOME_FILES or any(rel.is_relative_to(t) for t in HOME_TREES):
            return f"{path} is a startup, key or autostart file: it runs code or lets someone in"
    return None


def _own_files(path: Path) -> str | None:
    for place in (config_dir(), data_dir(), state_dir()):
        for form in {place, Path(os.path.realpath(place))}:
            if path == form or path.is_relative_to(form):
                return f"{path} is llmchain-os's own (config, scripts, audit log or trash)"
    return None


def holds_audit_log(raw: str | Path) -> bool:
    """Is the audit log this path, or inside this folder? The log is append-only: no tool of
    ours rewrites, appends to or deletes it (a person can, in their own shell)."""
    from llmchain_os.safety.audit import default_audit_path

    log = Path(os.path.realpath(default_audit_path()))
    return log.is_relative_to(Path(os.path.realpath(os.path.expanduser(str(raw)))))


def _one(path: Path) -> Assessment | None:
    from llmchain_os.safety.audit import default_audit_path

    if Path(os.path.realpath(path)) == Path(os.path.realpath(default_audit_path())):
        why = f"{path} is the audit log: llmchain-os only ever adds its own entries to it"
        return Assessment(Risk.DESTRUCTIVE, why, denied=True)
    for tree in SYSTEM_TREES:
        if path == Path(tree) or path.is_relative_to(tree):
            return Assessment(Risk.PRIVILEGED, f"{path} is in the system tree {tree}")
    reason = _in_home(path) or _own_files(path)
    return Assessment(Risk.DESTRUCTIVE, reason) if reason is not None else None


def sensitive_place(raw: str | Path) -> Assessment | None:
    """The risk of changing ``raw`` because of where it is; None for an ordinary place."""
    given = Path(os.path.abspath(os.path.expanduser(str(raw))))
    real = Path(os.path.realpath(given))
    for path in (given, real):
        if (found := _one(path)) is not None:
            return found
    return None


def sensitive_tree(raw: str | Path) -> Assessment | None:
    """Like ``sensitive_place``, and also for a folder that holds such a place: making ``~``
    or ``/`` writable (a script's ``--write``) makes ``~/.bashrc`` or ``/etc`` writable."""
    if (found := sensitive_place(raw)) is not None:
        return found
    real = Path(os.path.realpath(os.path.expanduser(str(raw))))
    inside = [Path(t) for t in SYSTEM_TREES]
    for home in _homes():
        inside += [home / name for name in (*HOME_FILES, *HOME_TREES)]
    inside += [config_dir(), data_dir(), state_dir()]
    for place in inside:
        if place.is_relative_to(real) and (found := _one(place)) is not None:
            return Assessment(found.risk, f"{real} holds {place}: {found.reason}")
    return None


# Programs whose last operand is where they write, and those that change every operand.
TO_LAST = frozenset({"cp", "mv", "install", "ln", "rsync", "scp"})
TO_ALL = frozenset({"tee", "touch", "mkdir", "truncate", "rm", "rmdir", "shred", "sed"})
MODE_FIRST = frozenset({"chmod", "chown", "chgrp"})  # the mode or owner, then the files


# Options of the writers above whose value is the next word and not a path they write.
VALUED: dict[str, frozenset[str]] = {
    "truncate": frozenset({"-s", "--size", "-r", "--reference", "-o"}),
    "touch": frozenset({"-d", "--date", "-t", "-r", "--reference"}),
    "mkdir": frozenset({"-m", "--mode"}),
    "install": frozenset({"-m", "--mode", "-o", "--owner", "-g", "--group", "-S", "--suffix"}),
    "cp": frozenset({"-S", "--suffix"}),
    "mv": frozenset({"-S", "--suffix"}),
    "ln": frozenset({"-S", "--suffix"}),
    "shred": frozenset({"-n", "--iterations", "-s", "--size"}),
}


def write_targets(words: list[str]) -> list[str]:
    """The paths a simple command's words say it writes: ``of=``, ``-t DIR`` and the
    destination operands of known writers (redirections are judged where they are parsed).
    Sources are not targets: copying *from* /etc is an ordinary write."""
    prog = words[0].rsplit("/", 1)[-1] if words else ""
    targets: list[str] = []
    operands: list[str] = []
    take_next = skip_next = False
    for word in words[1:]:
        if skip_next:
            skip_next = False  # an option's value (`truncate -s 0`), not a path
        elif take_next:
            targets.append(word)
            take_next = False
        elif word in VALUED.get(prog, ()):
            skip_next = True
        elif word in ("-t", "--target-directory") and prog in TO_LAST:
            take_next = True
        elif word.startswith("--target-directory="):
            targets.append(word.partition("=")[2])
        elif prog == "dd" and word.startswith("of="):
            targets.append(word[3:])
        elif not word.startswith("-"):
            operands.append(word)
    if prog in TO_LAST and len(operands) > 1:
        targets.append(operands[-1])
    elif prog in TO_ALL:
        targets.extend(operands)
    elif prog in MODE_FIRST:
        targets.extend(operands[1:])
    return targets


def sensitive_target(paths: list[str]) -> Assessment | None:
    """The risk of writing any of ``paths`` when one is a startup file, ssh keys or /etc
    (``cp x ~/.bashrc``, ``tee -a ~/.ssh/authorized_keys``), so ``--yes`` alone does not run
    it; None when all are ordinary places."""
    for path in paths:
        path = path.rpartition("=")[2]
        if path.startswith(("/", "~", ".")) and (place := sensitive_place(path)) is not None:
            return Assessment(place.risk, f"writes {path}: {place.reason}")
    return None


def protected_places() -> list[Path]:
    """Every place no confined step may change unless its question named it: each home's
    startup files and key, autostart and unit folders, and llmchain-os's own config, data
    and state (existing or not: the caller decides what to do with each)."""
    found: list[Path] = []
    for home in _homes():
        found += [home / name for name in (*HOME_FILES, *HOME_TREES)]
    return [*found, config_dir(), data_dir(), state_dir()]


def holds_protected(folder: Path) -> bool:
    """Does making ``folder`` writable make a startup file, key or system tree writable?"""
    return sensitive_tree(folder) is not None
