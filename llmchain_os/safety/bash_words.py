"""Words as bash reads them, before any risk is judged.

bashlex drops the backslashes of ANSI-C quotes (`$'\\x72m'` comes back as `$x72m`), so a literal
word holding one is decoded here from its source; brace expansion is done for the deny list
(`rm -rf /{,}` is `rm -rf / /`); the scripts `sh -c` and `env -S` run are found in their
arguments; the plain text `echo`, `printf`, a here-string or a here-document feeds a shell is
read out; and text that cannot be checked fast or hides what it runs is refused outright.
"""

from __future__ import annotations

import re
from typing import Any

from llmchain_os.safety.options import spells
from llmchain_os.safety.risk import Assessment, Risk

MAX_TEXT = 64 * 1024  # longer text is refused: checking it must stay fast
# Control characters, zero-width and bidi marks: they hide from the reader what bash runs.
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# A word made only of literal pieces: plain text, '...', "..." without expansions, $'...'.
LITERAL = re.compile(r"(?:[\w./,:=+@%^-]|'[^']*'|\"[^\"$`\\]*\"|\$'(?:[^'\\]|\\.)*')+")
ANSI_C = re.compile(r"\\(?:x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)")
# env's only long option in s (as `--command` is su's only one in c): getopt takes any prefix.
SPLIT = "--split-string"
ANSI_C_SIMPLE = dict(zip("abeEfnrtv\\'\"?", "\a\b\x1b\x1b\f\n\r\t\v\\'\"?", strict=True))


def refuse(text: str) -> Assessment | None:
    """Text too long to check fast, or with characters that hide what runs: denied."""
    if len(text) > MAX_TEXT:
        return Assessment(Risk.DESTRUCTIVE, f"the text is over {MAX_TEXT} characters", True)
    if found := HIDDEN.search(text):
        why = f"the text holds a hidden or control character (U+{ord(found[0]):04X})"
        return Assessment(Risk.DESTRUCTIVE, why, denied=True)
    return None


def ansi_c_word(src: str, word: str) -> str:
    """The word bash runs for a literal word with `$'...'` (bashlex drops its backslashes)."""
    if "$'" not in src or not LITERAL.fullmatch(src):
        return word
    pieces = re.findall(r"\$'((?:[^'\\]|\\.)*)'|'([^']*)'|\"([^\"]*)\"|([^'\"$]+)", src)
    return "".join(_ansi_c(c) + q + d + p for c, q, d, p in pieces)


def _ansi_c(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match[0][1:]
        if code[0] in "xuU":
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            return chr(int(code, 8) & 0xFF)
        if code[0] == "c":
            return chr(ord(code[1]) & 0x1F)
        return ANSI_C_SIMPLE.get(code, match[0])

    return ANSI_C.sub(one, text)


def braces(word: str, limit: int = 16) -> list[str]:
    """The words a brace expansion makes (`/{,}` -> `/`, `/`), up to ``limit``; else itself."""
    found = re.search(r"\{([^{}]*,[^{}]*)\}", word)
    if not found or limit <= 1:
        return [word]
    out: list[str] = []
    for choice in found[1].split(","):
        out += braces(word[: found.start()] + choice + word[found.end() :], limit // 2)
    return out[:limit]


def shell_script(args: list[str]) -> str | None:
    """The script of `sh -c SCRIPT`, `bash -ec SCRIPT`, `bash -c -- SCRIPT`, `su -c SCRIPT`."""
    for i, arg in enumerate(args):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            rest = [a for a in args[i + 1 :] if a != "--"]
            return rest[0] if rest else None
        if spells(arg, "--command", 1) or spells(arg, "--session-command"):  # `su --c=X`
            if "=" in arg:
                return arg.split("=", 1)[1]
            return args[i + 1] if i + 1 < len(args) else None
    return None


def env_script(args: list[str]) -> str | None:
    """`env -S "cmd args"`: the split string is a command line of its own."""
    for i, arg in enumerate(args):
        if arg == "-S" or (arg.startswith("--") and "=" not in arg and spells(arg, SPLIT, 1)):
            return " ".join(args[i + 1 :]) or None
        if "=" in arg and spells(arg, SPLIT, 1):  # `--split-string=X`, `--s=X`
            return " ".join([arg.split("=", 1)[1], *args[i + 1 :]])
        if arg.startswith("-") and not arg.startswith("--"):
            for at, letter in enumerate(arg[1:], start=2):  # `-S`, `-iS'rm x'`, `-vS cmd`
                if letter in "uC":
                    break  # the rest of the cluster is that option's value
                if letter == "S":
                    return " ".join([arg[at:], *args[i + 1 :]]).strip() or None
    return None


def heredoc_body(redirect: Any) -> str:
    lines = str(redirect.heredoc.value).split("\n")
    if lines and lines[-1].strip() == str(redirect.output.word).strip():
        lines = lines[:-1]
    return "\n".join(lines)


def words_of(node: Any) -> list[str]:
    return [p.word for p in getattr(node, "parts", []) if p.kind == "word"]


def fed_here(redirects: list[Any]) -> str | None:
    """The plain text a here-string or here-document feeds a command, else None."""
    for r in redirects:
        if getattr(r, "heredoc", None) is not None:
            body = heredoc_body(r)
            return None if re.search(r"[$`\\]", body) else body
        if r.type == "<<<" and not re.search(r"[$`\\]", r.output.word):
            return str(r.output.word)
    return None


def echo_text(node: Any) -> str | None:
    """The text of `echo PLAIN WORDS`, `printf 'PLAIN'` or `cat <<EOF` plain, else None."""
    words = words_of(node) if node.kind == "command" else []
    redirects = [p for p in getattr(node, "parts", []) if p.kind == "redirect"]
    if words == ["cat"] and len(redirects) == 1:
        return fed_here(redirects)  # `cat <<EOF | sh`
    if words[:1] == ["printf"] and len(words) == 2 and not re.search(r"[%$`]|\\(?!n)", words[1]):
        return words[1].replace("\\n", "\n")
    if len(words) < 2 or words[0] != "echo" or words[1].startswith("-"):
        return None
    if any(p.kind != "word" for p in node.parts) or any(re.search(r"[\\$`]", w) for w in words):
        return None
    return " ".join(words[1:])
