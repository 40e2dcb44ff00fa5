"""What one simple command does, from its words: the classifier's knowledge of programs.

``safety.commands`` parses the text with bashlex and hands each simple command here as the
words bash will run (quotes removed). A word still holding ``$`` or a backtick is computed at
run time; this module treats its value as unknown. Nested scripts (``sh -c``, ``find -exec``,
``python3 -c`` ...) go back to the parser through ``Nested``.
"""

from __future__ import annotations

import os
import re

from llmchain_os.safety import subcommands
from llmchain_os.safety.bash_words import braces, env_script, shell_script
from llmchain_os.safety.options import spells
from llmchain_os.safety.outputs import overwrites
from llmchain_os.safety.program_words import (
    ACCOUNT_FILE,
    ARITHMETIC_BUILTINS,
    AS_CODE,
    COMPUTED,
    DESTRUCTIVE,
    DISK,
    FORMATTERS,
    HARMLESS_SINKS,
    INTERPRETER,
    LOADER_VARS,
    NET_DEVICE,
    PRIVILEGED,
    PRIVILEGED_PROGRAMS,
    READ_ONLY,
    REMOTE,
    ROOTISH,
    SET_VARIABLES,
    SHELLS,
    SYSTEM_DIR,
    SYSTEM_TOP,
    TARGET_DIR,
    TRUSTED_DIRS,
    WRAPPERS,
    WRITE_PROGRAMS,
    XARGS_WORDS,
    Nested,
    has_short,
    normal,
    positional,
    program,
    read,
    short,
    unwrap,
    worse,
)
from llmchain_os.safety.risk import Assessment, Risk

# `python3 --version`; for a shell only the long spellings (`bash -h` is hashall, then it
# runs what is on stdin)
ONLY_PRINTS = frozenset({"--version", "--help"})
INTERPRETER_PRINTS = ONLY_PRINTS | {"-V", "-VV", "-h"}


def assess_words(words: list[str], src: str, nested: Nested) -> Assessment:
    """The risk of one simple command, given as the words bash runs (quotes removed)."""
    if words and words[0] in ARITHMETIC_BUILTINS and any(re.search(r"\$\(|`", w) for w in words):
        why = f"`{short(src)}`: bash evaluates a subscript here, running the command in it"
        return Assessment(Risk.DESTRUCTIVE, why)
    judged = _dispatch(words, src, nested)
    if words and not judged.denied and (over := overwrites(program(words[0]), words[1:])):
        judged = worse(judged, over)  # `cp a notes.txt` where notes.txt exists
    if net := [w for w in words[1:] if NET_DEVICE.match(w)]:
        judged = worse(judged, Assessment(Risk.REMOTE, f"`{net[0]}` is a network connection"))
    named = [w.split("=", 1)[-1] if w.startswith("of=") else w for w in words[1:]]  # dd of=
    if any(ACCOUNT_FILE.match(normal(w)) for w in named) and _may_write(judged, words):
        why = f"`{short(src)}` changes a system account file"
        return Assessment(Risk.DESTRUCTIVE, why, denied=True)
    return judged


def _may_write(judged: Assessment, words: list[str]) -> bool:
    """Whether a command could write its arguments: `sudo cat /etc/shadow` only reads."""
    if judged.risk in (Risk.WRITE, Risk.DESTRUCTIVE):
        return True
    while words and (program(words[0]) in WRAPPERS or program(words[0]) in PRIVILEGED):
        words = unwrap(program(words[0]), words[1:])
    inner = program(words[0]) if words else ""
    # ssh's own words are a remote command, judged as a script of its own
    return judged.risk is not Risk.READ and inner not in READ_ONLY and inner != "ssh"


def _dispatch(words: list[str], src: str, nested: Nested) -> Assessment:
    if not words:
        return read("does nothing")
    prog, args = program(words[0]), words[1:]
    if re.match(r"^[A-Za-z_]\w*=", words[0]):  # VAR=value cmd ...
        return _assignment(words, src, nested)
    if prog == "env" and (script := env_script(args)) is not None:
        return nested.script(script)
    if prog in ("command", "type", "hash") and args[:1] in (["-v"], ["-V"], ["-t"]):
        return read(f"`{prog} {args[0]}` only says what a name is")
    prints = INTERPRETER_PRINTS if INTERPRETER.match(prog) else ONLY_PRINTS
    if (prog in SHELLS or INTERPRETER.match(prog)) and args and set(args) <= prints:
        return read(f"`{prog} {args[0]}` only prints")
    if prog in WRAPPERS:
        return _wrapper_risk(prog, args, src, nested)
    if (COMPUTED.search(words[0]) and words[0] != "[") or not words[0]:
        return Assessment(Risk.DESTRUCTIVE, f"`{short(src)}`: the command name is computed")
    if "/" in words[0] and os.path.dirname(normal(words[0])) not in TRUSTED_DIRS:
        why = f"`{words[0]}` is a program outside the system's directories"
        return Assessment(Risk.DESTRUCTIVE, why)
    if prog in SHELLS or prog == "su":
        return _shell_risk(prog, args, nested)
    if INTERPRETER.match(prog):
        return subcommands.interpreter_risk(prog, args, nested)
    if prog in AS_CODE:
        return _as_code(prog, args, nested)
    if (own := _denied(prog, args, src)) is not None:
        return own
    if prog in PRIVILEGED:
        return _privileged(prog, args, src, nested)
    if (rule := subcommands.RULES.get(prog)) is not None:
        return subcommands.rule_risk(rule, prog, args, src, nested)
    return _plain_risk(prog, args, src, nested)


def _plain_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    if prog in DESTRUCTIVE:
        return Assessment(Risk.DESTRUCTIVE, f"`{short(src)}` {DESTRUCTIVE[prog]}")
    if prog in PRIVILEGED_PROGRAMS:
        return Assessment(Risk.PRIVILEGED, f"`{prog}` changes the system and needs root")
    if prog in REMOTE:
        return Assessment(Risk.REMOTE, f"`{prog}` talks to another host")
    if prog in SET_VARIABLES:
        if any(LOADER_VARS.match(a) for a in args):
            return Assessment(Risk.DESTRUCTIVE, "changes how programs are found or loaded")
        return Assessment(Risk.WRITE, f"`{prog}` sets shell variables")
    if prog == "tee" and all(HARMLESS_SINKS.match(a) for a in positional(args)):
        return read("`tee` only writes to the terminal or /dev/null")
    if prog in WRITE_PROGRAMS:
        return _write_risk(prog, args, src, nested)
    if prog not in READ_ONLY:
        return Assessment(Risk.DESTRUCTIVE, f"`{prog}` is not a program this shell knows")
    return subcommands.read_only_risk(prog, args)


def _write_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    targets = positional(args)[-1:] if prog in ("cp", "ln", "install") else positional(args)
    targets += [a.split("=", 1)[-1] for a in args if "=" in a and spells(a, TARGET_DIR)]
    targets += [  # `cp -t /etc x`, `cp --target /etc x`
        args[i + 1]
        for i, a in enumerate(args[:-1])
        if a == "-t" or ("=" not in a and spells(a, TARGET_DIR))
    ]
    if any(SYSTEM_DIR.match(normal(a)) for a in targets):
        return Assessment(Risk.DESTRUCTIVE, f"`{short(src)}` changes system files")
    own = Assessment(Risk.WRITE, f"`{prog}` creates or changes files")
    if prog in ("at", "batch") and not has_short(args, "f"):
        return worse(own, nested.stdin("sh"))  # the job is the script on its stdin
    return own


def _denied(prog: str, args: list[str], src: str) -> Assessment | None:
    """The deny list for one command: whole-filesystem deletes, disks, account files."""
    if FORMATTERS.match(prog):
        return Assessment(Risk.DESTRUCTIVE, f"`{short(src)}` formats a disk", denied=True)
    if prog in ("rm", "chmod", "chown", "chgrp") and (root := _deny_root(prog, args)):
        return root
    if prog == "mv" and any(ROOTISH.match(normal(a)) for a in positional(args)[:-1]):
        why = "`mv` moves the whole filesystem or home"
        return Assessment(Risk.DESTRUCTIVE, why, denied=True)
    if prog == "kill" and len(args) > 1 and args[-1] == "-1":
        return Assessment(Risk.DESTRUCTIVE, "`kill ... -1` kills every process", denied=True)
    if prog == "dd" and any(a.startswith("of=") and DISK.match(a[3:]) for a in args):
        return Assessment(Risk.DESTRUCTIVE, f"`{short(src)}` overwrites a disk", denied=True)
    overwrites = prog in DESTRUCTIVE or prog in WRITE_PROGRAMS
    if overwrites and any(DISK.match(a) for a in args) and prog not in ("fdisk",):
        return Assessment(Risk.DESTRUCTIVE, f"`{short(src)}` overwrites a disk", denied=True)
    return None


def _deny_root(prog: str, args: list[str]) -> Assessment | None:
    recursive = any(  # `rm --r` is `--recursive`: rm has no other long option in r
        a in ("-r", "-R") or spells(a, "--recursive", 1) or re.match(r"^-[a-zA-Z]*[rR]", a)
        for a in args
    )
    targets = [normal(b) for a in args if not a.startswith("-") for b in braces(a)]
    if recursive and any(ROOTISH.match(t) or SYSTEM_TOP.match(t) for t in targets):
        verb = {
            "rm": "deletes",
            "chmod": "changes the mode of",
            "chown": "changes the owner of",
            "chgrp": "changes the group of",
        }[prog]
        return Assessment(
            Risk.DESTRUCTIVE, f"`{prog}` {verb} the whole filesystem or home", denied=True
        )
    return None


def _assignment(words: list[str], src: str, nested: Nested) -> Assessment:
    if any(LOADER_VARS.match(w) for w in words if "=" in w):
        return Assessment(Risk.DESTRUCTIVE, "changes how programs are found or loaded")
    rest = [w for w in words if not re.match(r"^[A-Za-z_]\w*=", w)]
    return assess_words(rest, src, nested) if rest else Assessment(Risk.WRITE, "sets a variable")


def _wrapper_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    inner = unwrap(prog, args)
    if prog == "xargs" and inner:  # `ls | xargs gzip`: gzip gets operands, unknown here
        inner = [*inner, XARGS_WORDS]
    own = read(f"`{prog}` only")
    if prog == "time" and ("-o" in args or any(spells(a, "--output") for a in args)):
        own = Assessment(Risk.WRITE, "`time -o` writes a file")
    if prog == "env" and any(LOADER_VARS.match(a) for a in args[: len(args) - len(inner)]):
        own = Assessment(Risk.DESTRUCTIVE, "changes how programs are found or loaded")
    return worse(assess_words(inner, src, nested), own) if inner else own


def _shell_risk(prog: str, args: list[str], nested: Nested) -> Assessment:
    """`sh -c SCRIPT` and `su -c SCRIPT` are judged by their script; a script file is not."""
    su = Assessment(Risk.PRIVILEGED, "`su` runs as another user")
    script = shell_script(args)
    if script is not None:
        judged = nested.script(script)
        return worse(su, judged) if prog == "su" else judged
    if prog == "su":
        return su
    if not positional(args) or positional(args) == ["-"]:
        return nested.stdin(prog)
    return Assessment(Risk.DESTRUCTIVE, f"`{prog}` runs a script file that cannot be checked")


def _as_code(prog: str, args: list[str], nested: Nested) -> Assessment:
    own = Assessment(Risk.DESTRUCTIVE, f"`{prog}` runs text as code, which cannot be checked")
    if prog == "eval" and args:
        return worse(own, nested.script(" ".join(args)))
    if prog == "trap" and args and args[0] not in ("-l", "-p", "-", ""):
        return worse(own, nested.script(args[0]))
    return own


def _privileged(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    inner = unwrap(prog, args) if prog != "su" else []
    own = Assessment(Risk.PRIVILEGED, f"`{prog}` runs as another user")
    return worse(own, assess_words(inner, src, nested)) if inner else own
