"""The classifier's word lists and the small helpers every judge of a program shares.

``safety.programs`` dispatches one simple command to the judge of its program
(``subcommands``, ``archives``, ``git_risk``, its own rules); those judges take their lists
and helpers from here, so nothing below the dispatch imports it back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from llmchain_os.safety.options import spells_any
from llmchain_os.safety.risk import Assessment, Risk

READ_ONLY = frozenset(
    "cat head tail less more wc grep egrep fgrep zgrep zcat ls ll dir pwd whoami id groups "
    "uname hostname uptime date cal df du free ps pgrep pstree top htop lscpu lsblk lsusb lspci "
    "lsmod nproc echo printf which type file stat printenv locale tty w who last lastlog dmesg "
    "journalctl ss netstat ip ifconfig route getent sort uniq cut tr column nl fold basename "
    "dirname realpath readlink md5sum sha1sum sha256sum sha512sum cksum vmstat iostat mpstat "
    "sar findmnt mount lsof systemctl jq find sed true false bzcat xzcat zstdcat lz4cat "
    "test [ : sleep seq yes tac rev comm diff cmp strings od hexdump base64 paste join expand "
    "fmt arch getconf ulimit cd pushd popd set shopt wait jobs history read exit return man "
    "whatis apropos lsattr getfacl blkid tree shuf sysctl iptables ufw service hostnamectl "
    "timedatectl nl".split()
)
# Read-only programs that change things with these options (or any argument starting so).
WRITING_FLAGS: dict[str, tuple[str, ...]] = {
    "find": ("-delete", "-fprint", "-fprint0", "-fprintf", "-fls"),
    "journalctl": (
        "--vacuum-size",
        "--vacuum-time",
        "--vacuum-files",
        "--rotate",
        "--flush",
        "--relinquish-var",
        "--setup-keys",
        "--sync",
        "--smart-relinquish-var",
        "--update-catalog",
    ),
    "shuf": ("-o", "--output"),
    "tree": ("-o",),
    "file": ("-C", "--compile"),
    "date": ("-s", "--set"),
    "dmesg": (
        *("-c", "-C", "--clear", "--read-clear", "-n", "--console-level", "-D", "-E"),
        *("--console-off", "--console-on"),
    ),
    "ss": ("-K", "--kill"),
    "hostname": ("-F", "--file", "-b", "--boot"),
    "sysctl": ("-w", "--write", "-p", "--load", "--system"),
    "history": ("-w", "-a"),  # `history -w FILE` empties FILE in a script's shell
    "sar": ("-o",),
    "lastlog": ("-C", "--clear", "-S", "--set"),
    "sort": ("-o", "--output", "--compress-program"),
    "man": ("-P", "--pager", "-H", "--html", "-X", "--gxditview"),  # run a program
    "less": ("-k", "--lesskey-file", "--lesskey-src", "--lesskey-content"),  # can set LESSOPEN
}
# Read-only only with options and no other arguments (they set things when given some).
NO_POSITIONAL = frozenset({"mount", "hostname", "ifconfig", "route"})
IP_READ = frozenset({"show", "sh", "list", "ls", "lst", "get"})  # `ip OBJECT show ...`
SYSTEMCTL_READ = frozenset(
    "status show list-units list-unit-files is-active is-enabled is-failed cat "
    "list-timers list-dependencies".split()
)
DESTRUCTIVE = {
    "rm": "deletes files",
    "unlink": "deletes a file",
    "rmdir": "deletes directories",
    "shred": "destroys file contents",
    "dd": "writes raw blocks",
    "fdisk": "repartitions a disk",
    "parted": "repartitions a disk",
    "sfdisk": "repartitions a disk",
    "kill": "kills processes",
    "killall": "kills processes",
    "pkill": "kills processes",
    "shutdown": "stops the machine",
    "reboot": "stops the machine",
    "halt": "stops the machine",
    "poweroff": "stops the machine",
    "truncate": "empties files",
    "userdel": "deletes an account",
    "groupdel": "deletes a group",
    "mv": "moves files and overwrites what is in the way",
    "make": "runs the recipes of a Makefile that cannot be checked",
    "patch": "overwrites the files a patch names, which cannot be checked",
    **dict.fromkeys(
        ("vi", "vim", "nvim", "ex", "view", "vimdiff", "rvim"),
        "can run editor commands (-c, +CMD, -S, a vimrc) that cannot be checked",
    ),
}
FORMATTERS = re.compile(r"^(?:mkfs(?:\.\w+)?|mke2fs|mkswap|wipefs|blkdiscard)$")
PRIVILEGED_PROGRAMS = frozenset(
    "useradd usermod groupadd groupmod adduser passwd chpasswd visudo modprobe insmod rmmod "
    "umount swapon swapoff chroot systemd-run".split()
)
# Programs that talk to other hosts; DNS names and ping payloads can carry data out too.
REMOTE = frozenset(
    "ssh scp sftp rsync curl wget ping ping6 dig host nslookup drill whois traceroute "
    "traceroute6 tracepath mtr".split()
)
NET_DEVICE = re.compile(r"^/dev/(?:tcp|udp)/")  # bash opens a connection for these
PRIVILEGED = frozenset({"sudo", "su", "doas", "pkexec"})
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "fish"})
INTERPRETER = re.compile(r"^(?:python[\d.]*|perl|ruby|node|nodejs|php|lua|Rscript)$")
AS_CODE = frozenset({"eval", "source", ".", "alias", "function", "trap"})
# Wrappers run the command that follows them; options listed here take a value.
WRAPPERS: dict[str, set[str]] = {
    "env": {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"},
    "nice": {"-n", "--adjustment"},
    "nohup": set(),
    "timeout": {"-s", "--signal", "-k", "--kill-after"},
    "time": {"-f", "--format", "-o", "--output"},
    "stdbuf": {"-i", "-o", "-e"},
    "ionice": {"-c", "-n", "-p", "-t"},
    "command": set(),
    "builtin": set(),
    "exec": {"-a"},
    "setsid": set(),
    "xargs": {"-I", "-i", "-n", "-P", "-d", "-L", "-l", "-s", "-E", "-e", "-a"}
    | {"--delimiter", "--max-args", "--max-procs", "--arg-file"},
}
SUDO_VALUED = {"-u", "--user", "-g", "--group", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}
TAKES_ONE_POSITIONAL = frozenset({"timeout"})  # the duration before the command
XARGS_WORDS = "{words-from-stdin}"  # what xargs adds to its command: files, unknown here
ROOTISH = re.compile(r"^(?:/+\.?\*?|/+\*|~/?\.?\*?|\$\{?HOME\}?/?\.?\*?)$")
# Top directories whose recursive removal or mode change breaks the machine: denied as `/` is.
SYSTEM_TOP = re.compile(r"^/(?:etc|usr|bin|sbin|lib\w*|boot|var|root|home|dev|proc|sys)/?\*?$")
# Builtins that evaluate some arguments as arithmetic, where `a[$(cmd)]` runs cmd even quoted.
ARITHMETIC_BUILTINS = frozenset(
    "test [ printf read unset declare typeset local export readonly let mapfile readarray "
    "wait".split()
)
DISK = re.compile(r"^/dev/(?:sd|nvme|vd|hd|xvd|mmcblk|disk/|md\d|dm-|mapper/)")
ACCOUNT_NAMES = ("passwd", "shadow", "gshadow", "group", "sudoers")  # under /etc
ACCOUNTS = "|".join(ACCOUNT_NAMES)
ACCOUNT_FILE = re.compile(rf"^/etc/(?:{ACCOUNTS})$")
SYSTEM_DIR = re.compile(r"^/(?:etc|boot|usr|bin|sbin|lib\w*)(?:/|$)")
# Words in command position that bash computes (expansions, globs, braces): unknowable here.
COMPUTED = re.compile(r"[$`*?\[{]")
EXPANDED = re.compile(r"[$`]")
WRITE_PROGRAMS = frozenset(
    "touch mkdir cp ln tee mkfifo install split csplit chmod chown chgrp at batch".split()
)
TARGET_DIR = "--target-directory"
SET_VARIABLES = frozenset("export declare typeset local readonly unset".split())
HARMLESS_SINKS = re.compile(r"^/dev/(?:null|stdout|stderr|tty|fd/[0-2])$")
# Another descriptor's file, reopened by name: `exec 3< ~/.profile; echo x > /dev/fd/3`
# writes ~/.profile. Where it points is known only at run time.
FD_PATH = re.compile(r"^/(?:dev/fd|proc/(?:self|thread-self|\d+)/fd)/\d+$")
TRUSTED_DIRS = frozenset("/bin /usr/bin /sbin /usr/sbin /usr/local/bin /usr/local/sbin".split())
# Variables that change which program a later word runs, or name a program to run
# (`PAGER='rm x' man ls`, `GIT_EXTERNAL_DIFF=...`, `LESSOPEN='|sh x'`).
LOADER_VARS = re.compile(
    r"^(?:PATH|LD_\w+|BASH_ENV|ENV|IFS|PROMPT_COMMAND|SHELLOPTS|BASHOPTS|PS[0-4]|GIT_\w+"
    r"|\w*PAGER|\w*EDITOR|VISUAL|BROWSER|LESSOPEN|LESSCLOSE|\w*_COMMAND|\w*_SSH\w*"
    r"|PYTHON\w+|PERL5?\w*|RUBY\w*|NODE_OPTIONS|SHELL|CONFIG_SHELL|BASH_FUNC_\S+"
    r"|LESS|LESSKEY\w*|MANOPT|TAR_OPTIONS|RSYNC_\w+|SSH_\w+|\w*ASKPASS\w*|WGETRC|CURL_HOME)="
)


@dataclass(frozen=True)
class Nested:
    """How to judge text that a command runs as code: a shell script or Python source."""

    script: Callable[[str], Assessment]
    python: Callable[[str], Assessment]
    # Given the shell or interpreter that reads its program from stdin: what that program is.
    stdin: Callable[[str], Assessment]


def read(why: str) -> Assessment:
    return Assessment(Risk.READ, why)


def worse(a: Assessment, b: Assessment) -> Assessment:
    """The worse of two assessments: denied first, then the higher risk; ties keep ``a``."""
    if b.denied and not a.denied:
        return b
    if a.denied:
        return a
    return b if b.risk.rank > a.risk.rank else a


def worst_of(assessments: list[Assessment], empty: Assessment) -> Assessment:
    """The worst of several (``worse`` folded); among equals the first, so a read keeps its
    own reason; ``empty`` when there are none."""
    if not assessments:
        return empty
    worst = assessments[0]
    for assessment in assessments[1:]:
        worst = worse(worst, assessment)
    return worst


def short(src: str, limit: int = 60) -> str:
    src = " ".join(src.split())
    return src if len(src) <= limit else src[: limit - 3] + "..."


def has_short(args: list[str], letter: str) -> bool:
    """A short option, alone or in a cluster: `-i`, `-ni`, `-Ei.bak`."""
    return any(a.startswith("-") and not a.startswith("--") and letter in a[1:] for a in args)


def has_flag(args: list[str], flags: tuple[str, ...]) -> bool:
    """Any of ``flags``: whole, `=VALUE`, a long one abbreviated, a short one in a cluster."""
    long_or_exact = any(spells_any(a, flags) for a in args)
    return long_or_exact or any(has_short(args, f[1]) for f in flags if len(f) == 2)


def positional(args: list[str]) -> list[str]:
    return [a for a in args if not a.startswith("-")]


def normal(path: str) -> str:
    """`/..`, `//`, `/./` -> `/`; `~/.` -> `~`: spellings of the same place."""
    head, sep, rest = path.partition("/")
    if head in ("", "~", "$HOME", "${HOME}"):
        norm = os.path.normpath("/" + rest).lstrip("/") if sep else ""
        return (head or "/") if not norm or norm == "." else f"{head}/{norm}"
    return path


def unwrap(prog: str, args: list[str]) -> list[str]:
    """The command a wrapper runs, without the wrapper's own options and assignments."""
    valued = SUDO_VALUED if prog in PRIVILEGED else WRAPPERS.get(prog, set())
    i, skip = 0, 1 if prog in TAKES_ONE_POSITIONAL else 0
    while i < len(args):
        word = args[i]
        cluster_ends_valued = word[:1] == "-" != word[1:2] and f"-{word[-1]}" in valued
        if ("=" not in word and spells_any(word, valued)) or cluster_ends_valued:
            i += 2  # `-u root`, or a cluster ending in an option that takes a value: `-iu root`
        elif word.startswith("-") or (prog == "env" and "=" in word):
            i += 1
        elif skip:
            skip -= 1
            i += 1
        else:
            break
    return args[i:]


def program(word: str) -> str:
    return word.rsplit("/", 1)[-1]
