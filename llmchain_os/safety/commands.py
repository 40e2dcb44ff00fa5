"""Risk of a shell command, from its tokens.

A deliberately small classifier for now. It splits the command into simple commands at lines,
``| ; && || & ( )`` and backticks with shlex, looks through wrappers (``env``, ``timeout``,
``xargs``, ``nice`` ...) and ``sh -c`` strings, and only calls a command ``read`` when every
part is a known read-only program, without flags that make it write, and with no redirection,
substitution or expansion it cannot see through. Anything it does not understand is at least
``write``, so it is always asked. A full bash parse (bashlex) replaces this behind the same
function.
"""

from __future__ import annotations

import os
import re
import shlex

from llmchain_os.safety.risk import Assessment, Risk

READ_ONLY = frozenset(
    "cat head tail less more wc grep egrep fgrep ls ll dir pwd whoami id groups uname "
    "hostname uptime date cal df du free ps pgrep pstree top htop lscpu lsblk lsusb lspci "
    "lsmod nproc echo printf which type file stat printenv locale tty w who last lastlog "
    "dmesg journalctl ss netstat ip ifconfig route getent sort uniq cut tr column nl fold "
    "basename dirname realpath readlink md5sum sha1sum sha256sum cksum vmstat iostat mpstat "
    "sar findmnt mount lsof ping dig host nslookup systemctl jq find sed true false "
    "test".split()
)
# Read-only programs that change things with these options (or any argument starting so).
WRITING_FLAGS = {
    "find": (
        "-delete",
        "-exec",
        "-execdir",
        "-ok",
        "-okdir",
        "-fprint",
        "-fprint0",
        "-fprintf",
        "-fls",
    ),
    "journalctl": (
        "--vacuum-size",
        "--vacuum-time",
        "--vacuum-files",
        "--rotate",
        "--flush",
        "--relinquish-var",
        "--setup-keys",
    ),
    "sort": ("-o", "--output"),
    "date": ("-s", "--set"),
    "dmesg": ("-c", "-C", "--clear", "--read-clear", "-n", "--console-level", "-D", "-E"),
    "ss": ("-K", "--kill"),
    "hostname": ("-F", "--file", "-b", "--boot"),
}
# Read-only only when called with no arguments but options (they set things when given some).
NO_POSITIONAL = frozenset({"mount", "hostname", "ifconfig", "route"})
IP_READ = frozenset({"show", "sh", "list", "ls", "lst", "get"})  # `ip OBJECT show ...`
SYSTEMCTL_READ = frozenset(
    "status show list-units list-unit-files is-active is-enabled is-failed cat "
    "list-timers list-dependencies".split()
)
DESTRUCTIVE = frozenset(
    "rm rmdir shred dd mkfs mkswap wipefs fdisk parted sfdisk kill killall pkill shutdown "
    "reboot halt poweroff truncate userdel groupdel crontab".split()
)
REMOTE = frozenset({"ssh", "scp", "sftp", "rsync"})
PRIVILEGED = frozenset({"sudo", "su", "doas", "pkexec"})
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "fish"})
AS_CODE = frozenset({"eval", "source", ".", "alias", "function"})
# Wrappers run the command that follows them; options listed here take a value.
WRAPPERS = {
    "env": {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"},
    "nice": {"-n", "--adjustment"},
    "nohup": set(),
    "timeout": {"-s", "--signal", "-k", "--kill-after"},
    "time": {"-f", "--format", "-o", "--output"},
    "stdbuf": {"-i", "-o", "-e"},
    "ionice": {"-c", "-n", "-p", "-t"},
    "command": set(),
    "exec": {"-a"},
    "setsid": set(),
    "xargs": {
        "-I",
        "-i",
        "-n",
        "-P",
        "-d",
        "-L",
        "-l",
        "-s",
        "-E",
        "-e",
        "-a",
        "--delimiter",
        "--max-args",
        "--max-procs",
        "--arg-file",
    },
}
SUDO_VALUED = {"-u", "--user", "-g", "--group", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}
TAKES_ONE_POSITIONAL = frozenset({"timeout"})  # the duration before the command
OPERATORS = frozenset({"|", "||", "&&", ";", "&", "|&", ";;", "(", ")", "{", "}"})
UNSEEN = re.compile(r"[`$<>]|\(|\)")  # substitution, expansion, redirection, subshells
ROOTISH = re.compile(r"^(?:/+\.?\*?|/+\*|~/?\*?|\$\{?HOME\}?/?\*?)$")
DISK = r"/dev/(?:sd|nvme|vd|hd|xvd|mmcblk|disk/)"
INTERPRETER = r"(?:sudo\s+)?(?:\w*sh|python[\d.]*|perl|ruby|node|php)\b"
DENY = [
    (re.compile(r":\s*\(\s*\)\s*\{.*\|.*&.*\}"), "is a fork bomb"),
    (re.compile(r"(\w+)\s*\(\s*\)\s*\{[^}]*\b\1\s*\|\s*\1\b[^}]*&"), "is a fork bomb"),
    (re.compile(r"\b(?:mkfs(?:\.\w+)?|mke2fs|mkswap|wipefs|blkdiscard)\b"), "formats a disk"),
    (re.compile(rf"\bdd\b.*\bof={DISK}"), "overwrites a disk"),
    (re.compile(rf">\s*{DISK}"), "overwrites a disk"),
    (re.compile(rf"(?:curl|wget)\b.*\|\s*{INTERPRETER}"), "runs a script from the network"),
    (re.compile(r"<\(\s*(?:curl|wget)\b"), "runs a script from the network"),
    (
        re.compile(r">\s*/etc/(?:passwd|shadow|gshadow|group|sudoers)\b"),
        "overwrites a system account file",
    ),
]
ACCOUNT_FILE = re.compile(r"^/etc/(?:passwd|shadow|gshadow|group|sudoers)$")
# Words in command position that bash computes (expansions, globs, braces): unknowable here.
COMPUTED = re.compile(r"[$*?\[{]")
WRITE_PROGRAMS = frozenset(
    "touch mkdir cp ln tee tar gzip gunzip bzip2 xz zip unzip git make mkfifo".split()
)
MAX_DEPTH = 4


def _split(command: str) -> list[list[str]]:
    """Simple commands, each a word list.

    Comments are not honoured: by the time a word is seen its quotes are gone, so a quoted
    "#" would look like a comment and hide what follows. Judging a real comment's words as
    commands errs on the side of asking.
    """
    parts: list[list[str]] = []
    for line in command.replace("`", "\n").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|(){}<>")
        lexer.whitespace_split = True
        lexer.commenters = ""
        current: list[str] = []
        for token in lexer:
            if token in OPERATORS:
                parts.append(current)
                current = []
            else:
                current.append(token)
        parts.append(current)
    return [p for p in parts if p]


def _unwrap(prog: str, args: list[str]) -> list[str]:
    """The command a wrapper runs, without the wrapper's own options and assignments."""
    valued = SUDO_VALUED if prog in PRIVILEGED else WRAPPERS[prog]
    i, positional = 0, 1 if prog in TAKES_ONE_POSITIONAL else 0
    while i < len(args):
        word = args[i]
        if word in valued:
            i += 2
        elif word.startswith("-") or (prog == "env" and "=" in word):
            i += 1
        elif positional:
            positional -= 1
            i += 1
        else:
            break
    return args[i:]


def _normal(path: str) -> str:
    """`/..`, `//`, `/./` -> `/`; `~/.` -> `~`: spellings of the same place."""
    head, sep, rest = path.partition("/")
    if head in ("", "~", "$HOME", "${HOME}"):
        norm = os.path.normpath("/" + rest).lstrip("/") if sep else ""
        return (head or "/") if not norm or norm == "." else f"{head}/{norm}"
    return path


def _deny_root(prog: str, args: list[str]) -> Assessment | None:
    recursive = any(
        a in ("-r", "-R", "--recursive") or re.match(r"^-[a-zA-Z]*[rR]", a) for a in args
    )
    targets = [_normal(a) for a in args if not a.startswith("-")]
    if recursive and any(ROOTISH.match(t) for t in targets):
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


SED_RUNS_OR_WRITES = re.compile(r"(?:^|[;{}\d$/\s])\s*[ewW](?:\s|$|;|/)")


def _has_short(args: list[str], letter: str) -> bool:
    """A short option, alone or in a cluster: `-i`, `-ni`, `-Ei.bak`."""
    return any(a.startswith("-") and not a.startswith("--") and letter in a[1:] for a in args)


def _sed_risk(args: list[str]) -> Assessment:
    if _has_short(args, "i") or any(a.startswith("--in-place") for a in args):
        return Assessment(Risk.DESTRUCTIVE, "`sed -i` rewrites files in place")
    if _has_short(args, "f") or any(a.startswith("--file") for a in args):
        return Assessment(Risk.DESTRUCTIVE, "a sed script from a file cannot be checked")
    scripts = [a.split("=", 1)[1] if a.startswith("--expression=") else a for a in args]
    scripts = [a for a in scripts if not a.startswith("-")]
    if any(SED_RUNS_OR_WRITES.search(s) for s in scripts):
        return Assessment(Risk.DESTRUCTIVE, "the sed script runs commands or writes files")
    return Assessment(Risk.READ, "`sed` only reads")


def _read_only_risk(prog: str, args: list[str]) -> Assessment:
    if prog == "systemctl" and args and args[0] not in SYSTEMCTL_READ:
        return Assessment(Risk.PRIVILEGED, f"`systemctl {args[0]}` changes a service")
    positional = [a for a in args if not a.startswith("-")]
    if prog == "ip" and len(positional) > 1 and positional[1] not in IP_READ:
        return Assessment(Risk.PRIVILEGED, "`ip` with those arguments changes the network")
    if prog == "mount" and set(args) - {"-l", "--list", "-v"}:
        return Assessment(Risk.PRIVILEGED, "`mount` with arguments changes the system")
    if prog in NO_POSITIONAL and any(not a.startswith("-") for a in args):
        return Assessment(Risk.PRIVILEGED, f"`{prog}` with arguments changes the system")
    if prog == "sed":
        return _sed_risk(args)
    if prog == "uniq" and len([a for a in args if not a.startswith("-")]) > 1:
        return Assessment(Risk.WRITE, "`uniq` with two files writes the second")
    flags = WRITING_FLAGS.get(prog, ())
    if any(a == f or a.startswith(f + "=") for a in args for f in flags) or any(
        _has_short(args, f[1]) for f in flags if len(f) == 2
    ):
        return Assessment(Risk.DESTRUCTIVE, f"`{prog}` with those options changes or deletes")
    return Assessment(Risk.READ, f"`{prog}` only reads")


def _assess_words(words: list[str], depth: int) -> Assessment:
    prog = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if re.match(r"^[A-Za-z_]\w*=", prog):  # VAR=value cmd ...
        return _assess_words(args, depth) if args else Assessment(Risk.WRITE, "sets a variable")
    if prog == "env" and (script := _env_script(args)) is not None:
        return _classify(script, depth + 1)
    if prog in WRAPPERS:
        return _wrapper_risk(prog, args, depth)
    if COMPUTED.search(words[0]):
        return Assessment(Risk.DESTRUCTIVE, "the command name is computed, so it cannot be checked")
    if prog in SHELLS or prog == "su":
        return _shell_risk(prog, args, depth)
    if prog in AS_CODE:
        return Assessment(Risk.DESTRUCTIVE, f"`{prog}` runs text as code, which cannot be checked")
    if prog in ("rm", "chmod", "chown", "chgrp") and (denied := _deny_root(prog, args)):
        return denied
    if prog in PRIVILEGED:
        inner = _unwrap(prog, args) if prog != "su" else []
        own = Assessment(Risk.PRIVILEGED, f"`{prog}` runs as another user")
        return _worse(own, _assess_words(inner, depth)) if inner else own
    if prog in DESTRUCTIVE:
        return Assessment(Risk.DESTRUCTIVE, f"`{prog}` deletes, kills or cannot be undone")
    if prog in REMOTE:
        return Assessment(Risk.REMOTE, f"`{prog}` acts on another host")
    if prog not in READ_ONLY and any(ACCOUNT_FILE.match(a) for a in args):
        return Assessment(Risk.DESTRUCTIVE, f"`{prog}` on a system account file", denied=True)
    if prog in WRITE_PROGRAMS:
        return Assessment(Risk.WRITE, f"`{prog}` creates or changes files")
    if prog not in READ_ONLY:
        return Assessment(Risk.DESTRUCTIVE, f"`{prog}` is not a program this shell knows")
    return _read_only_risk(prog, args)


def _wrapper_risk(prog: str, args: list[str], depth: int) -> Assessment:
    inner = _unwrap(prog, args)
    own = Assessment(Risk.READ, f"`{prog}` only")
    if prog == "time" and ("-o" in args or any(a.startswith("--output") for a in args)):
        own = Assessment(Risk.WRITE, "`time -o` writes a file")
    return _worse(own, _assess_words(inner, depth)) if inner else own


def _shell_risk(prog: str, args: list[str], depth: int) -> Assessment:
    """`sh -c SCRIPT` and `su -c SCRIPT` are judged by their script; a script file is not."""
    su = Assessment(Risk.PRIVILEGED, "`su` runs as another user")
    script = _shell_script(args)
    if script is not None:
        judged = _classify(script, depth + 1)
        return _worse(su, judged) if prog == "su" else judged
    if prog == "su":
        return su
    return Assessment(Risk.DESTRUCTIVE, f"`{prog}` runs a script that cannot be checked")


def _env_script(args: list[str]) -> str | None:
    """`env -S "cmd args"`: the split string is a command line of its own."""
    for i, arg in enumerate(args):
        if arg in ("-S", "--split-string"):
            return " ".join(args[i + 1 :]) or None
        if arg.startswith("--split-string="):
            return " ".join([arg.split("=", 1)[1], *args[i + 1 :]])
        if arg.startswith("-S"):
            return " ".join([arg[2:], *args[i + 1 :]])
    return None


def _shell_script(args: list[str]) -> str | None:
    """The script of `sh -c SCRIPT`, `bash -ec SCRIPT`, `bash -c -- SCRIPT`, `su -c SCRIPT`."""
    for i, arg in enumerate(args):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            rest = [a for a in args[i + 1 :] if a != "--"]
            return rest[0] if rest else None
    return None


def _worse(a: Assessment, b: Assessment) -> Assessment:
    if b.denied and not a.denied:
        return b
    if a.denied:
        return a
    if b.risk.rank > a.risk.rank or (a.risk is Risk.READ and b.risk is not Risk.READ):
        return b
    return a


def _classify(text: str, depth: int) -> Assessment:
    if depth > MAX_DEPTH:
        return Assessment(Risk.DESTRUCTIVE, "nested shells too deep to check", denied=True)
    for pattern, why in DENY:
        if pattern.search(text):
            return Assessment(Risk.DESTRUCTIVE, f"`{text.strip()}` {why}", denied=True)
    try:
        parts = _split(text)
    except ValueError as exc:
        return Assessment(Risk.DESTRUCTIVE, f"cannot parse the command ({exc})", denied=True)
    worst = Assessment(Risk.READ, "only reads")
    for words in parts:
        worst = _worse(worst, _assess_words(words, depth))
    if worst.risk is Risk.READ and UNSEEN.search(text):
        worst = Assessment(Risk.WRITE, "redirection or substitution may change files")
    return worst


def classify_command(command: str) -> Assessment:
    """The risk of running ``command`` in bash, worst part first, with its reason."""
    if not command.strip():
        return Assessment(Risk.WRITE, "empty command", denied=True)
    return _classify(command, 0)
