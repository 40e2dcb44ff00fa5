"""git: what a git command changes, and which of its options and settings run programs.

Every git command run in a repository reads that repository's config and hooks, which can
name programs: core.fsmonitor runs on ``git status``, core.pager on ``git log``, a diff
driver's textconv on ``git diff``, hooks on ``git commit``, an alias whose value starts with
``!`` on its name. That repository is trusted here: ordinary reads stay read, and the sandbox
confines what they can touch. What the command line itself sets is checked: ``git -c
KEY=VALUE``, ``--config-env`` and ``git config KEY VALUE`` with a key not known to be plain
data are destructive, as is a subcommand git does not have (an alias, from config) and
``--exec-path``; a command git runs for you (``rebase --exec``, ``bisect run``, ``submodule
foreach``) is judged as that command.
"""

from __future__ import annotations

import re
import shlex

from llmchain_os.safety.options import Spec, parse, spells
from llmchain_os.safety.outputs import overwrite
from llmchain_os.safety.program_words import Nested, has_flag, read, short, worse
from llmchain_os.safety.risk import Assessment, Risk

GLOBAL_VALUED = frozenset(
    "-C -c --git-dir --work-tree --namespace --config-env --super-prefix --attr-source".split()
)
# Settings that are only data; any other key may name a program (core.pager, core.sshCommand,
# diff.*.textconv, filter.*.clean, include.path, credential.helper ...).
SAFE_KEYS = re.compile(
    r"(?i)^(?:color\.[\w.-]+|advice\.[\w-]+|user\.(?:name|email)|core\.quotepath|i18n\.\w+"
    r"|log\.(?:date|decorate|abbrevcommit)|init\.defaultbranch|column\.ui|push\.default"
    r"|diff\.(?:renames|algorithm|colormoved)|merge\.conflictstyle|pull\.(?:rebase|ff)"
    r"|status\.(?:short|branch|showuntrackedfiles))$"
)
READS = frozenset(
    "status log diff show blame annotate shortlog describe rev-parse rev-list ls-files ls-tree "
    "grep cat-file help version for-each-ref show-ref name-rev merge-base count-objects cherry "
    "whatchanged show-branch check-ignore check-attr var diff-tree diff-files diff-index "
    "range-diff verify-commit verify-tag".split()
)
WRITES = frozenset(
    "add am apply archive bisect branch checkout cherry-pick clean commit config format-patch "
    "gc init merge mv notes rebase reflog remote repack replace reset restore revert rm "
    "sparse-checkout stash submodule switch tag worktree prune maintenance fsck".split()
)
NETWORK = frozenset({"push", "pull", "fetch", "clone", "ls-remote"})
RUNS_TOOLS = frozenset("difftool mergetool filter-branch instaweb daemon send-email".split())
CONFIG = Spec(short="f", long=("--file", "--blob", "--type", "--default", "--comment"))
CONFIG_READS = ("-l", "--list", "--get", "--get-all", "--get-regexp", "--get-urlmatch")
CONFIG_UNSETS = ("--unset", "--unset-all", "--remove-section", "--rename-section")


def destructive(why: str) -> Assessment:
    return Assessment(Risk.DESTRUCTIVE, why)


def safe_setting(key: str, value: str | None) -> bool:
    """A setting that is only data: a listed key, or an alias that names git words rather
    than a shell command (`alias.co=checkout`, not `alias.x=!rm -rf ~`). ``value`` is None
    when it is known only at run time (`--config-env`)."""
    alias = key.lower().startswith("alias.") and value is not None and value[:1] != "!"
    return bool(SAFE_KEYS.match(key)) or alias


def _globals(args: list[str]) -> tuple[list[tuple[str, str | None]], bool, int]:
    """The settings given before the subcommand, whether `--exec-path=` is, and where the
    subcommand is. git matches its global options exactly (no abbreviations)."""
    settings: list[tuple[str, str | None]] = []
    exec_path, i = False, 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        arg = args[i]
        given = args[i + 1] if arg in GLOBAL_VALUED and i + 1 < len(args) else ""
        if arg == "-c" or (arg.startswith("-c") and not given):  # `-cK=V`: the glued reading
            key, _, value = (given or arg[2:].lstrip("=")).partition("=")
            settings.append((key, value))
        elif arg.startswith("--config-env"):  # `--config-env=KEY=ENVVAR`: value from the env
            settings.append(((given or arg.partition("=")[2]).partition("=")[0], None))
        exec_path = exec_path or arg.startswith("--exec-path=")
        i += 2 if arg in GLOBAL_VALUED else 1
    return settings, exec_path, i


def git_risk(prog: str, args: list[str], src: str, nested: Nested) -> Assessment:
    settings, exec_path, at = _globals(args)
    if exec_path:
        return destructive("`git --exec-path=DIR` runs git's programs from DIR")
    if unsafe := [key for key, value in settings if not safe_setting(key, value)]:
        why = f"`git -c {short(unsafe[0], 40)}` sets a key that can name a program git runs"
        return destructive(why)
    sub, rest = (args[at], args[at + 1 :]) if at < len(args) else ("", [])
    if not sub:
        return read("`git` alone only prints")
    if sub in READS:
        return _read_risk(sub, rest)
    if sub == "config":
        return _config_risk(rest)
    if (ran := _ran(sub, rest)) is not None:
        own = Assessment(Risk.WRITE, f"`git {sub}` runs a command")
        return worse(own, nested.script(ran))
    if sub in RUNS_TOOLS:
        return destructive(f"`git {sub}` runs other programs")
    return _changes(sub, rest, src)


def _read_risk(sub: str, rest: list[str]) -> Assessment:
    """A reading subcommand, unless told to run a pager or diff program or to write a file."""
    pager = any(a.startswith("-O") or spells(a, "--open-files-in-pager") for a in rest)
    if sub == "grep" and pager:
        return destructive("`git grep -O` runs a program on the files it finds")
    parsed = parse(rest, Spec(long=("--output",)))
    for path in parsed.values("--output"):
        if (found := overwrite(path)) is not None:
            return Assessment(found.risk, f"`git {sub} --output` {found.reason}")
    if parsed.has("--output", "--ext-diff"):
        return Assessment(Risk.WRITE, f"`git {sub}` with those options writes or runs")
    return read(f"`git {sub}` only reads")


def _has(args: list[str], long: str, letter: str) -> bool:
    """Whether ``args`` give ``long`` (or an abbreviation) or the short option ``letter``,
    alone or in a cluster (`-Sq`)."""
    return any(
        spells(a, long, 3) or (a[:1] == "-" and a[1:2] != "-" and letter in a[1:]) for a in args
    )


def _changes(sub: str, rest: list[str], src: str) -> Assessment:
    listing = not set(rest) - {"-a", "-r", "-v", "-vv", "--list", "-l", "--all"}
    shows = rest[:1] in (["list"], ["show"]) or (sub == "reflog" and not rest)
    if (sub in ("branch", "tag", "remote") and listing) or (sub in ("stash", "reflog") and shows):
        return read(f"`git {sub}` only lists")
    if sub in NETWORK:
        deletes = any(a.startswith((":", "+")) for a in rest)
        if sub == "push" and (deletes or has_flag(rest, ("-f", "--force", "--delete", "--mirror"))):
            return destructive(f"`{short(src)}` rewrites or deletes on the remote")
        return Assessment(Risk.REMOTE, f"`git {sub}` talks to another host")
    # git takes any unambiguous prefix of a long option: `reset --ha` is `--hard`
    hard = any(spells(a, "--hard", 1) for a in rest)
    if sub in ("clean", "rm") or (sub == "reset" and hard):
        return destructive(f"`{short(src)}` deletes files or discards changes")
    forced = "-f" in rest or any(spells(a, "--force") for a in rest)
    if sub in ("checkout", "restore") and ("--" in rest or "." in rest or forced):
        return destructive(f"`{short(src)}` discards changes")
    staged = _has(rest, "--staged", "S") and not _has(rest, "--worktree", "W")
    if sub == "restore" and not staged:  # the files' own changes are replaced
        return destructive(f"`{short(src)}` replaces the files' changes with a saved version")
    if sub == "stash" and (_has(rest, "--include-untracked", "u") or _has(rest, "--all", "a")):
        return destructive(f"`{short(src)}` removes untracked files from the folder")
    drops = bool(set(rest) & {"-D", "-d", "drop", "clear"})
    if sub in ("branch", "stash") and (drops or any(spells(a, "--delete") for a in rest)):
        return destructive(f"`{short(src)}` deletes work")
    if sub not in WRITES:
        return destructive(f"`git {sub}` is no git command: an alias from config can run anything")
    return Assessment(Risk.WRITE, f"`git {sub}` changes the repository")


def _ran(sub: str, rest: list[str]) -> str | None:
    """The command line git runs for `rebase -x CMD`, `bisect run CMD`, `submodule foreach`."""
    if sub == "rebase":
        parsed = parse(rest, Spec(short="xsXC", attached="S", long=("--exec", "--onto")))
        commands = parsed.values("-x", "--exec")
        return "; ".join(commands) if commands else None
    if sub == "bisect" and rest[:1] == ["run"] and len(rest) > 1:
        return shlex.join(rest[1:])
    if sub == "submodule" and "foreach" in rest:
        words = [w for w in rest[rest.index("foreach") + 1 :] if w not in ("--recursive", "-q")]
        return " ".join(words) or None
    return None


def _config_risk(rest: list[str]) -> Assessment:
    """`git config KEY VALUE` (or `set KEY VALUE`) with a key that can name a program."""
    parsed = parse(rest, CONFIG)
    words = parsed.operands
    verb = words[0] if words[:1] and words[0] in ("get", "list", "set", "unset", "edit") else ""
    if verb in ("get", "list") or parsed.has(*CONFIG_READS):
        return read("`git config` only shows settings")
    if verb == "edit" or parsed.has("-e", "--edit"):
        return Assessment(Risk.WRITE, "`git config --edit` opens the settings in an editor")
    key, values = (words[1:2], words[2:]) if verb else (words[:1], words[1:])
    if not verb and len(words) == 1 and not parsed.has(*CONFIG_UNSETS):
        return read(f"`git config {words[0]}` shows a setting")
    sets = verb != "unset" and not parsed.has(*CONFIG_UNSETS)
    if sets and key and not safe_setting(key[0], values[0] if values else ""):
        return destructive(f"`git config {key[0]}` sets a key that can name a program git runs")
    return Assessment(Risk.WRITE, "`git config` changes settings")
