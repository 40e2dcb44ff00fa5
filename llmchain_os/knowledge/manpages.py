"""This machine's own documentation of its programs: whatis lines, man pages, ``--help``.

The planner composes shell commands from what the installed programs say about themselves,
not from a list written here. Three sources, cheapest first:

- ``whatis_lines``: one ``apropos`` call lists every program of man sections 1 and 8 with
  its one-line summary (about 0.1 s for 18,000 pages), kept to the programs on PATH;
- ``read_manpage``: one program's NAME, SYNOPSIS and option entries (flags and their
  description), rendered by ``man`` without hyphenation or justification;
- ``read_help``: where a program has no man page, its ``--help`` output, run in the read
  sandbox (read-only, no network) with a short time limit, parsed the same way.

Text from a manual is data: it is shown and searched, never followed. A machine without man
pages or a whatis database still works: ``missing_docs`` says what is absent, for
``llmos doctor`` and the "unsure" answer.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 5.0
HELP_TIMEOUT_S = 2.0
MAX_TEXT = 400_000  # characters of one rendered page kept (tar's is about 60,000)
WHATIS = re.compile(r"^(?P<names>[^\s(][^(]*?)\s*\((?P<section>[18]\w*)\)\s+-+\s+(?P<text>.+)$")
SECTION = re.compile(r"^[A-Z][A-Z0-9 /&-]+$")  # a heading: NAME, SYNOPSIS, OPTIONS ...
OPTION = re.compile(r"^(?P<indent> {2,8})(?P<entry>--?[A-Za-z0-9?#@+].*)$")
SPLIT = re.compile(r"\s{2,}|\t")  # between an option's flags and a description on its line
USAGE = re.compile(r"(?i)\busage\b|\boptions\b")
FLAG = re.compile(r"--?[A-Za-z0-9?#@+][\w-]*")


@dataclass(frozen=True)
class ProgramDoc:
    """A program on PATH and its one-line summary."""

    name: str
    section: str
    summary: str


@dataclass(frozen=True)
class OptionDoc:
    """One option entry of a manual: its spellings (``-h``, ``--human-readable``), the
    argument it takes as written (``SIZE``), and its description."""

    flags: tuple[str, ...]
    arg: str
    text: str

    def line(self) -> str:
        """``-h, --human-readable: print sizes in powers of 1024``, for plans and indexes."""
        spelled = ", ".join(self.flags) + (f" {self.arg}" if self.arg else "")
        return f"{spelled}: {self.text}"


@dataclass(frozen=True)
class ManPage:
    """What a program's manual (or its ``--help``) says: summary, synopsis, options."""

    name: str
    summary: str
    synopsis: str
    options: tuple[OptionDoc, ...]
    source: str  # "man" or "--help"

    def option(self, flag: str) -> OptionDoc | None:
        """The entry that documents ``flag`` (``-h`` or ``--human-readable``), if any."""
        return next((o for o in self.options if flag in o.flags), None)


def programs_on_path(path_env: str | None = None) -> dict[str, Path]:
    """Every executable name on PATH, the first one found winning (as the shell picks)."""
    found: dict[str, Path] = {}
    for folder in (path_env if path_env is not None else os.environ.get("PATH", "")).split(":"):
        try:
            entries = list(os.scandir(folder or "."))
        except OSError:
            continue
        for entry in entries:
            if entry.name not in found and _executable(entry):
                found[entry.name] = Path(entry.path)
    return found


def _executable(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file() and os.access(entry.path, os.X_OK)
    except OSError:
        return False


def whatis_lines(on_path: dict[str, Path] | None = None) -> list[ProgramDoc]:
    """The whatis summary of every program on PATH that has one in sections 1 or 8."""
    apropos = shutil.which("apropos")
    if apropos is None:
        return []
    try:
        done = subprocess.run(
            [apropos, "-s", "1,8", "-l", "."],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUT_S,
            env=_man_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    programs = on_path if on_path is not None else programs_on_path()
    docs: dict[str, ProgramDoc] = {}
    for line in done.stdout.splitlines():
        if (m := WHATIS.match(line.strip())) is None:
            continue
        for name in (n.strip() for n in m["names"].split(",")):
            if name in programs and name not in docs:
                docs[name] = ProgramDoc(name, m["section"], m["text"].strip())
    return sorted(docs.values(), key=lambda d: d.name)


def read_manpage(name: str) -> ManPage | None:
    """``name``'s manual page, parsed; None when it has none (or ``man`` is missing)."""
    man = shutil.which("man")
    if man is None or not re.fullmatch(r"[\w.+-]+", name):
        return None
    try:
        done = subprocess.run(
            [man, "--nh", "--nj", "-P", "cat", "-s", "1,8", name],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUT_S,
            env={**_man_env(), "MANWIDTH": "1000"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return parse_page(name, done.stdout[:MAX_TEXT], source="man")


def read_help(name: str) -> ManPage | None:
    """``name --help``, run in the read sandbox (nothing it does can change anything or
    reach the network) with a short time limit; None when it gives no usable text."""
    from llmchain_os.safety.sandbox import Limits, SandboxSpec, run_process, sandbox_status

    path = shutil.which(name)
    if path is None or not sandbox_status().available:
        return None  # never run an unknown program unconfined just to read its help
    spec = SandboxSpec(Path("/"), (), network=False, workdir_writable=False, private_tmp=False)
    limits = Limits(timeout_s=HELP_TIMEOUT_S, output_chars=MAX_TEXT)
    result = None
    for item in run_process([path, "--help"], limits, spec, cwd=Path("/")):
        result = item
    text = getattr(result, "stdout", "") or getattr(result, "stderr", "")
    if not isinstance(text, str) or not (USAGE.search(text) and FLAG.search(text)):
        return None  # no help text (or the sandbox's own complaint)
    return parse_page(name, text, source="--help")


def parse_page(name: str, text: str, source: str = "man") -> ManPage:
    """NAME's summary, the SYNOPSIS and every option entry of a rendered page (or of
    ``--help`` output, which has no headings: its options are parsed all the same)."""
    sections = _sections(text)
    summary = _summary(name, sections.get("NAME", ""))
    synopsis = " ".join(sections.get("SYNOPSIS", "").split())
    if not synopsis and source == "--help":
        synopsis = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return ManPage(name, summary, synopsis[:500], tuple(_options(text)), source)


def _sections(text: str) -> dict[str, str]:
    """Heading -> its body, for the headings at the left margin."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if SECTION.match(line):
            current = found.setdefault(line.strip(), [])
        elif current is not None:
            current.append(line)
    return {k: "\n".join(v) for k, v in found.items()}


def _summary(name: str, body: str) -> str:
    """``ls - list directory contents`` -> ``list directory contents``."""
    flat = " ".join(body.split())
    _, dash, rest = flat.partition(" - ")
    return rest if dash else flat


def _options(text: str) -> list[OptionDoc]:
    """Each option entry: a line starting with ``-`` at a shallow indent, then the deeper
    lines under it (or the rest of its own line) as its description."""
    lines = text.splitlines()
    options: list[OptionDoc] = []
    i = 0
    while i < len(lines):
        m = OPTION.match(lines[i])
        if m is None:
            i += 1
            continue
        parts = SPLIT.split(m["entry"].strip(), maxsplit=1)
        head, first = parts[0], parts[1] if len(parts) > 1 else ""
        body, i = _description(lines, i + 1, len(m["indent"]))
        flags, arg = _flags(head)
        if flags:
            options.append(OptionDoc(flags, arg, " ".join([first, *body]).strip()[:400]))
    return options


def _description(lines: list[str], i: int, indent: int) -> tuple[list[str], int]:
    """The lines indented deeper than the option (blank lines inside allowed)."""
    body: list[str] = []
    while i < len(lines):
        line = lines[i]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        if line.strip():
            body.append(line.strip())
        elif body and i + 1 < len(lines) and not _deeper(lines[i + 1], indent):
            break
        i += 1
    return body, i


def _deeper(line: str, indent: int) -> bool:
    return bool(line.strip()) and len(line) - len(line.lstrip()) > indent


def _flags(head: str) -> tuple[tuple[str, ...], str]:
    """``-B, --block-size=SIZE`` -> (("-B", "--block-size"), "SIZE")."""
    flags: list[str] = []
    arg = ""
    for piece in re.split(r",\s*|\s+", head):
        if m := FLAG.match(piece):
            flags.append(m.group(0))
            rest = piece[m.end() :].lstrip("=[").rstrip("]")
            arg = arg or rest
        elif piece and not arg:
            arg = piece
    return tuple(dict.fromkeys(flags)), arg


def missing_docs() -> list[str]:
    """What this machine lacks for grounding commands in its manuals, in words."""
    gaps = []
    if shutil.which("man") is None:
        gaps.append("no `man` program: commands are composed without their manuals")
    elif read_manpage("ls") is None:
        gaps.append("no man pages installed (minimal images strip them)")
    if shutil.which("apropos") is None or not whatis_lines({"ls": Path("/bin/ls")}):
        gaps.append("no whatis database (`mandb` builds it): programs are found by name only")
    return gaps


def _man_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "MANPATH", "LANG", "LC_ALL", "MANSECT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.setdefault("LANG", "C.UTF-8")
    return {**env, "MAN_KEEP_FORMATTING": "", "PAGER": "cat", "MANPAGER": "cat"}


_PAGES: dict[str, ManPage | None] = {}


def page_of(name: str) -> ManPage | None:
    """``name``'s manual (or ``--help``), read once per process."""
    if name not in _PAGES:
        _PAGES[name] = read_manpage(name) or read_help(name)
    return _PAGES[name]


def explain_options(command: str, limit: int = 4) -> list[str]:
    """What the options of ``command`` do, from this machine's manuals: ``-l: print the
    newline counts``; [] where a manual is missing or a word does not parse."""
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        return []
    found: list[str] = []
    program = ""
    for word in words:
        if word in ("|", "&&", "||", ";") or not program:
            program = "" if word in ("|", "&&", "||", ";") else word.rsplit("/", 1)[-1]
            continue
        if word == "--" or not word.startswith("-") or word == "-":
            continue
        page = page_of(program)
        if page is None:
            continue
        for flag in _spelled_flags(word):
            entry = page.option(flag)
            if entry is not None and len(found) < limit:
                found.append(f"{program} {flag}: {_first_sentence(entry.text)}")
    return found


def _first_sentence(text: str, width: int = 80) -> str:
    """The description up to its first full stop or semicolon, at most ``width`` chars."""
    head = re.split(r"(?<!\be\.g)(?<!\bi\.e)[.;]\s", text, maxsplit=1)[0]
    head = re.sub(r"(?<=[\w)])\.$", "", head)  # a full stop, not `starting with .`
    return head if len(head) <= width else head[: width - 1].rstrip() + "…"


def _spelled_flags(word: str) -> list[str]:
    """`-la` -> `-l`, `-a`; `--human-readable` and `--block-size=M` -> the long name; `-n5`
    -> `-n` (a cluster's letters are flags until one that takes a value, not known here)."""
    if word.startswith("--"):
        return [word.split("=", 1)[0]]
    letters = word[1:]
    if letters[:1].isdigit():
        return []
    if len(letters) > 1 and any(c.isdigit() for c in letters):
        return [f"-{letters[0]}"]
    return [f"-{c}" for c in letters]
