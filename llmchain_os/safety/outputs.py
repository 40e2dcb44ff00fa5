"""Files a command writes, and whether writing them replaces a file that exists.

``echo x > notes.txt``, ``cp a notes.txt`` or ``tee notes.txt`` replace what notes.txt held and
nothing brings it back, so where that file exists the command is destructive, not a write;
appending (``>>``, ``tee -a``) and creating a new file stay writes. Each program's output
operands are known here: the last operand of ``cp``/``install``/``ln -f`` (or the file of that
name in a target folder), every operand of ``tee``, the second of ``uniq``, the ``-o`` of
``curl``. ``expand_target`` is the one place that turns a word into a path (a relative one
is taken from this process's working directory) and ``exists_target`` the existence check.
"""

from __future__ import annotations

import glob
import os
import re
import stat

from llmchain_os.safety.options import Spec, parse
from llmchain_os.safety.risk import Assessment, Risk

HOME_WORD = re.compile(r"^(?:~|\$HOME|\$\{HOME\})(?=/|$)")
COMPUTED = re.compile(r"[$`]")  # known only at run time: nothing to look up
GLOB = re.compile(r"[*?\[]")  # `> note*.txt` writes the one file it matches
COPIERS = {
    "cp": Spec(short="tS", long=("--target-directory", "--suffix", "--sparse", "--no-preserve")),
    "install": Spec(short="tSmog", long=("--target-directory", "--suffix", "--mode", "--owner")),
    "ln": Spec(short="tS", long=("--target-directory", "--suffix")),
}
# Options that keep an existing destination: never replace it, ask first (stdin is
# /dev/null, so the answer is no), or keep the old file as a backup. (`ln -n` is not one.)
KEEPS = ("-i", "--interactive", "-b", "--backup")
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


def expand_target(path: str) -> str | None:
    """``path`` with ``~``, ``$HOME`` and ``${HOME}`` expanded, and a glob by its first match;
    None when anything else in it is computed at run time."""
    full = HOME_WORD.sub(lambda _: os.path.expanduser("~"), path)
    if not full or COMPUTED.search(full):
        return None
    return min(glob.glob(full), default=full) if GLOB.search(full) else full


def exists_target(path: str) -> bool:
    """Whether ``path`` exists (a dangling link counts); a relative path is taken from this
    process's working directory."""
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
    if prog == "ln" and not parsed.has("-f", "--force"):
        return []  # `ln` without -f fails on an existing name
    if parsed.has(*KEEPS) or (prog != "ln" and parsed.has(*NO_CLOBBER)):
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


def overwrites(prog: str, args: list[str]) -> Assessment | None:
    """Destructive when ``prog`` with ``args`` replaces an existing file, naming it."""
    for path in written(prog, args):
        if (found := overwrite(path)) is not None:
            return Assessment(found.risk, f"`{prog}` {found.reason}")
    return None
