"""Options as GNU programs read them: abbreviated long options, option values and operands.

GNU ``getopt_long`` accepts any unambiguous prefix of a long option (``rsync --del``,
``sort --out=x``, ``tar --remove-f``), so a rule that looks for a dangerous long option must
match its prefixes too. Without a program's whole option table ambiguity cannot be decided
here, so any prefix of at least ``MIN_PREFIX`` characters after ``--`` counts: that errs
towards asking. Every rule that matches long options goes through ``spells``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_PREFIX = 3


def spells(arg: str, flag: str, minimum: int = MIN_PREFIX) -> bool:
    """Whether ``arg`` gives the option ``flag``: itself, ``flag=VALUE``, or for a long option
    a prefix of it with at least ``minimum`` characters after ``--`` (`--del` is `--delete`)."""
    if arg == flag or arg.startswith(flag + "="):
        return True
    name = arg.split("=", 1)[0]
    if not (flag.startswith("--") and name.startswith("--")):
        return False
    return len(name) >= 2 + minimum and flag.startswith(name)


def spells_any(arg: str, flags: Iterable[str], minimum: int = MIN_PREFIX) -> bool:
    return any(spells(arg, flag, minimum) for flag in flags)


@dataclass(frozen=True)
class Parsed:
    """A command's arguments split as getopt splits them: options with values, operands."""

    options: list[tuple[str, str]] = field(default_factory=list)  # ("-o", "x"), ("--out", "x")
    operands: list[str] = field(default_factory=list)  # `-` (stdin) is an operand
    unknown: list[str] = field(default_factory=list)  # long options not in Spec.table

    def has(self, *flags: str) -> bool:
        """Any of ``flags`` given: a short one alone or in a cluster, a long one abbreviated."""
        return any(spells_any(name, flags) for name, _ in self.options)

    def values(self, *flags: str) -> list[str]:
        return [value for name, value in self.options if spells_any(name, flags)]


@dataclass(frozen=True)
class Spec:
    """Which options take a value: short letters (`-o FILE`, `-oFILE`, `-xzf FILE`), letters
    whose value can only be attached (`sed -i.bak`), and long options (`--output FILE`)."""

    short: str = ""
    attached: str = ""
    long: tuple[str, ...] = ()
    stop_at_operand: bool = False  # options end at the first operand (awk, POSIX)
    # The program's whole table of long options, when known: an abbreviation is then resolved
    # as getopt resolves it (any unambiguous prefix), and anything else is ``unknown``.
    table: tuple[str, ...] = ()
    # Long options that never take a separate value though they begin a longer one that does
    # (`tar --checkpoint` and `--checkpoint-action`): an exact name wins, as in getopt.
    flags: tuple[str, ...] = ()


def resolve(name: str, table: tuple[str, ...]) -> str | None:
    """The long option ``name`` stands for in ``table``: itself, or the one it begins."""
    if name in table:
        return name
    found = [option for option in table if option.startswith(name)]
    return found[0] if len(found) == 1 and len(name) > 2 else None


PLAIN = Spec()


def parse(args: list[str], spec: Spec = PLAIN) -> Parsed:
    """Split ``args`` into options and operands as getopt does (GNU order: options may
    follow operands unless ``spec.stop_at_operand``); everything after `--` is an operand."""
    parsed = Parsed()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            parsed.operands.extend(args[i + 1 :])
            break
        if arg.startswith("--"):
            i = _long(args, i, spec, parsed)
        elif arg.startswith("-") and arg != "-":
            i = _cluster(args, i, spec, parsed)
        else:
            parsed.operands.append(arg)
            if spec.stop_at_operand:
                parsed.operands.extend(args[i + 1 :])
                break
        i += 1
    return parsed


def _long(args: list[str], i: int, spec: Spec, parsed: Parsed) -> int:
    """One long option (`--out=x`, `--output x`); the index of the last word it used."""
    name, eq, value = args[i].partition("=")
    if spec.table:
        full = resolve(name, spec.table)
        if full is None:
            parsed.unknown.append(name)
        name = full or name
    takes = not eq and name not in spec.flags and spells_any(name, spec.long)
    if takes and i + 1 < len(args):
        i, value = i + 1, args[i + 1]
    parsed.options.append((name, value))
    return i


def _cluster(args: list[str], i: int, spec: Spec, parsed: Parsed) -> int:
    """One cluster of short options (`-czf NAME`); the index of the last word it used."""
    arg = args[i]
    for at, letter in enumerate(arg[1:], start=2):
        if letter in spec.attached:
            parsed.options.append((f"-{letter}", arg[at:]))
            return i
        if letter in spec.short:
            if arg[at:] or i + 1 >= len(args):
                parsed.options.append((f"-{letter}", arg[at:]))
                return i
            parsed.options.append((f"-{letter}", args[i + 1]))
            return i + 1
        parsed.options.append((f"-{letter}", ""))
    return i
