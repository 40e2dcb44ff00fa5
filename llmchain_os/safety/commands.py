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
IP_CHANGES = frozenset({"add", "del", "delete", "set", "change", "replace", "flush", "append"})
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
AS_CODE = frozenset({"eval", "source", ".", "exec", "alias", "function"})
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
DENY = [
    (re.compile(r":\s*\(\s*\)\s*\{.*\|.*&.*\}"), "is a fork bomb"),
    (re.compile(r"\bmkfs(\.\w+)?\b"), "formats a filesystem"),
    (re.compile(r"\bdd\b.*\bof=/dev/(sd|nvme|vd|hd|xvd|mmcblk)"), "overwrites a disk"),
    (re.compile(r"(curl|wget)\b.*\|\s*(sudo\s+)?(ba|z|da)?sh\b"), "runs a script from the network"),
    (re.compile(r">\s*/etc/(passwd|shadow|sudoers)\b"), "overwrites a system account file"),
]
MAX_DEPTH = 4


def _split(command: str) -> list[list[str]]:
    """Simple commands, each a word list; a word starting with # starts a comment."""
    parts: list[list[str]] = []
    for line in command.replace("`", "\n").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|(){}")
        lexer.whitespace_split = True
        lexer.commenters = ""
        current: list[str] = []
        comment = False
        for token in lexer:
            if comment or token.startswith("#"):
                comment = True  # to the end of the line, operators included
            elif token in OPERATORS:
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


def _deny_root(prog: str, args: list[str]) -> Assessment | None:
    recursive = any(
        a in ("-r", "-R", "--recursive") or re.match(r"^-[a-zA-Z]*[rR]", a) for a in args
    )
    targets = [a for a in args if not a.startswith("-")]
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


def _sed_risk(args: list[str]) -> Assessment:
    if any(a in ("-i", "--in-place") or a.startswith(("-i", "--in-place=")) for a in args):
        return Assessment(Risk.DESTRUCTIVE, "`sed -i` rewrites files in place")
    scripts = [a for a in args if not a.startswith("-")]
    if any(SED_RUNS_OR_WRITES.search(s) for s in scripts):
        return Assessment(Risk.DESTRUCTIVE, "the sed script runs commands or writes files")
    return Assessment(Risk.READ, "`sed` only reads")


def _read_only_risk(prog: str, args: list[str]) -> Assessment:
    if prog == "systemctl" and args and args[0] not in SYSTEMCTL_READ:
        return Assessment(Risk.PRIVILEGED, f"`systemctl {args[0]}` changes a service")
    if prog == "ip" and IP_CHANGES & set(args):
        return Assessment(Risk.PRIVILEGED, "`ip` with those arguments changes the network")
    if prog in NO_POSITIONAL and any(not a.startswith("-") for a in args):
        return Assessment(Risk.PRIVILEGED, f"`{prog}` with arguments changes the system")
    if prog == "sed":
        return _sed_risk(args)
    if prog == "uniq" and len([a for a in args if not a.startswith("-")]) > 1:
        return Assessment(Risk.WRITE, "`uniq` with two files writes the second")
    flags = WRITING_FLAGS.get(prog, ())
    if any(
        a == f or a.startswith(f + "=") or (len(f) == 2 and a.startswith(f))
        for a in args
        for f in flags
    ):
        return Assessment(Risk.DESTRUCTIVE, f"`{prog}` with those options changes or deletes")
    return Assessment(Risk.READ, f"`{prog}` only reads")


def _assess_words(words: list[str], depth: int) -> Assessment:
    prog = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if re.match(r"^[A-Za-z_]\w*=", prog):  # VAR=value cmd ...
        return _assess_words(args, depth) if args else Assessment(Risk.WRITE, "sets a variable")
    if prog in WRAPPERS:
        inner = _unwrap(prog, args)
        return _assess_words(inner, depth) if inner else Assessment(Risk.READ, f"`{prog}` only")
    if prog in SHELLS:
        if "-c" in args and args.index("-c") + 1 < len(args):
            return _classify(args[args.index("-c") + 1], depth + 1)
        return Assessment(Risk.WRITE, f"`{prog}` runs a script that was not checked")
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
    if prog not in READ_ONLY:
        return Assessment(Risk.WRITE, f"`{prog}` is not known to be read-only")
    return _read_only_risk(prog, args)


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
