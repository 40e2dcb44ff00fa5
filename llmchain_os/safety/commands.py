"""Risk of a shell command, from its tokens.

A deliberately small classifier for now: it splits the command into simple commands at
``| ; && || &`` with shlex, and only calls a command ``read`` when every part is a known
read-only program with no redirection, substitution or expansion it cannot see through.
Anything it does not understand is at least ``write``, so it always asks. The full parser
(bashlex, sh -c, xargs, find -exec, obfuscation) replaces this behind the same function.
"""

from __future__ import annotations

import re
import shlex

from llmchain_os.safety.risk import Assessment, Risk

READ_ONLY = frozenset(
    "cat head tail less more wc grep egrep fgrep ls ll dir pwd whoami id groups uname "
    "hostname uptime date cal df du free ps pgrep pstree top htop lscpu lsblk lsusb lspci "
    "lsmod nproc echo printf which type file stat env printenv locale tty w who last lastlog "
    "dmesg journalctl ss netstat ip ifconfig route getent sort uniq cut tr column nl fold "
    "basename dirname realpath readlink md5sum sha1sum sha256sum cksum vmstat iostat mpstat "
    "sar findmnt mount lsof ping dig host nslookup systemctl jq awk sed find true false "
    "test".split()
)
# Some read-only programs become writers with certain flags.
WRITING_FLAGS = {
    "sed": ("-i", "--in-place"),
    "find": ("-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fls"),
    "systemctl": (),
    "awk": (),
    "mount": (),
}
SYSTEMCTL_READ = frozenset(
    {
        "status",
        "show",
        "list-units",
        "list-unit-files",
        "is-active",
        "is-enabled",
        "is-failed",
        "cat",
        "list-timers",
    }
)
DESTRUCTIVE = frozenset(
    "rm rmdir shred dd mkfs mkswap wipefs fdisk parted sfdisk kill killall pkill shutdown "
    "reboot halt poweroff truncate userdel groupdel crontab".split()
)
REMOTE = frozenset(["ssh", "scp", "sftp", "rsync"])
PRIVILEGED = frozenset(["sudo", "su", "doas", "pkexec"])
OPERATORS = frozenset({"|", "||", "&&", ";", "&", "|&", ";;"})
UNSEEN = re.compile(r"[`$<>]|\(|\)")  # substitution, expansion, redirection, subshells
DENY = [
    (
        re.compile(r"\brm\s+(-\w*\s+)*-\w*[rR]\w*\s+(-\w+\s+)*(/|/\*|~|\$HOME)(\s|$)"),
        "deletes the whole filesystem or home directory",
    ),
    (re.compile(r":\s*\(\s*\)\s*\{.*\|.*&.*\}"), "is a fork bomb"),
    (re.compile(r"\bmkfs(\.\w+)?\b"), "formats a filesystem"),
    (re.compile(r"\bdd\b.*\bof=/dev/(sd|nvme|vd|hd|xvd|mmcblk)"), "overwrites a disk"),
    (re.compile(r"(curl|wget)\b.*\|\s*(sudo\s+)?(ba|z|da)?sh\b"), "runs a script from the network"),
]


def _split(command: str) -> list[list[str]]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    parts: list[list[str]] = [[]]
    for token in lexer:
        if token in OPERATORS:
            parts.append([])
        else:
            parts[-1].append(token)
    return [p for p in parts if p]


def _program_risk(words: list[str]) -> tuple[Risk, str]:
    prog = words[0].rsplit("/", 1)[-1]
    if prog in PRIVILEGED:
        return Risk.PRIVILEGED, f"`{prog}` runs as another user"
    if prog in DESTRUCTIVE:
        return Risk.DESTRUCTIVE, f"`{prog}` deletes, kills or cannot be undone"
    if prog in REMOTE:
        return Risk.REMOTE, f"`{prog}` acts on another host"
    if prog not in READ_ONLY:
        return Risk.WRITE, f"`{prog}` is not known to be read-only"
    if prog == "systemctl" and len(words) > 1 and words[1] not in SYSTEMCTL_READ:
        return Risk.PRIVILEGED, f"`systemctl {words[1]}` changes a service"
    flags = WRITING_FLAGS.get(prog, ())
    if any(w == f or w.startswith(f + "=") for w in words[1:] for f in flags):
        return Risk.DESTRUCTIVE, f"`{prog}` with those options changes or deletes files"
    return Risk.READ, f"`{prog}` only reads"


def classify_command(command: str) -> Assessment:
    """The risk of running ``command`` in bash, worst part first, with its reason."""
    text = command.strip()
    if not text:
        return Assessment(Risk.WRITE, "empty command", denied=True)
    for pattern, why in DENY:
        if pattern.search(text):
            return Assessment(Risk.DESTRUCTIVE, f"`{text}` {why}", denied=True)
    try:
        parts = _split(text)
    except ValueError as exc:
        return Assessment(Risk.DESTRUCTIVE, f"cannot parse the command ({exc})", denied=True)
    worst, reason = Risk.READ, "only reads"
    for words in parts:
        risk, why = _program_risk(words)
        if risk.rank > worst.rank or (worst is Risk.READ and risk is not Risk.READ):
            worst, reason = risk, why
    if worst is Risk.READ and UNSEEN.search(text):
        worst, reason = Risk.WRITE, "redirection or substitution may change files"
    return Assessment(worst, reason)
