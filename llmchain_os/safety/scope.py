"""What a command needs beyond reading: the paths it writes, the network, other processes.

The classifier (``safety.commands``) says how risky a command is; this says where its
changes land, so the sandbox (``safety.confine``) can let an approved command write there
and nowhere else. The same parse feeds both: the walker in ``commands.py`` hands each simple
command (its words as bash runs them, wrappers and sudo looked through) and each output
redirection here.

A target is an absolute path: ``~``, ``~user``, ``$HOME`` and ``${HOME}`` are expanded, a
relative path is taken from the working folder as the command's own ``cd`` left it, and a
glob is expanded now. When that cannot be done (a variable, a substitution, a ``cd`` to
somewhere computed), or when a program that changes things is not one whose targets this
module knows (``make``, ``pip install``, a script), the scope is ``unknown``: such a command
cannot be confined to its targets, and the question must say it runs unconfined.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from llmchain_os.safety.outputs import after_cd, expand
from llmchain_os.safety.places import write_targets
from llmchain_os.safety.program_words import FD_PATH
from llmchain_os.safety.risk import Assessment, Risk

MAX_GLOB = 256  # a glob target matching more than this is not listed one by one
# Reads that must see the host's network namespace (their own would hold only `lo`).
NET_STATE = frozenset("ip ss netstat ifconfig route arp hostname nstat ethtool iw".split())
# Programs that act on other processes: a private pid namespace would hide their targets.
SIGNALLERS = frozenset("kill pkill killall skill renice snice taskset ionice prlimit".split())
# Changes that touch no file: nothing to confine beyond the defaults.
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh"})
AS_ANOTHER_USER = frozenset({"sudo", "su", "doas", "pkexec"})
NO_FILES = frozenset("export declare typeset local readonly unset set shopt alias cd".split())
COMPUTED = re.compile(r"[$`]")
GLOB = re.compile(r"[*?\[]")
ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
DATA_EXPANSIONS = re.compile(r"\[\[|\(\(|\$\[|\$\{|\blet\b|\bdeclare\b|\btest\b|\[ ")
NEW = "/\0new"  # marks a folder in which only new entries (names not known now) are made
WHOLE = "/\0whole"  # marks an existing folder the command changes through and through
# What may share a line with a network-state read that gets the host's network: programs
# that only filter text (no option of theirs runs a program or opens a file for writing).
NET_FILTERS = frozenset("grep egrep fgrep head tail wc cut column tr cat echo printf true".split())
RECURSIVE = frozenset({"chmod", "chown", "chgrp", "setfacl"})
# Programs whose change to a target is its mode or owner: for the others, the mode and owner
# of the folders they write in are kept as they were (`tar -x` of a `./` entry, `cp -p`).
META_CHANGERS = RECURSIVE | {"chattr"}
RECURSIVE_FLAG = re.compile(r"^(?:--recursive|-[A-Za-z]*R[A-Za-z]*)$")
# git subcommands that change the working tree; the others change only the repository
# (.git), so only that is writable for them and a hook cannot reach the files beside it.
GIT_WORKTREE = frozenset(
    "checkout switch merge rebase pull cherry-pick revert stash restore reset rm mv apply am "
    "sparse-checkout submodule worktree clean bisect".split()
)
REMOTE_PATH = re.compile(r"^[\w.@-]+:")


@dataclass(frozen=True)
class Scope:
    """Where a command's changes land. ``writes`` are absolute, not yet resolved."""

    writes: tuple[str, ...] = ()
    new_in: tuple[str, ...] = ()  # folders where new entries of names not known now appear
    network: bool = False  # the host's network (a remote step, or a read of its state)
    processes: bool = False  # the host's processes (kill, renice)
    unknown: str = ""  # why the targets cannot be known; "" when they can
    mkdirs: tuple[str, ...] = ()  # targets that are folders to create (mkdir)
    whole: tuple[str, ...] = ()  # existing folders changed through and through (chmod -R)
    meta: tuple[str, ...] = ()  # targets whose mode or owner the command changes (chmod)


def _globbed(path: str) -> list[str] | None:
    """A glob's current matches (bash passes the pattern itself when none match)."""
    if not GLOB.search(path):
        return [path]
    matches = sorted(glob.glob(path))
    if len(matches) > MAX_GLOB:
        return None
    return matches or [path]


def _tar_targets(args: list[str], cwd: str) -> list[str]:
    """Creating writes the archive (-f); extracting writes the -C folder or the cwd."""
    first = args[0].lstrip("-") if args and not args[0].startswith("--") else ""
    letters = "".join(a.lstrip("-") for a in args if a.startswith("-") and not a.startswith("--"))
    letters += first
    archive = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-f", "--file")), "")
    if not archive and "f" in first:
        archive = next((a for a in args[1:] if not a.startswith("-")), "")
    creates = any(c in letters for c in "cru") or "--create" in args or "--append" in args
    if creates:
        return [archive] if archive else []
    folder = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-C", "--directory")), "")
    listing = "t" in letters or "--list" in args
    return [] if listing else [folder or cwd]


def _sed_targets(args: list[str], cwd: str) -> list[str]:
    """`sed -i SCRIPT FILE...`: the files, not the script (unless -e/-f gave it)."""
    operands = [a for a in args if not a.startswith("-")]
    scripted = any(a in ("-e", "-f") or a.startswith(("--expression", "--file")) for a in args)
    return operands if scripted else operands[1:]


def _compressor(prog: str) -> Callable[[list[str], str], list[str]]:
    """gzip FILE writes FILE.gz beside FILE (and removes FILE unless -k): both are targets,
    so the new file can be made even where only named files are writable (a home)."""
    from llmchain_os.safety.archives import SUFFIX, UNPACKERS

    suffix = SUFFIX.get(UNPACKERS.get(prog, prog), "")

    def targets(args: list[str], cwd: str) -> list[str]:
        unpack = prog in UNPACKERS or any(a in ("-d", "--decompress", "--uncompress") for a in args)
        found: list[str] = []
        for name in (a for a in args if not a.startswith("-")):
            found.append(name)
            if unpack and suffix and name.endswith(suffix):
                found.append(name.removesuffix(suffix))
            elif not unpack and suffix:
                found.append(name + suffix)
        return found

    return targets


def _in_cwd(args: list[str], cwd: str) -> list[str]:
    """Programs that write into the working folder (git, unzip, wget, curl -O)."""
    for flag in ("-C", "-d", "-P", "--directory-prefix"):
        if flag in args[:-1]:
            return [args[args.index(flag) + 1] + NEW]
    return [cwd + NEW]


def _git_targets(args: list[str], cwd: str) -> list[str]:
    """git changes the repository (its .git folder) and, for the subcommands that check
    files out, the working tree as a whole; `git init`/`clone` add new entries."""
    here, git_dir, work_tree, at = cwd, "", "", 0
    while at < len(args) and args[at].startswith("-"):
        arg, given = args[at], args[at + 1] if at + 1 < len(args) else ""
        name, eq, value = arg.partition("=")
        if name in ("--git-dir", "--work-tree") and not eq:
            value, at = given, at + 1
        if arg == "-C":
            here, at = os.path.join(here, given), at + 1
        elif name == "--git-dir":
            git_dir = os.path.join(here, value)
        elif name == "--work-tree":
            work_tree = os.path.join(here, value)
        elif arg in ("-c", "--namespace", "--config-env", "--super-prefix"):
            at += 1
        at += 1
    sub = args[at] if at < len(args) else ""
    if sub in ("init", "clone"):
        return [here + NEW]
    top = _repo_top(here)
    repo = git_dir or (os.path.join(top, ".git") if top else "")
    if not repo:
        return [here + NEW]  # not a repository: git fails, or makes new entries at most
    if sub in GIT_WORKTREE:
        return [(work_tree or top or here) + WHOLE, repo + WHOLE]
    return [repo + WHOLE]


def _repo_top(folder: str) -> str:
    """The folder holding the repository ``folder`` is in ("" when none is found)."""
    path = Path(os.path.abspath(folder))
    for candidate in (path, *path.parents):
        if (candidate / ".git").exists():
            return str(candidate)
    return ""


def _curl_targets(args: list[str], cwd: str) -> list[str]:
    out = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")]
    if any(a in ("-O", "--remote-name", "--remote-name-all") for a in args):
        out.append(cwd + NEW)
    return [o for o in out if o != "-"]


def _wget_targets(args: list[str], cwd: str) -> list[str]:
    out = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-O", "--output-document")]
    return [o for o in out if o != "-"] if out else _in_cwd(args, cwd)


def _output_flag(args: list[str], cwd: str) -> list[str]:
    """sort/shuf/tree -o FILE (also --output=FILE)."""
    out = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")]
    return out + [a.partition("=")[2] for a in args if a.startswith("--output=")]


def _uniq_targets(args: list[str], cwd: str) -> list[str]:
    """uniq INPUT OUTPUT: the second operand is written."""
    return [a for a in args if not a.startswith("-") or a == "-"][1:2]


def _ssh_targets(args: list[str], cwd: str) -> list[str]:
    return []  # it changes the other host, not this one


# How programs whose writes are not simply their operands say where they write.
TARGETS: dict[str, Callable[[list[str], str], list[str]]] = {
    "tar": _tar_targets,
    "sed": _sed_targets,
    "gzip": _compressor("gzip"),
    "gunzip": _compressor("gunzip"),
    "bzip2": _compressor("bzip2"),
    "bunzip2": _compressor("bunzip2"),
    "xz": _compressor("xz"),
    "unxz": _compressor("unxz"),
    "zstd": _compressor("zstd"),
    "git": _git_targets,
    "unzip": _in_cwd,
    "curl": _curl_targets,
    "wget": _wget_targets,
    "ssh": _ssh_targets,
    "sort": _output_flag,
    "shuf": _output_flag,
    "tree": _output_flag,
    "uniq": _uniq_targets,
    "ping": _ssh_targets,
    "dig": _ssh_targets,
    "host": _ssh_targets,
    "nslookup": _ssh_targets,
    "traceroute": _ssh_targets,
}
# Operand writers of places.write_targets, plus the file creators it does not list.
OPERAND_WRITERS = frozenset(
    "cp mv install ln rsync scp tee touch mkdir truncate rm rmdir shred chmod chown chgrp dd "
    "unlink mkfifo zip".split()
)


@dataclass
class ScopeBuilder:
    """Collects one command line's scope while ``commands._Walker`` walks it."""

    cwd: str  # UNKNOWN after a `cd` only run time knows
    writes: list[str] = field(default_factory=list)
    new_in: list[str] = field(default_factory=list)
    mkdirs: list[str] = field(default_factory=list)
    whole: list[str] = field(default_factory=list)
    meta: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    network: bool = False
    net_state: bool = False  # a part reads the host's network state
    others: bool = False  # a part is neither such a read nor a plain text filter
    processes: bool = False

    def chdir(self, words: list[str]) -> None:
        """`cd DIR` moves where later relative paths point; `cd` alone goes home."""
        self.cwd = after_cd(words, self.cwd)

    def command(self, words: list[str], judged: Assessment, runner: str = "") -> None:
        """One simple command's words (wrappers removed), its own assessment, and the
        program that starts it when that is a wrapper (``sudo``, ``nice``)."""
        if runner in AS_ANOTHER_USER and judged.risk is not Risk.READ:
            self.unknown.append(f"`{runner}` runs it as another user, outside any sandbox")
            return
        while words and ASSIGNMENT.match(words[0]):
            words = words[1:]  # `LANG=C sort -o x y` runs sort
        if not words:
            return
        prog = words[0].rsplit("/", 1)[-1]
        self.net_state = self.net_state or prog in NET_STATE
        self.others = self.others or prog not in NET_STATE | NET_FILTERS
        if judged.risk is Risk.REMOTE:
            self.network = True
        if prog in SIGNALLERS and judged.risk is not Risk.READ:
            self.processes = True
        if judged.risk is Risk.READ or prog in NO_FILES or prog in SIGNALLERS:
            return
        if prog in SHELLS and ("-c" in words or len(words) == 1):
            return  # its script (or here-document) was walked as commands of its own
        raw = self._raw_targets(prog, words)
        if raw is None:
            self.unknown.append(f"where `{prog}` writes cannot be known from the command")
            return
        whole = prog in RECURSIVE and any(RECURSIVE_FLAG.match(w) for w in words[1:])
        before = len(self.writes)
        for word in raw:
            into = whole and os.path.isdir(expand(word, self.cwd) or "\0")
            self._add(word + WHOLE if into else word, mkdir=prog == "mkdir")
        if prog in META_CHANGERS:
            self.meta.extend(self.writes[before:])

    def redirect(self, target: str) -> None:
        self._add(target)

    def _raw_targets(self, prog: str, words: list[str]) -> list[str] | None:
        cwd = self.cwd or "."
        if prog in TARGETS:
            return TARGETS[prog](words[1:], cwd)
        if prog in OPERAND_WRITERS:
            return write_targets(words) or ([cwd] if prog == "zip" else [])
        return None

    def _add(self, word: str, mkdir: bool = False) -> None:
        if REMOTE_PATH.match(word):
            return  # `scp x host:/y` writes on the other host
        if word.endswith(NEW):
            self._new_in(word.removesuffix(NEW))
            return
        whole = word.endswith(WHOLE)
        word = word.removesuffix(WHOLE)
        if FD_PATH.match(word):
            self.unknown.append(f"`{word}` is another descriptor's file, known only at run time")
            return
        path = expand(word, self.cwd)
        matches = _globbed(path) if path is not None else None
        if matches is None:
            self.unknown.append(f"`{word}` is worked out only when the command runs")
            return
        (self.mkdirs if mkdir else self.writes).extend(matches)
        if whole:
            self.whole.extend(matches)

    def _new_in(self, word: str) -> None:
        folder = expand(word, self.cwd)
        if folder is None:
            self.unknown.append(f"`{word}` is worked out only when the command runs")
        else:  # in a home too: what is there stays read-only, startup files are watched
            self.new_in.append(folder)

    def build(self, text: str = "") -> Scope:
        """The scope collected; ``text`` is the whole command line. A read of the host's
        network state gets the host's network only when nothing else in the line could use
        it: every part is such a read or a text filter, and no arithmetic or test runs
        expansions of data (`[[ $x -eq 1 ]]` with x read from a file runs `a[$(cmd)]`)."""
        pure = self.net_state and not self.others and not DATA_EXPANSIONS.search(text)
        return Scope(
            writes=tuple(dict.fromkeys(self.writes)),
            new_in=tuple(dict.fromkeys(self.new_in)),
            whole=tuple(dict.fromkeys(self.whole)),
            meta=tuple(dict.fromkeys(self.meta)),
            network=self.network or pure,
            processes=self.processes,
            unknown="; ".join(dict.fromkeys(self.unknown)),
            mkdirs=tuple(dict.fromkeys(self.mkdirs)),
        )
