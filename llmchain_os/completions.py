"""`llmos completions bash|zsh|fish`: completion scripts derived from the argparse parser, so
a new subcommand or option completes without anyone editing a script.

Install: ``source <(llmos completions bash)`` in ~/.bashrc; ``source <(llmos completions zsh)``
in ~/.zshrc (it runs the bash script through zsh's bashcompinit); for fish,
``llmos completions fish > ~/.config/fish/completions/llmos.fish``.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SHELLS = ("bash", "zsh", "fish")
PROG = "llmos"


@dataclass
class Node:
    """What may follow a command path (``hosts add``): its words, options, and subcommands."""

    help: str = ""
    words: list[str] = field(default_factory=list)  # subcommands and a positional's choices
    options: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)  # option -> its choices ([]: any)
    helps: dict[str, str] = field(default_factory=dict)  # option -> its help
    children: dict[str, Node] = field(default_factory=dict)


def add_parser(sub: Any) -> None:
    completions = sub.add_parser(
        "completions", aliases=["completion"], help="print a shell completion script"
    )
    completions.add_argument("shell", choices=SHELLS)


def command_tree(parser: argparse.ArgumentParser, help: str = "") -> Node:
    """The parser's subcommands, options and choices, as a tree of Nodes."""
    node = Node(help=help)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, child in action.choices.items():
                node.words.append(name)
                node.children[name] = command_tree(child, helps.get(name, ""))
        elif action.option_strings and action.help is not argparse.SUPPRESS:
            _add_option(node, action)
        elif not action.option_strings and action.choices:
            node.words.extend(str(c) for c in action.choices)
    return node


def _add_option(node: Node, action: argparse.Action) -> None:
    for option in action.option_strings:
        node.options.append(option)
        node.helps[option] = action.help or ""
        if action.nargs != 0:
            node.values[option] = [str(c) for c in action.choices or []]


def walk(node: Node, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Node]]:
    """Every command path under ``node`` (itself first), with its Node."""
    yield path, node
    for name, child in node.children.items():
        yield from walk(child, (*path, name))


def script_for(shell: str, parser: argparse.ArgumentParser) -> str:
    tree = command_tree(parser)
    if shell == "fish":
        return fish_script(tree)
    if shell == "zsh":
        return "#compdef llmos\nautoload -U +X bashcompinit && bashcompinit\n" + bash_script(tree)
    return bash_script(tree)


# -- bash ------------------------------------------------------------------------------------


def _case_label(path: tuple[str, ...]) -> str:
    return shlex.quote(" ".join(path)) if path else '""'


def bash_script(tree: Node) -> str:
    paths = [p for p, _ in walk(tree) if p]
    value_cases = [
        f"        {shlex.quote(' '.join(p) + ':' + opt)}) "
        + (f"words={shlex.quote(' '.join(vals))} ;;" if vals else "return 0 ;;")
        for p, node in walk(tree)
        for opt, vals in node.values.items()
    ]
    word_cases = [
        f"        {_case_label(p)}) options={shlex.quote(' '.join(n.options))}; "
        f"words={shlex.quote(' '.join(n.words))} ;;"
        for p, n in walk(tree)
    ]
    return BASH.format(
        paths="|".join(_case_label(p) for p in paths),
        values="\n".join(value_cases),
        words="\n".join(word_cases),
    )


BASH = """# bash completion for llmos: source <(llmos completions bash)
_llmos() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
    local path="" next word i options="" words=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${{COMP_WORDS[i]}}
        next="${{path:+$path }}$word"
        case "$next" in
            {paths}) path=$next ;;
        esac
    done
    case "$path:$prev" in
{values}
        *)
            case "$path" in
{words}
            esac
            [[ $cur == -* ]] && words=$options ;;
    esac
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _llmos llmos
"""


# -- fish ------------------------------------------------------------------------------------


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_condition(path: tuple[str, ...], node: Node) -> str:
    """Fish's test for "the command line is at ``path``" (its subcommands not yet given)."""
    if not path:
        return "__fish_use_subcommand"
    seen = "; and ".join(f"__fish_seen_subcommand_from {name}" for name in path)
    if node.children:
        seen += f"; and not __fish_seen_subcommand_from {' '.join(node.children)}"
    return seen


def fish_script(tree: Node) -> str:
    lines = ["# fish completion for llmos: llmos completions fish > ~/.config/fish/completions/"]
    lines.append(f"complete -c {PROG} -f")
    for path, node in walk(tree):
        when = _fish_quote(_fish_condition(path, node))
        for name in node.words:
            help = node.children[name].help if name in node.children else ""
            lines.append(f"complete -c {PROG} -n {when} -a {name} -d {_fish_quote(help)}")
        for option in node.options:
            lines.append(_fish_option(when, option, node))
    return "\n".join(lines) + "\n"


def _fish_option(when: str, option: str, node: Node) -> str:
    flag = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
    line = f"complete -c {PROG} -n {when} {flag} -d {_fish_quote(node.helps[option])}"
    if option in node.values:
        choices = node.values[option]
        line += f" -x -a {_fish_quote(' '.join(choices))}" if choices else " -r -F"
    return line
