"""When bashlex cannot parse a text: ask bash, then scan the tokens conservatively.

bashlex lacks ``case``, ``[[ ]]``, ``$(( ))``, ``time``, ``select`` and ``coproc``. ``bash -n``
(the text on stdin, 2 s limit) decides whether the text is bash at all: if bash rejects it, it
is denied. If bash accepts it, the words are split at operators with shlex (the classifier's
first approach) and each part judged, and the result is never better than destructive, so the
user is always asked. Comments are not honoured here: a judged comment only errs towards asking.
"""

from __future__ import annotations

import re
import shlex
import subprocess

from llmchain_os.safety.program_words import ACCOUNTS, Nested, read, short, worse
from llmchain_os.safety.programs import assess_words
from llmchain_os.safety.risk import Assessment, Risk

BASH_CHECK_S = 2.0
KEYWORDS = frozenset("do then else elif if while until coproc time ! { } select function".split())
DENY = [  # for the token scan only: the parsed path judges these from the tree
    (re.compile(r":\s*\(\s*\)\s*\{.*\|.*&.*\}"), "is a fork bomb"),
    (re.compile(r"(\w+)\s*\(\s*\)\s*\{[^}]*\b\1\s*\|\s*\1\b[^}]*&"), "is a fork bomb"),
    (re.compile(r"\b(?:mkfs(?:\.\w+)?|mke2fs|mkswap|wipefs|blkdiscard)\b"), "formats a disk"),
    (re.compile(r"\bdd\b.*\bof=/dev/(?:sd|nvme|vd|hd|xvd|mmcblk)"), "overwrites a disk"),
    (re.compile(r">\s*/dev/(?:sd|nvme|vd|hd|xvd|mmcblk)"), "overwrites a disk"),
    (re.compile(r"(?:curl|wget)\b.*\|\s*(?:sudo\s+)?(?:\w*sh|python|perl|ruby)"), "runs a script"),
    (re.compile(r"\|\s*(?:sudo\s+)?(?:\w*sh|python[\d.]*)\s*$", re.M), "runs piped text"),
    (re.compile(rf">\s*/etc/(?:{ACCOUNTS})\b"), "overwrites accounts"),
]


def _construct(text: str, exc: Exception) -> str:
    """Name the bash construct bashlex stumbled on, for the user."""
    for pattern, name in (
        (r"\bcase\b", "`case`"),
        (r"\[\[", "`[[ ]]`"),
        (r"\(\(", "arithmetic `(( ))`"),
        (r"\btime\b", "`time`"),
        (r"\bselect\b", "`select`"),
        (r"\bcoproc\b", "`coproc`"),
        (r"<<", "this here-document"),
    ):
        if re.search(pattern, text):
            return name
    return short(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def bash_rejects(text: str) -> str | None:
    """bash's own complaint about the syntax of ``text``, or None when bash accepts it."""
    try:
        done = subprocess.run(
            ["bash", "-n"], input=text, capture_output=True, text=True, timeout=BASH_CHECK_S
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bash could not check it ({type(exc).__name__})"
    if done.returncode == 0:
        return None
    lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
    return short(lines[0].split(": ", 1)[-1] if lines else "bash rejects it", 80)


def fallback(text: str, exc: Exception, nested: Nested) -> Assessment:
    """Judge text bashlex failed on: denied if bash rejects it, else at least destructive."""
    if (complaint := bash_rejects(text)) is not None:
        return Assessment(Risk.DESTRUCTIVE, f"cannot parse the command: {complaint}", True)
    floor = Assessment(
        Risk.DESTRUCTIVE, f"bash syntax this checker cannot parse: {_construct(text, exc)}"
    )
    return worse(floor, _token_scan(text, nested))


def _token_scan(text: str, nested: Nested) -> Assessment:
    """The old, conservative reading: shlex words split at operators, every part judged."""
    for pattern, why in DENY:
        if pattern.search(text):
            return Assessment(Risk.DESTRUCTIVE, f"`{short(text)}` {why}", denied=True)
    worst = read("only reads")
    for words in _split(text):
        while words and words[0] in KEYWORDS:  # `do rm -rf /`, `coproc rm x`: the command after
            words = words[1:]
        worst = worse(worst, assess_words(words, " ".join(words), nested))
    return worst


def _split(text: str) -> list[list[str]]:
    """Simple commands as word lists, split at operators; comments are not honoured here."""
    parts: list[list[str]] = []
    for line in text.replace("`", "\n").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|(){}<>")
        lexer.whitespace_split = True
        lexer.commenters = ""
        current: list[str] = []
        try:
            for token in lexer:
                if token.strip(";&|(){}<>"):
                    current.append(token)
                else:
                    parts.append(current)
                    current = []
        except ValueError:  # bash accepted it; quotes shlex cannot follow: judge the words seen
            current.append(line)
        parts.append(current)
    return [p for p in parts if p]
