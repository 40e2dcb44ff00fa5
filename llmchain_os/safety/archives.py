"""Archive and compression tools: what they create, and what they remove, replace or run.

gzip, bzip2, xz, lzma, lzip and compress replace each FILE with FILE.gz (.bz2, .xz ...): the
input is gone unless -k, -c or -t, and gunzip and the other un- forms replace FILE.gz with
FILE. zstd and lz4 keep their input unless --rm. zip -m moves files into the archive, tar
--remove-files deletes what it archived, 7z -sdel likewise and 7z d deletes from an archive;
tar -c and unzip -o overwrite what exists. Each is destructive with a reason naming the file.
tar and zip can also run programs (tar -I, --to-command, --checkpoint-action=exec; zip -TT):
destructive, since nothing can check what they run.
"""

from __future__ import annotations

import re

from llmchain_os.safety.options import Spec, parse, spells, spells_any
from llmchain_os.safety.outputs import overwrite
from llmchain_os.safety.program_words import SYSTEM_DIR, Nested, normal, read
from llmchain_os.safety.risk import Assessment, Risk

SUFFIX = {
    **{"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz", "lzma": ".lzma", "lzip": ".lz"},
    **{"compress": ".Z", "zstd": ".zst", "lz4": ".lz4"},
}
UNPACKERS = {
    **{"gunzip": "gzip", "bunzip2": "bzip2", "unxz": "xz", "unlzma": "lzma"},
    **{"uncompress": "compress", "unzstd": "zstd", "unlz4": "lz4"},
}
KEEPS_INPUT = frozenset({"zstd", "lz4"})  # they remove it only with --rm
COMPRESS = Spec(short="SFCMTDo", long=("--suffix", "--format", "--check", "--memlimit", "--files"))
ONLY_READS = ("-t", "--test", "-l", "--list", "-h", "--help", "-V", "--version", "-L", "--license")
TO_STDOUT = ("-c", "--stdout", "--to-stdout")
UNPACK = ("-d", "--decompress", "--uncompress")
TAR = Spec(
    short="bCfFgHIKLNTVX",
    long=(
        *("--file", "--directory", "--files-from", "--exclude-from", "--exclude", "--transform"),
        *("--owner", "--group", "--mode", "--mtime", "--format", "--label", "--suffix"),
        *("--to-command", "--use-compress-program", "--rsh-command", "--rmt-command"),
        *("--info-script", "--new-volume-script", "--checkpoint-action", "--index-file"),
    ),
    flags=("--checkpoint",),
)
TAR_RUNS = (
    *("--to-command", "--use-compress-program", "--rsh-command", "--rmt-command"),
    *("--info-script", "--new-volume-script"),
)
CHECKPOINT = "--checkpoint-action"  # `=exec=CMD` runs CMD; `--checkpoint=N` is another option
TAR_CLEARS = ("-U", "--unlink-first", "--recursive-unlink")


def destructive(why: str) -> Assessment:
    return Assessment(Risk.DESTRUCTIVE, why)


def compress_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    """gzip and kin: a filter on stdin, or a command that replaces (or keeps) each FILE."""
    base = UNPACKERS.get(prog, prog)
    parsed = parse(args, COMPRESS)
    files = [f for f in parsed.operands if f != "-"]
    removes = parsed.has("--rm") if base in KEEPS_INPUT else not parsed.has("-k", "--keep")
    if parsed.has(*ONLY_READS) or not (files or parsed.has("--files", "--files0")):
        return read(f"`{prog}` only reads or filters its input to its output")
    if parsed.has(*TO_STDOUT) and not (removes and base in KEEPS_INPUT):
        return read(f"`{prog} -c` writes only to its output")
    if any(SYSTEM_DIR.match(normal(f)) for f in files):
        return destructive(f"`{prog}` changes system files")
    if not removes:
        return Assessment(Risk.WRITE, f"`{prog}` creates files beside its input")
    first = files[0] if files else "the files it is given"
    if parsed.has("-r", "--recursive"):
        return destructive(f"`{prog} -r` replaces every file under {first}")
    if prog in UNPACKERS or parsed.has(*UNPACK):
        return destructive(f"`{prog}` replaces {first} with {first.removesuffix(SUFFIX[base])}")
    return destructive(f"`{prog}` replaces {first} with {first}{SUFFIX[base]}")


def _tar_words(args: list[str]) -> list[str]:
    """Old-style `tar czf NAME DIR` as `-c -z -f NAME DIR`: each letter's value follows."""
    if not args or args[0].startswith("-"):
        return args
    out, rest = [], args[1:]
    for letter in args[0]:
        out.append(f"-{letter}")
        if letter in TAR.short and rest:
            out.append(rest.pop(0))
    return out + rest


def tar_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    parsed = parse(_tar_words(args), TAR)
    actions = [v for n, v in parsed.options if n != "--checkpoint" and spells(n, CHECKPOINT)]
    runs = parsed.has("-I", "-F", *TAR_RUNS) or any(spells_any(a, TAR_RUNS) for a in args)
    if runs or any("exec" in action for action in actions):
        return destructive("`tar` with those options runs another program")
    if parsed.has("--remove-files"):
        return destructive(f"`tar --remove-files` deletes {', '.join(parsed.operands)}")
    if parsed.has(*TAR_CLEARS):
        return destructive("`tar` removes existing files and folders before unpacking")
    archive = (parsed.values("-f", "--file") or [""])[-1]
    if re.match(r"^[^/]+:", archive) and not parsed.has("--force-local"):
        return Assessment(Risk.REMOTE, f"`tar -f {archive}` reaches another host (rsh/ssh)")
    if parsed.has("-t", "--list") and not parsed.has("-x", "--extract", "--get"):
        return read("`tar -t` only lists")
    if parsed.has("-c", "--create") and (found := overwrite(archive)) is not None:
        return Assessment(found.risk, f"`tar -c` {found.reason}")
    return Assessment(Risk.WRITE, "`tar` creates or unpacks files")


def zip_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    if any(a.startswith("-TT") or spells_any(a, ("--unzip-command",)) for a in args):
        return destructive("`zip -TT` runs a program to test the archive")
    moves = any(re.fullmatch(r"-\w*m\w*", a) for a in args) or any(
        spells_any(a, ("--move",)) for a in args
    )
    if moves:
        return destructive("`zip -m` deletes the files it moves into the archive")
    if any(a in ("-d", "-FS") or spells_any(a, ("--delete", "--filesync")) for a in args):
        return destructive("`zip` deletes entries from the archive")
    return Assessment(Risk.WRITE, "`zip` creates or updates an archive")


def unzip_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    parsed = parse(args, Spec(short="dP"))
    if parsed.has("-o"):
        return destructive("`unzip -o` overwrites existing files without asking")
    if parsed.has("-l", "-t", "-v", "-z", "-Z", "-p", "-c"):
        return read("`unzip` only lists, tests or prints")
    return Assessment(Risk.WRITE, "`unzip` unpacks files")


def sevenzip_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    """`7z COMMAND [switches] ARCHIVE`: switches are whole words (`-sdel`, `-aoa`, `-y`)."""
    command = next((a for a in args if not a.startswith("-")), "")
    switches = [a for a in args if a.startswith("-")]
    if command in ("l", "t", "i", "h", "b"):
        return read(f"`{prog} {command}` only lists or tests")
    if command == "d" or "-sdel" in switches:
        return destructive(f"`{prog}` deletes files (`d`, or `-sdel` after archiving)")
    overwrites = any(s == "-y" or s.startswith("-aoa") for s in switches)
    if command in ("x", "e") and overwrites:
        return destructive(f"`{prog} {command}` overwrites existing files without asking")
    if command in ("a", "u", "x", "e", "rn"):
        return Assessment(Risk.WRITE, f"`{prog} {command}` creates or changes files")
    return destructive(f"`{prog} {command}` is a 7z command this shell does not know")


RULES = {
    **dict.fromkeys((*SUFFIX, *UNPACKERS), compress_risk),
    **dict.fromkeys(("7z", "7za", "7zr"), sevenzip_risk),
    "tar": tar_risk,
    "zip": zip_risk,
    "unzip": unzip_risk,
}
