"""What one simple command does, from its words: the classifier's knowledge of programs.

``safety.commands`` parses the text with bashlex and hands each simple command here as the
words bash will run (quotes removed). A word still holding ``$`` or a backtick is computed at
run time; this module treats its value as unknown. Nested scripts (``sh -c``, ``find -exec``,
``python3 -c`` ...) go back to the parser through ``Nested``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from llmchain_os.safety.bash_words import braces, env_script, shell_script
from llmchain_os.safety.options import spells, spells_any
from llmchain_os.safety.outputs import overwrites
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
HARMLESS_SINKS = re.compile(r"^/dev/(?:null|stdout|stderr|tty|fd/\d+)$")
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
    from llmchain_os.safety import subcommands

    if not words:
        return read("does nothing")
    prog, args = program(words[0]), words[1:]
    if re.match(r"^[A-Za-z_]\w*=", words[0]):  # VAR=value cmd ...
        return _assignment(words, src, nested)
    if prog == "env" and (script := env_script(args)) is not None:
        return nested.script(script)
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
    from llmchain_os.safety import subcommands

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
