"""Programs whose risk depends on their subcommand, options or the program text they take.

Each rule gets the program name, its arguments (quotes removed), the command's source text
and ``Nested`` to judge code it runs (``find -exec``, ``ssh host CMD``, ``python3 -c``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from llmchain_os.safety import archives
from llmchain_os.safety.git_risk import git_risk
from llmchain_os.safety.options import Spec, parse, resolve, spells_any
from llmchain_os.safety.outputs import written
from llmchain_os.safety.program_words import (
    EXPANDED,
    IP_READ,
    NO_POSITIONAL,
    ROOTISH,
    SYSTEMCTL_READ,
    WRITING_FLAGS,
    Nested,
    has_flag,
    has_short,
    normal,
    positional,
    read,
    short,
    worse,
)
from llmchain_os.safety.risk import Assessment, Risk

Rule = Callable[[str, list[str], str, Nested], Assessment]

# `e`/`w`/`W` as a command or an `s` flag, after any delimiter (`s|a|b|w f`, `s/a/b/gw f`,
# `$!e cmd`); a lone e or w in a pattern is flagged too: that only errs towards asking.
SED_RUNS_OR_WRITES = re.compile(r"(?<![\w\\])[gpiImM\d]*(?:e(?=\s|$|;|})|[wW](?=\s|$|/))")
SED = Spec(
    short="efl",
    attached="i",
    long=("--expression", "--file", "--line-length"),
    table=(
        *("--quiet", "--silent", "--debug", "--expression", "--file", "--follow-symlinks"),
        *("--in-place", "--line-length", "--null-data", "--zero-terminated", "--posix"),
        *("--regexp-extended", "--separate", "--sandbox", "--unbuffered", "--binary"),
        *("--help", "--version"),
    ),
)
AWK_RUNS_OR_WRITES = re.compile(
    r"system\s*\(|\|&?\s*getline|\|&|\bprint[f]?\b[^;}]*(?:>(?!\s*\"/dev/std(?:out|err)\")|\|(?!\|))"
    r"|@\s*(?:load|include|namespace)\b|@\w+\s*\("  # gawk extensions and indirect calls
    r"|/inet[46]?/"  # gawk's network special files: `getline < "/inet/tcp/0/host/80"`
)
# gawk's options (mawk's and busybox's are among them); the program ends the options.
AWK = Spec(
    short="FfvWeEilZ",
    attached="dDLop",
    long=("--field-separator", "--file", "--assign", "--source", "--exec", "--include", "--load"),
    stop_at_operand=True,
    table=(
        *("--assign", "--bignum", "--characters-as-bytes", "--copyright", "--csv", "--debug"),
        *("--dump-variables", "--exec", "--field-separator", "--file", "--gen-pot", "--help"),
        *("--include", "--lint", "--lint-old", "--load", "--no-optimize", "--optimize"),
        *("--non-decimal-data", "--persist", "--posix", "--pretty-print", "--profile"),
        *("--re-interval", "--sandbox", "--source", "--trace", "--traditional"),
        *("--use-lc-numeric", "--version", "--interactive", "--dump", "--usage"),
        *("--sprintf", "--posix_space", "--random"),
    ),
)
# A program, library or debugger script from a file: nothing here can check it.
AWK_FILES = ("-f", "-E", "-i", "-l", "-D", "--file", "--exec", "--include", "--load", "--debug")
AWK_DUMPS = ("-d", "-o", "-p", "--dump-variables", "--pretty-print", "--profile")
# Programs whose risk depends on no argument at all: an expanded word cannot change it.
ANY_ARGS_READ = frozenset(
    "cat head tail wc grep egrep fgrep ls pwd whoami id uname uptime df du free ps echo printf "
    "which type stat basename dirname realpath readlink true false test [ : sleep seq "
    "md5sum sha1sum sha256sum cut tr".split()
)
SYSTEMCTL_VALUED = frozenset(
    "-t --type -p --property -s --signal -H --host -M --machine -n --lines -o --output --root "
    "--state --job-mode --kill-whom --what --image --when --message -P".split()
)
# Options known to take no value, per program; any other option before the subcommand might
# take one (`systemctl -t status stop x` stops x): both readings are judged, the worse wins.
NO_VALUE = {
    "systemctl": "--no-pager --user --system -a --all -l --full -q --quiet --no-legend --failed "
    "-r --recursive --reverse --no-block --now --force -f --global --runtime --value --plain "
    "--no-ask-password -i --show-types --dry-run --wait",
    "git": "--no-pager -p --paginate -P --bare --no-replace-objects --literal-pathspecs "
    "--glob-pathspecs --noglob-pathspecs --icase-pathspecs --no-optional-locks --version --help",
    "docker": "-D --debug --tls --tlsverify -v --version",
    "kubectl": "--insecure-skip-tls-verify --match-server-version -v",
    "apt": "-y --yes -q -qq --quiet -s --simulate --dry-run --no-install-recommends",
}
SYSTEMCTL_FLAGS = frozenset(NO_VALUE["systemctl"].split())
AMBIGUOUS = (
    {p: frozenset(f.split()) for p, f in NO_VALUE.items()}
    | dict.fromkeys(("podman",), frozenset(NO_VALUE["docker"].split()))
    | dict.fromkeys(
        ("apt-get", "dnf", "yum", "zypper", "pip", "pip3"), frozenset(NO_VALUE["apt"].split())
    )
)


HOST_DATABASES = frozenset({"hosts", "ahosts", "ahostsv4", "ahostsv6", "networks"})


def destructive(why: str) -> Assessment:
    return Assessment(Risk.DESTRUCTIVE, why)


def _sub(args: list[str], valued: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """The subcommand after a program's global options, and the words after it."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in valued else 1
    return (args[i], args[i + 1 :]) if i < len(args) else ("", [])


def _glued(args: list[str], flags: frozenset[str]) -> list[str]:
    """`-x VALUE` -> `-x=VALUE` for every option before the subcommand not known to be a flag."""
    out, i = [], 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        glue = args[i] not in flags and "=" not in args[i] and i + 1 < len(args)
        if glue and not args[i + 1].startswith("-"):
            out.append(f"{args[i]}={args[i + 1]}")
            i += 2
        else:
            out.append(args[i])
            i += 1
    return out + args[i:]


def rule_risk(rule: Rule, prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    """A subcommand rule, under both readings of options it may not know (see NO_VALUE)."""
    judged = rule(prog, args, src, nested)
    if prog in AMBIGUOUS and (glued := _glued(args, AMBIGUOUS[prog])) != args:
        judged = worse(judged, rule(prog, glued, src, nested))
    return judged


def read_only_risk(prog: str, args: list[str]) -> Assessment:
    """A program from READ_ONLY: read unless an option or argument makes it change things."""
    if prog == "systemctl":
        subs = {_sub(args, SYSTEMCTL_VALUED)[0], _sub(_glued(args, SYSTEMCTL_FLAGS))[0]}
        if changing := sorted(s for s in subs if s and s not in SYSTEMCTL_READ):
            return Assessment(Risk.PRIVILEGED, f"`systemctl {changing[0]}` changes a service")
        if has_flag(args, ("-H", "--host", "-M", "--machine")):
            return Assessment(Risk.REMOTE, "`systemctl -H` acts on another host")
    words = positional(args)
    if prog == "ip" and any(re.match(r"^-(?:b|ba\w*|force)$", a) for a in args):
        return Assessment(Risk.PRIVILEGED, "`ip -batch` runs the commands of a file")
    if prog == "ip" and len(words) > 1 and words[1] not in IP_READ:
        return Assessment(Risk.PRIVILEGED, "`ip` with those arguments changes the network")
    valued = [["-d"], ["--date"], ["-f"], ["--file"], ["-r"], ["--reference"]]  # `date -d x +%F`
    given = [w for i, w in enumerate(args) if w[:1] != "-" and args[i - 1 : i] not in valued]
    if prog == "date" and any(not w.startswith("+") for w in given):
        return Assessment(Risk.PRIVILEGED, "`date` with a date sets the clock")
    if prog == "mount" and set(args) - {"-l", "--list", "-v"}:
        return Assessment(Risk.PRIVILEGED, "`mount` with arguments changes the system")
    if prog in NO_POSITIONAL and words:
        return Assessment(Risk.PRIVILEGED, f"`{prog}` with arguments changes the system")
    if prog == "sed":
        return _sed_risk(args)
    if prog in ("less", "more") and any(a.startswith("+") for a in args):
        return destructive(f"`{prog} +COMMAND` can run shell commands")
    if outputs := written(prog, args):  # `uniq IN OUT`, `uniq - OUT`
        return Assessment(Risk.WRITE, f"`{prog}` writes {outputs[0]}")
    if prog == "getent" and words[:1] and words[0] in HOST_DATABASES and words[1:]:
        return Assessment(Risk.REMOTE, "`getent hosts NAME` asks a DNS server, another host")
    if prog in ("service", "ufw", "iptables", "hostnamectl", "timedatectl"):
        return _admin_risk(prog, args)
    if prog == "sysctl" and any("=" in w for w in words):
        return Assessment(Risk.PRIVILEGED, "`sysctl` with a value changes the kernel")
    if has_flag(args, WRITING_FLAGS.get(prog, ())):
        return destructive(f"`{prog}` with those options changes or deletes")
    if prog not in ANY_ARGS_READ and any(EXPANDED.search(a) for a in args):
        return Assessment(Risk.WRITE, f"`{prog}` gets arguments computed at run time")
    return read(f"`{prog}` only reads")


def _admin_risk(prog: str, args: list[str]) -> Assessment:
    words = positional(args)
    reads = {"status", "show", "-L", "-l", "--list", "-S", "list", "--status-all"}
    status = len(args) == 2 == len(words) and words[1] == "status"
    if prog == "service" and (args == ["--status-all"] or status):
        return read("`service` only shows status")
    if prog == "iptables" and _iptables_lists(args):
        return read("`iptables` only lists rules")
    if prog in ("ufw", "hostnamectl", "timedatectl") and (not words or words[0] in reads):
        return read(f"`{prog}` only shows status")
    return Assessment(Risk.PRIVILEGED, f"`{prog}` with those arguments changes the system")


def _iptables_lists(args: list[str]) -> bool:
    """Only listing options (`-L`, `-S`, `-nvL`, `-t nat`): `-L -F` lists, then flushes."""
    lists = False
    for i, arg in enumerate(args):
        if i and args[i - 1] in ("-t", "--table"):
            continue
        if arg in ("-L", "--list", "-S", "--list-rules"):
            lists = True
        elif not re.match(
            r"^(?:-[nvxLS]+|--(?:numeric|verbose|exact|line-numbers)|-t|--table)$", arg
        ):
            if arg.startswith("-") or not (i and args[i - 1] in ("-L", "-S", "--list")):
                return False  # anything else, or a word not the chain being listed
        else:
            lists = lists or "L" in arg or "S" in arg
    return lists


def _sed_risk(args: list[str]) -> Assessment:
    """Every script sed runs, wherever it comes from (`-e`, `--expr=`, `-n -e1e...`, the first
    operand), is checked for commands that run or write; a script file cannot be."""
    parsed = parse(args, SED)
    if parsed.unknown:
        return destructive(f"`sed {parsed.unknown[0]}` is an option this shell does not know")
    if parsed.has("-i", "--in-place"):
        return destructive("`sed -i` rewrites files in place")
    if parsed.has("-f", "--file"):
        return destructive("a sed script from a file cannot be checked")
    if parsed.has("--sandbox"):
        return read("`sed --sandbox` refuses to run commands or write files")
    scripts = parsed.values("-e", "--expression") or parsed.operands[:1]
    if any(SED_RUNS_OR_WRITES.search(script) for script in scripts):
        return destructive("the sed script runs commands or writes files")
    return read("`sed` only reads")


def _awk_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    """The awk program, from the first operand, `-e`/`--source` or `-W source=`: checked for
    commands it runs, files it writes and the network; a program file cannot be checked."""
    parsed = parse(args, AWK)
    named = [name for name, _ in parsed.options]
    for value in parsed.values("-W"):  # `-W exec FILE`, `-Wsource=TEXT`: long options
        full = resolve("--" + value.split("=", 1)[0], AWK.table)
        named.append(full or "-W " + value)
        if full == "--source":
            parsed.options.append((full, value.partition("=")[2]))
    if unknown := parsed.unknown + [n for n in named if n.startswith("-W ")]:
        return destructive(f"`{prog} {unknown[0]}` is an option this shell does not know")
    if any(spells_any(n, AWK_FILES) for n in named):
        return destructive(f"the {prog} program comes from a file or library, unchecked")
    if "--sandbox" in named or "-S" in named:
        return read(f"`{prog} --sandbox` cannot run commands or write files")
    if any(AWK_RUNS_OR_WRITES.search(a) for a in [*args, *parsed.values("--source")]):
        return destructive(f"the {prog} program runs commands or writes files")
    if any(spells_any(n, AWK_DUMPS) for n in named):
        return Assessment(Risk.WRITE, f"`{prog}` writes a profile or dump file")
    return read(f"`{prog}` only reads")


def _find_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    """`find -exec CMD {} ;` is judged by CMD; `find / -delete` is denied."""
    options = 0
    while options < len(args) and re.match(r"^-(?:[HLP]+|D|O\d*)$", args[options]):
        options += 2 if args[options] == "-D" else 1
    start = positional(args[options : options + 1])
    if "-delete" in args:
        if start and ROOTISH.match(normal(start[0])):
            return Assessment(
                Risk.DESTRUCTIVE, f"`{short(src)}` deletes the whole filesystem", denied=True
            )
        return destructive(f"`{short(src)}` deletes files")
    judged = read_only_risk("find", args)
    for i, arg in enumerate(args):
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            inner = []
            for word in args[i + 1 :]:
                if word in (";", "+"):
                    break
                inner.append(word)
            if not inner:
                return destructive("`find -exec` without a command")
            if start and ROOTISH.match(normal(start[0])):  # `{}` will name `/` itself
                inner = [start[0] if w == "{}" else w for w in inner]
            judged = worse(judged, nested.script(shlex.join(inner)))
    return judged


DOCKER_READS = frozenset(
    {
        *"ps images inspect logs version info stats top history port diff events search".split(),
        *("system df", "system info", "compose ps", "compose logs", "compose config"),
    }
)


def _docker_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    sub, rest = _sub(args, frozenset({"-H", "--host", "--context", "-c", "--config"}))
    if sub in ("container", "image", "network", "volume", "system", "compose") and rest:
        sub, rest = f"{sub} {rest[0]}", rest[1:]
    if sub in DOCKER_READS or (sub.split(" ")[-1] in ("ls", "inspect") and " " in sub):
        return read(f"`{prog} {sub}` only reads")
    if re.search(r"\b(?:rm|rmi|prune|kill|down)\b", sub) or sub in ("stop",):
        return destructive(f"`{short(src)}` removes or stops containers or data")
    if sub in ("pull", "push", "login", "logout"):
        return Assessment(Risk.REMOTE, f"`{prog} {sub}` talks to a registry")
    if sub in ("run", "exec", "compose up", "compose run", "create", "start", "restart"):
        return Assessment(Risk.PRIVILEGED, f"`{prog} {sub}` runs a container (root on this host)")
    return Assessment(Risk.WRITE, f"`{prog} {sub or ''}` changes containers or images")


def _kubectl_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    valued = frozenset({"-n", "--namespace", "--context", "--kubeconfig", "-l", "-o", "-c"})
    sub, rest = _sub(args, valued)
    reads = "get describe logs top version explain api-resources api-versions cluster-info diff"
    if sub in reads.split() or (sub == "config" and rest[:1] in (["view"], ["get-contexts"])):
        return read(f"`{prog} {sub}` only reads")
    if sub in ("delete", "drain", "replace"):
        return destructive(f"`{short(src)}` deletes or evicts from the cluster")
    return Assessment(Risk.REMOTE, f"`{prog} {sub}` changes the cluster")


def _package_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    sub, _ = _sub(args, frozenset({"-o", "-c", "-t", "--option", "--target-release"}))
    if prog == "apt-cache" or sub in "list search show policy info depends rdepends".split():
        return read(f"`{prog} {sub}` only reads")
    if prog in ("pip", "pip3") and sub in ("freeze", "check", "--version", "download", "index"):
        return read(f"`{prog} {sub}` only reads")
    if sub in ("remove", "purge", "autoremove", "erase", "uninstall", "autopurge"):
        return destructive(f"`{short(src)}` removes packages")
    if prog in ("pip", "pip3"):
        return Assessment(Risk.WRITE, f"`{prog} {sub}` changes installed Python packages")
    return Assessment(Risk.PRIVILEGED, f"`{prog} {sub}` changes the system's packages")


def _dpkg_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    if has_flag(args, ("-l", "-L", "-s", "-S", "--list", "--status", "--search", "--listfiles")):
        return read("`dpkg` only reads")
    if has_flag(args, ("-r", "-P", "--remove", "--purge")):
        return destructive(f"`{short(src)}` removes packages")
    return Assessment(Risk.PRIVILEGED, "`dpkg` changes the system's packages")


def _crontab_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    if has_short(args, "r"):
        return destructive("`crontab -r` deletes the whole crontab")
    named = [a for i, a in enumerate(args) if i == 0 or args[i - 1] != "-u"]
    if has_short(args, "l") and not positional(named):
        return read("`crontab -l` only lists")
    return Assessment(Risk.WRITE, "`crontab` replaces scheduled jobs")


SSH_VALUED = frozenset("-p -i -l -o -F -J -L -R -D -b -c -E -e -I -m -O -Q -S -W -w -B".split())
# Per program: how its options read, and those naming the program it runs as its transport.
TRANSPORTS: dict[str, tuple[Spec, tuple[str, ...]]] = {
    "ssh": (Spec(short="".join(o[1] for o in SSH_VALUED)), ()),
    "scp": (Spec(short="cDFiJlSoPX"), ("-S", "-D")),
    "sftp": (Spec(short="BbcDFiJlPRSsoX"), ("-S", "-D")),
    "rsync": (
        Spec(short="eBfTM", long=("--rsh", "--rsync-path", "--filter", "--temp-dir")),
        ("-e", "--rsh"),
    ),
}
RSYNC_DELETES = (
    *("--delete", "--del", "--delete-before", "--delete-during", "--delete-delay"),
    *("--delete-after", "--delete-excluded", "--delete-missing-args", "--remove-source-files"),
)


def _ssh_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    own = Assessment(Risk.REMOTE, f"`{prog}` acts on another host")
    if any(re.search(r"(?i)(?:proxy|local)command", a) for a in args):
        return destructive(f"`{prog}` with a ProxyCommand or LocalCommand runs a local program")
    spec, transports = TRANSPORTS[prog]
    parsed = parse(args, spec)
    if any(not re.match(r"^\S*ssh(?:\s|$)", s) or " -F" in s for s in parsed.values(*transports)):
        return destructive(f"`{prog}` is told to run another program as its transport")
    if prog != "rsync" and any(c != "/dev/null" for c in parsed.values("-F")):
        return destructive(f"`{prog} -F` reads an ssh config, which can run local commands")
    _, rest = _sub(args, SSH_VALUED)
    if prog == "ssh" and rest:
        return worse(own, nested.script(" ".join(rest)))
    if prog != "rsync":
        return own
    if not any(":" in a for a in parsed.operands):
        if parsed.has(*RSYNC_DELETES):
            return destructive(f"`{short(src)}` deletes files")
        own = Assessment(Risk.WRITE, "`rsync` copies files here")
    elif parsed.has(*RSYNC_DELETES):
        return destructive(f"`{short(src)}` deletes files on the other side")
    for command in parsed.values("--rsync-path"):  # run by a shell on the other side
        own = worse(own, nested.script(command))
    return own


def _ip_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    """`ip netns exec NS CMD` runs CMD (as root, in that namespace)."""
    words = positional(args)
    if words[:2] in (["netns", "exec"], ["netns", "e"], ["n", "exec"]) and len(words) > 3:
        own = Assessment(Risk.PRIVILEGED, "`ip netns exec` runs a command in a namespace")
        return worse(own, nested.script(shlex.join(args[args.index(words[2]) + 1 :])))
    return read_only_risk(prog, args)


def _watch_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    sub, rest = _sub(args, frozenset({"-n", "--interval"}))
    return nested.script(" ".join([sub, *rest])) if sub else read("`watch` alone")


def interpreter_risk(prog: str, args: list[str], nested: Nested) -> Assessment:
    """`python3 -c CODE` is judged by its code; other interpreters' code cannot be."""
    for i, arg in enumerate(args):
        if arg == "-c" and prog.startswith("python") and i + 1 < len(args):
            return nested.python(args[i + 1])
        if arg in ("-c", "-e", "-E", "-m", "-r"):
            break
    else:
        files = [a for a in positional(args) if a != "-"]
        if not files:
            return nested.stdin(prog)
    return destructive(f"`{prog}` runs code that cannot be checked")


RULES: dict[str, Rule] = {
    **archives.RULES,
    "find": _find_risk,
    "git": git_risk,
    "docker": _docker_risk,
    "podman": _docker_risk,
    "kubectl": _kubectl_risk,
    "crontab": _crontab_risk,
    "ssh": _ssh_risk,
    "rsync": _ssh_risk,
    "scp": _ssh_risk,
    "sftp": _ssh_risk,
    "watch": _watch_risk,
    "ip": _ip_risk,
    "dpkg": _dpkg_risk,
    **dict.fromkeys(("awk", "gawk", "mawk", "nawk"), _awk_risk),
    **dict.fromkeys("apt apt-get apt-cache dnf yum zypper pip pip3".split(), _package_risk),
}
