"""Files a command writes, and whether writing them replaces a file that exists.

``echo x > notes.txt``, ``cp a notes.txt`` or ``tee notes.txt`` replace what notes.txt held and
nothing brings it back, so where that file exists the command is destructive, not a write;
appending (``>>``, ``tee -a``) and creating a new file stay writes. Each program's output
operands are known here: the last operand of ``cp``/``install``/``ln -f`` (or the file of that
name in a target folder), every operand of ``tee``, the second of ``uniq``, the ``-o`` of
``curl``. ``expand`` is the one place that turns a word into a path. A relative one is taken
from the folder the command is in at that point: ``starting_in`` sets where the command
starts and ``moved_to`` follows its ``cd`` (this process's working directory otherwise).
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from llmchain_os.safety.options import Spec, parse, spells
from llmchain_os.safety.risk import Assessment, Risk

COMPUTED = re.compile(r"[$`]")  # known only at run time: nothing to look up
GLOB = re.compile(r"[*?\[]")  # `> note*.txt` writes the one file it matches
COPIERS = {
    "cp": Spec(short="tS", long=("--target-directory", "--suffix", "--sparse", "--no-preserve")),
    "install": Spec(short="tSmog", long=("--target-directory", "--suffix", "--mode", "--owner")),
    "ln": Spec(short="tS", long=("--target-directory", "--suffix")),
}
# Options that keep an existing destination: never replace it, or ask first (stdin is
# /dev/null, so the answer is no). A backup (`-b`) still replaces the file it names, and
# for `ln` the last of `-i` and `-f` wins. (`ln -n` is not one.)
KEEPS = ("-i", "--interactive")
NO_CLOBBER = ("-n", "--no-clobber")
# Options whose value is a file the program writes from its start, per program.
OUTPUT_OPTIONS: dict[str, tuple[Spec, tuple[str, ...]]] = {
    "curl": (
        Spec(short="AbcCdDeEFHKmoPQrTuUwxXyYzt", long=("--output", "--dump-header", "--trace")),
        ("-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar", "--trace", "--stderr"),
    ),
    "wget": (
        Spec(short="OoaeiBPtTwQlUDARIX", long=("--output-document", "--output-file")),
        ("-O", "--output-document", "-o", "--output-file"),
    ),
}


# Where the command being judged is at this point; None: this process's working directory,
# UNKNOWN: a `cd` to a place known only at run time.
UNKNOWN = ""
_AT: ContextVar[str | None] = ContextVar("command_folder", default=None)


@contextmanager
def starting_in(cwd: str | None) -> Iterator[None]:
    """Judge relative paths of the command judged inside from ``cwd``."""
    token = _AT.set(cwd)
    try:
        yield
    finally:
        _AT.reset(token)


def after_cd(words: list[str], here: str | None) -> str:
    """Where ``cd DIR`` (``words``) run in ``here`` goes; UNKNOWN when only run time knows."""
    target = words[1] if len(words) > 1 else "~"
    return UNKNOWN if target == "-" else (expand(target, here) or UNKNOWN)


def moved_to(words: list[str]) -> None:
    """The command ran ``cd DIR`` (``words``): later relative paths start there."""
    _AT.set(after_cd(words, _AT.get()))


def expand(word: str, cwd: str | None) -> str | None:
    """``word`` as an absolute path with ``~``, ``~user``, ``$HOME`` and ``${HOME}`` expanded,
    a relative one from ``cwd`` (None: this process's folder); None when it is computed at
    run time or ``cwd`` is UNKNOWN."""
    for home_var in ("${HOME}", "$HOME"):
        if word == home_var or word.startswith(home_var + "/"):
            word = "~" + word[len(home_var) :]
    if word.startswith("~"):
        user, _, rest = word[1:].partition("/")
        try:
            home = os.path.expanduser("~") if not user else pwd.getpwnam(user).pw_dir
        except KeyError:
            return None
        word = os.path.join(home, rest) if rest else home
    if not word or COMPUTED.search(word):
        return None
    if not word.startswith("/"):
        if cwd == UNKNOWN:
            return None
        word = os.path.join(cwd if cwd is not None else os.getcwd(), word)
    return os.path.normpath(word)


def expand_target(path: str) -> str | None:
    """``path`` as ``expand`` makes it from where the command is, a glob by its first match."""
    full = expand(path, _AT.get())
    if full is None:
        return None
    return min(glob.glob(full), default=full) if GLOB.search(full) else full


def exists_target(path: str) -> bool:
    """Whether ``path`` exists (a dangling link counts)."""
    full = expand_target(path)
    return full is not None and os.path.lexists(full)


def is_folder(path: str) -> bool:
    full = expand_target(path)
    return full is not None and os.path.isdir(full)


def replaces(path: str) -> bool:
    """Whether writing ``path`` from its start replaces an existing file: not when it is new,
    a folder (the write fails), or a device, pipe or socket (nothing is stored)."""
    full = expand_target(path)
    if full is None or not exists_target(path):
        return False
    try:
        mode = os.stat(full).st_mode
    except OSError:
        return True  # a dangling link or one we may not follow: treat it as a file
    return stat.S_ISREG(mode)


def overwrite(path: str) -> Assessment | None:
    """Destructive, naming the file, when writing ``path`` replaces an existing file."""
    if replaces(path):
        return Assessment(Risk.DESTRUCTIVE, f"overwrites the existing file {path}")
    return None


def written(prog: str, args: list[str]) -> list[str]:
    """The files ``prog`` writes from their start, from its own operand conventions."""
    if prog in COPIERS:
        return _copied_to(prog, args)
    if prog == "tee":
        parsed = parse(args, Spec(long=("--output-error",)))
        return [] if parsed.has("-a", "--append") else parsed.operands
    if prog == "uniq":  # uniq INPUT OUTPUT
        parsed = parse(args, Spec(short="fsw", long=("--skip-fields", "--skip-chars")))
        return [o for o in parsed.operands[1:2] if o != "-"]
    if prog in OUTPUT_OPTIONS:
        spec, flags = OUTPUT_OPTIONS[prog]
        return [v for v in parse(args, spec).values(*flags) if v not in ("", "-")]
    return []


def _copied_to(prog: str, args: list[str]) -> list[str]:
    """Where `cp`, `install` and `ln` put each source: the last operand, or a file of the
    source's name in the target folder (`-t DIR`, or a last operand that is a folder)."""
    parsed = parse(args, COPIERS[prog])
    if prog == "ln" and _last_of(args, {"-f": "f", "--force": "f", "-i": "i"}) != "f":
        return []  # `ln` without -f (or with a later -i) fails on an existing name
    if (prog != "ln" and parsed.has(*KEEPS)) or (prog != "ln" and parsed.has(*NO_CLOBBER)):
        return []
    sources, folders = parsed.operands, parsed.values("-t", "--target-directory")
    if not folders:
        if prog == "ln" and len(sources) == 1:
            folders = ["."]  # `ln -sf /etc/x` makes ./x
        elif len(sources) < 2:
            return []
        elif parsed.has("-T", "--no-target-directory") or not is_folder(sources[-1]):
            return [sources[-1]]
        else:
            sources, folders = sources[:-1], sources[-1:]
    return [os.path.join(folders[-1], os.path.basename(s.rstrip("/"))) for s in sources]


def _last_of(args: list[str], names: dict[str, str]) -> str:
    """The meaning (a value of ``names``) of the last of those options in ``args``, short ones
    also inside clusters (`-sif`); long ones by any abbreviation of three letters or more."""
    last = ""
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("--"):
            last = next((v for k, v in names.items() if k[1] == "-" and spells(arg, k, 3)), last)
        elif arg.startswith("-"):
            for letter in arg[1:]:
                last = names.get("-" + letter, last)
    return last


def overwrites(prog: str, args: list[str]) -> Assessment | None:
    """Destructive when ``prog`` with ``args`` replaces an existing file, naming it."""
    for path in written(prog, args):
        if (found := overwrite(path)) is not None:
            return Assessment(found.risk, f"`{prog}` {found.reason}")
    return None
