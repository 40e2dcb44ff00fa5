"""Risk of a shell command or script, from a real bash parse (bashlex).

The text is parsed with bashlex and walked: lists, pipelines, subshells, ``{ }``, if/for/while,
function definitions (a call of a function is judged by its body), command and process
substitutions, redirections and here-documents. Each simple command goes to
``safety.programs`` as the words bash will run, quotes removed, so ``r''m`` is judged as
``rm`` (and ``$'\\x72m'``, whose backslashes bashlex drops, is decoded by ``bash_words``);
``sh -c``, ``eval``, ``find -exec``, ``ssh host CMD`` and ``python3 -c`` text is parsed
in turn. A shell or interpreter reading its program from stdin is judged by what feeds it: a
here-document body, an ``echo`` of plain text, or denied when it comes from the network or a
decoder (``curl | sh``, ``base64 -d | sh``). The worst part wins; unknown programs are
destructive.

bashlex does not know all of bash (``case``, ``[[ ]]``, ``$(( ))``, ``time``, ``select``,
``coproc``). When it fails, ``bash -n`` (the text on stdin, 2 s limit) decides: if bash rejects
the text it is denied ("cannot parse ..."); if bash accepts it, a conservative token scan
looks for deny-list commands, and the result is never better than destructive, so it is always
asked ("bash syntax this checker cannot parse: <construct>"). Text over 64 KiB, or holding
control, zero-width or bidi characters (they hide from the reader what bash runs), is denied
before it is parsed; the regexes that prepare the text never backtrack, so any text is
answered in under a second (worst measured: 0.5 s, a 64 KiB fork-bomb-like text).
"""

from __future__ import annotations

import math
import re
from fnmatch import fnmatchcase as fnmatch
from typing import Any

from llmchain_os.safety.bash_fallback import fallback
from llmchain_os.safety.bash_words import (
    ansi_c_word,
    echo_text,
    fed_here,
    heredoc_body,
    refuse,
    words_of,
)
from llmchain_os.safety.outputs import moved_to, overwrite, starting_in
from llmchain_os.safety.places import sensitive_target, write_targets
from llmchain_os.safety.program_words import (
    ACCOUNT_FILE,
    ACCOUNT_NAMES,
    DISK,
    EXPANDED,
    FD_PATH,
    HARMLESS_SINKS,
    INTERPRETER,
    NET_DEVICE,
    PRIVILEGED,
    ROOTISH,
    SHELLS,
    SYSTEM_DIR,
    WRAPPERS,
    Nested,
    normal,
    program,
    read,
    short,
    unwrap,
    worse,
    worst_of,
)
from llmchain_os.safety.programs import assess_words
from llmchain_os.safety.risk import Assessment, CommandRisk, Risk
from llmchain_os.safety.scope import Scope, ScopeBuilder

MAX_DEPTH = 4
MAX_WORDS = 100_000
BRACES = re.compile(r"\{[^{}\s]*,[^{}\s]*\}")
QUOTED_HEREDOC = re.compile(r"(?<!<)<<(-?)([ \t]*)(?:'(\w+)'|\"(\w+)\"|\\(\w+))")
PLAIN_TEST = re.compile(  # only where a command starts: elsewhere `[[` is a word
    r"(^|[;&|({!]|\b(?:if|elif|while|until|then|do|else))([ \t]*)"
    r"\[\[ (?:[^\]`$<>\n( ]| (?!\]\])|\$\{?\w+\}?|\](?!\]))*+ \]\](?!\w)",
    re.M,
)
TIME_KEYWORD = re.compile(
    r"(^|[;&|({!]|\b(?:then|do|else))([ \t]*)(time(?:[ \t]+-p)?)(?=[ \t])", re.M
)
PLAIN_ARITHMETIC = re.compile(r"\$\(\((?:[^()`$\n]|\$\{?\w+\}?)*+\)\)")  # *+: no backtracking
FETCHERS = frozenset({"curl", "wget", "fetch", "aria2c"})
HIDDEN_SCRIPT = re.compile(
    r"(?:<\(|\$\(|`)[^)`]*?\b(curl|wget|fetch|aria2c|base64|base32|xxd|openssl|uudecode)\b"
)
DECODERS = frozenset("base64 base32 xxd openssl gunzip zcat gzip bzcat xzcat uudecode rev".split())
SKIP = frozenset({"reservedword", "operator", "pipe"})
OUTPUT = frozenset({">", ">>", ">|", "&>", "&>>", ">&", "<>"})
REPLACING = frozenset({">", ">|", "&>", ">&", "<>"})  # these empty or write over a file
ACCOUNT_PATHS = tuple(f"/etc/{n}" for n in ACCOUNT_NAMES)


def classify_command(command: str) -> Assessment:
    """The risk of running ``command`` in bash, worst part first, with its reason."""
    if not command.strip():
        return Assessment(Risk.WRITE, "empty command", denied=True)
    try:
        with starting_in(None):
            return _judge(command, 0)
    except RecursionError:
        return Assessment(Risk.DESTRUCTIVE, "the command nests too deeply to check", True)
    except Exception as exc:  # a checker fault must refuse, never let the command through
        why = f"the checker failed on this command ({type(exc).__name__}); it is not run"
        return Assessment(Risk.DESTRUCTIVE, why, denied=True)


def explain_script(text: str) -> list[CommandRisk]:
    """One entry per simple command or pipeline of ``text``, in order, each with its risk."""
    try:
        return _Walker(text, 0).explain()
    except Exception as exc:  # as in classify_command: a checker fault refuses
        why = f"the checker failed on this script ({type(exc).__name__}); it is not run"
        return [CommandRisk(1, text.strip(), Assessment(Risk.DESTRUCTIVE, why, denied=True))]


def classify_with_scope(command: str, cwd: str) -> tuple[Assessment, Scope]:
    """The risk of ``command`` and where its changes land (one parse for both), for a
    command that starts in ``cwd``. A parse the scope cannot follow is an unknown scope."""
    builder = ScopeBuilder(cwd)
    if not command.strip():
        return classify_command(command), builder.build()
    try:
        with starting_in(cwd):
            judged = _judge(command, 0, builder)
    except RecursionError:
        judged = Assessment(Risk.DESTRUCTIVE, "the command nests too deeply to check", True)
    except Exception as exc:  # as in classify_command: a checker fault refuses
        why = f"the checker failed on this command ({type(exc).__name__}); it is not run"
        judged = Assessment(Risk.DESTRUCTIVE, why, denied=True)
    return judged, builder.build(command)


def _judge(text: str, depth: int, scope: ScopeBuilder | None = None) -> Assessment:
    if depth > MAX_DEPTH:
        return Assessment(Risk.DESTRUCTIVE, "nested shells too deep to check", denied=True)
    entries = [e.assessment for e in _Walker(text, depth, scope).explain()]
    return worst_of(entries, read("does nothing"))


def _prepare(text: str) -> tuple[str, set[int]]:
    """Rewrite, keeping every position, what bashlex lacks but is plain data to the judge.

    `<<'EOF'` -> `<<  EOF` (and where each quoted one was: its body is not expanded);
    `[[ -f x ]]` -> `true      ` and `$(( n + 1 ))` -> `$___________` when they hold no
    substitution: a test or a number has no effect of its own; the `time` keyword -> spaces.
    """
    quoted: set[int] = set()
    text = PLAIN_TEST.sub(lambda m: m[1] + m[2] + "true".ljust(len(m[0]) - len(m[1] + m[2])), text)
    text = TIME_KEYWORD.sub(lambda m: m[1] + m[2] + " " * len(m[3]), text)
    text = PLAIN_ARITHMETIC.sub(lambda m: "$" + "_" * (len(m.group(0)) - 1), text)

    def unquote(match: re.Match[str]) -> str:
        quoted.add(match.start())
        word = match.group(3) or match.group(4) or match.group(5)
        pad = len(match.group(0)) - len(word) - 2 - len(match.group(1))
        return f"<<{match.group(1)}{' ' * pad}{word}"

    return QUOTED_HEREDOC.sub(unquote, text), quoted


def _kids(node: Any) -> list[Any]:
    return [p for p in getattr(node, "parts", getattr(node, "list", [])) if p.kind not in SKIP]


class _Walker:
    """Walks one parsed text, collecting a CommandRisk per simple command or pipeline."""

    def __init__(self, text: str, depth: int, scope: ScopeBuilder | None = None) -> None:
        self.text = text
        self.depth = depth
        self.scope = scope  # where the changes land, collected on the same walk
        self.prepared, self.quoted = _prepare(text)
        self.functions: dict[str, Assessment] = {}
        self.defining: list[str] = []
        self.recursive: set[str] = set()
        self.at_root = False  # after `cd /` or `cd ~`: `rm -rf *` is the whole thing
        self.entries: list[CommandRisk] = []

    def explain(self) -> list[CommandRisk]:
        import bashlex  # lazy: the prompt path must stay light

        if (refused := refuse(self.text)) is not None:
            return [CommandRisk(1, short(self.text), refused)]
        if all(not ln.strip() or ln.lstrip().startswith("#") for ln in self.text.splitlines()):
            return []  # only comments: bashlex fails on these, and they do nothing
        try:
            trees = bashlex.parse(self.prepared)
        except Exception as exc:  # bashlex raises several kinds on what it does not support
            judged = fallback(self.text, exc, self._nested([], []))
            if self.scope is not None and judged.risk is not Risk.READ:
                self.scope.unknown.append("bash syntax this checker cannot follow")
            return [CommandRisk(1, self.text.strip(), judged)]
        for tree in trees:
            self._top(tree)
        return self.entries

    # -- structure -------------------------------------------------------------------------

    def _top(self, node: Any) -> None:
        kind = node.kind
        if kind in ("command", "pipeline"):
            self._entry(node, self._unit(node))
        elif kind == "function":
            self._function(node)
        elif kind in ("list", "compound", "if", "while", "until", "for"):
            for part in _kids(node):
                if part.kind == "word":  # `for x in WORDS`: only substitutions do anything
                    if (judged := self._expansions(part)).risk is not Risk.READ:
                        self._entry(part, judged)
                else:
                    self._top(part)
            redirects = getattr(node, "redirects", [])
            if redirects:
                self._entry(node, self._redirects(redirects, []))
        else:
            self._entry(node, Assessment(Risk.DESTRUCTIVE, f"bash construct `{kind}` not known"))

    def _entry(self, node: Any, assessment: Assessment) -> None:
        start, end = node.pos
        line = self.text.count("\n", 0, start) + 1
        self.entries.append(CommandRisk(line, self.text[start:end], assessment))

    def _inner(self, node: Any) -> Assessment:
        """The worst of a nested node, without adding entries of its own."""
        saved, self.entries = self.entries, []
        self._top(node)
        found, self.entries = self.entries, saved
        return worst_of([entry.assessment for entry in found], read("does nothing"))

    def _function(self, node: Any) -> None:
        name = node.parts[0].word
        self.defining.append(name)
        body = self._inner(node.parts[-1])
        self.defining.pop()
        source = self.text[node.pos[0] : node.pos[1]]
        if name in self.recursive:
            bomb = "|" in source or "&" in source
            why = f"`{name}` calls itself" + (" in the background: a fork bomb" if bomb else "")
            body = Assessment(Risk.DESTRUCTIVE, why, denied=bomb)
        elif body.risk is not Risk.READ or body.denied:
            body = Assessment(body.risk, f"`{name}` runs: {body.reason}", body.denied)
        self.functions[name] = body
        self._entry(node, body)

    def _unit(self, node: Any) -> Assessment:
        if node.kind == "command":
            return self._command(node, [])
        parts = _kids(node)
        judged = [
            self._command(part, parts[:i]) if part.kind == "command" else self._inner(part)
            for i, part in enumerate(parts)
        ]
        return worst_of(judged, read("does nothing"))

    # -- one simple command ------------------------------------------------------------------

    def _command(self, node: Any, upstream: list[Any]) -> Assessment:
        words: list[str] = []
        redirects: list[Any] = []
        worst = read("only reads")
        for part in node.parts:
            if part.kind == "redirect":
                redirects.append(part)
            elif part.kind in ("word", "assignment"):
                words.append(ansi_c_word(self.text[part.pos[0] : part.pos[1]], part.word))
                worst = worse(worst, self._expansions(part))
        src = self.text[node.pos[0] : node.pos[1]]
        if math.prod(g.count(",") + 1 for g in BRACES.findall(src)) > MAX_WORDS:
            why = f"`{short(src)}`: its braces expand to over {MAX_WORDS} words"
            worst = worse(worst, Assessment(Risk.DESTRUCTIVE, why))  # `echo {a,b}{a,b}...` x30
        words = self._track_cwd(words)
        fed = echo_text(upstream[0]) if len(upstream) == 1 else fed_here(redirects)
        if words[:1] == ["xargs"] and fed:
            words = [*words, *fed.split()]  # `echo / | xargs rm -rf` is `rm -rf /`
        if words and words[0] in self.functions:
            own = self.functions[words[0]]
        elif words and words[0] in self.defining:
            self.recursive.add(words[0])
            own = read("calls the function being defined")
        else:
            own = assess_words(words, src, self._nested(upstream, redirects))
            own = worse(own, _network_script(node, words, src))
            if own.risk is Risk.WRITE and not own.denied:  # where it writes can make it worse
                own = sensitive_target(write_targets(_unwrapped(words))) or own
        if self.scope is not None and not (words and words[0] in self.functions):
            self.scope.command(_unwrapped(words), own, program(words[0]) if words else "")
        return worse(worse(own, worst), self._redirects(redirects, words))

    def _nested(self, upstream: list[Any], redirects: list[Any]) -> Nested:
        return Nested(
            script=lambda t: _judge(t, self.depth + 1, self.scope),
            python=self._python,
            stdin=lambda prog: self._stdin(prog, upstream, redirects),
        )

    def _track_cwd(self, words: list[str]) -> list[str]:
        """`cd / && rm -rf *` deletes everything: after `cd /`, `*` and `.` mean `/`."""
        if words and words[0] in ("cd", "pushd"):
            moved_to(words)
            if self.scope is not None:
                self.scope.chdir(words)
            self.at_root = len(words) == 1 or bool(ROOTISH.match(normal(words[1])))
        elif self.at_root and words and program(words[0]) in ("rm", "chmod", "chown", "chgrp"):
            return [("/" if w in (".", "./", "*", "./*") else w) for w in words]
        return words

    def _expansions(self, node: Any) -> Assessment:
        """Commands that a word's substitutions run, judged as commands."""
        worst = read("only reads")
        for part in getattr(node, "parts", []):
            if part.kind in ("commandsubstitution", "processsubstitution"):
                worst = worse(worst, self._inner(part.command))
            elif part.kind == "tilde" and re.search(r"[$`]", str(part.value)):
                # bashlex keeps `~$(rm x)` whole, but bash runs the substitution in it
                worst = worse(worst, _judge(": " + str(part.value)[1:], self.depth + 1, self.scope))
            elif part.kind == "parameter" and re.search(r"[`(]|@P", str(part.value)):
                why = f"`{short(part.value)}` hides a command in a parameter expansion"
                worst = worse(worst, Assessment(Risk.DESTRUCTIVE, why))
            else:
                worst = worse(worst, self._expansions(part))
        return worst

    def _redirects(self, redirects: list[Any], words: list[str]) -> Assessment:
        worst = read("only reads")
        for r in redirects:
            if getattr(r, "heredoc", None) is not None:
                worst = worse(worst, self._heredoc_data(r))
            elif hasattr(r.output, "word"):  # not a file descriptor (`2>&1`, `3>&-`)
                worst = worse(worst, self._expansions(r.output))
                if NET_DEVICE.match(r.output.word):
                    why = f"`{r.output.word}` opens a network connection"
                    worst = worse(worst, Assessment(Risk.REMOTE, why))
                    if self.scope is not None:
                        self.scope.network = True
                elif r.type in OUTPUT:
                    src = self.text[r.output.pos[0] : r.output.pos[1]]
                    target = ansi_c_word(src, r.output.word)  # `> $'/etc/passwd'`
                    worst = worse(worst, _redirect_target(r.type, target))
                    if self.scope is not None and not HARMLESS_SINKS.match(target):
                        self.scope.redirect(target)
        return worst

    def _heredoc_data(self, redirect: Any) -> Assessment:
        """An unquoted here-document is expanded: its substitutions run."""
        body = heredoc_body(redirect)
        if redirect.pos[0] in self.quoted or not re.search(r"\$[({]|`", body):
            return read("here-document is data")
        body = body.replace("\\", "\\\\").replace('"', '\\"')
        return _judge(': "' + body + '"', self.depth + 1, self.scope)

    def _stdin(self, prog: str, upstream: list[Any], redirects: list[Any]) -> Assessment:
        """What a shell or interpreter reading stdin runs: the here-document, or the pipe."""
        for r in redirects:
            if getattr(r, "heredoc", None) is not None:
                return self._as_program(prog, heredoc_body(r))
            if r.type == "<<<":
                return self._as_program(prog, r.output.word)
            if r.type == "<":
                return Assessment(Risk.DESTRUCTIVE, f"`{prog}` runs a script file unchecked")
        feeders = [_program_of(n) for n in upstream]
        if any(f in FETCHERS for f in feeders):
            return Assessment(Risk.DESTRUCTIVE, f"`{prog}` runs a script from the network", True)
        if any(f in DECODERS for f in feeders):
            why = f"`{prog}` runs text decoded from hidden bytes"
            return Assessment(Risk.DESTRUCTIVE, why, denied=True)
        if len(upstream) == 1 and (text := echo_text(upstream[0])) is not None:
            return self._as_program(prog, text)
        why = f"`{prog}` runs what is piped into it, which cannot be checked"
        return Assessment(Risk.DESTRUCTIVE, why)

    def _as_program(self, prog: str, text: str) -> Assessment:
        if prog in SHELLS:
            return _judge(text, self.depth + 1, self.scope)
        if prog.startswith("python"):
            return self._python(text)
        return Assessment(Risk.DESTRUCTIVE, f"`{prog}` runs code that cannot be checked")

    def _python(self, source: str) -> Assessment:
        """Python's risk; where a Python program that changes things writes is not known."""
        judged = _python(source)
        if self.scope is not None and judged.risk is not Risk.READ:
            self.scope.unknown.append("where the Python code writes cannot be known")
        return judged


def _python(source: str) -> Assessment:
    from llmchain_os.safety.python_risk import classify_python

    return classify_python(source, classify_command)


def _redirect_target(kind: str, target: str) -> Assessment:
    if HARMLESS_SINKS.match(target):
        return read(f"only writes to `{target}`")
    if FD_PATH.match(target) and kind != "<":
        why = f"`{kind} {target}` reopens another descriptor's file, known only at run time"
        return Assessment(Risk.DESTRUCTIVE, why)
    if DISK.match(target):
        return Assessment(Risk.DESTRUCTIVE, f"`{kind} {target}` overwrites a disk", denied=True)
    if ACCOUNT_FILE.match(normal(target)) or any(fnmatch(a, target) for a in ACCOUNT_PATHS):
        why = f"`{kind} {target}` overwrites a system account file"
        return Assessment(Risk.DESTRUCTIVE, why, denied=True)
    if SYSTEM_DIR.match(normal(target)):
        return Assessment(Risk.DESTRUCTIVE, f"`{kind} {target}` overwrites a system file")
    if place := sensitive_target([target]):
        return place
    if kind in REPLACING and (found := overwrite(target)) is not None:
        return Assessment(found.risk, f"`{kind} {target}` {found.reason}")
    if kind == "<>":
        return Assessment(Risk.WRITE, f"opens `{target}` for writing")
    if EXPANDED.search(target):
        return Assessment(Risk.WRITE, f"writes to a file named at run time (`{target}`)")
    return Assessment(Risk.WRITE, f"writes `{target}`")


def _unwrapped(words: list[str]) -> list[str]:
    """The command a line runs, looking through wrappers and sudo (`nice tee f` is `tee f`)."""
    while words and (program(words[0]) in WRAPPERS or program(words[0]) in PRIVILEGED):
        words = unwrap(program(words[0]), words[1:])
    return words


def _program_of(node: Any) -> str:
    """The program a pipeline part runs, looking through wrappers and sudo."""
    words = _unwrapped(words_of(node) if node.kind == "command" else [])
    return program(words[0]) if words else ""


def _network_script(node: Any, words: list[str], src: str) -> Assessment:
    """`bash <(curl URL)`, `sh -c "$(wget -O- URL)"`, `eval "$(echo ... | base64 -d)"`."""
    runner = program(words[0]) if words else ""
    runs = runner in SHELLS or runner in ("source", ".", "eval") or INTERPRETER.match(runner)
    if runs and (found := HIDDEN_SCRIPT.search(src)):
        where = "the network" if found[1] in FETCHERS else "decoded bytes"
        return Assessment(Risk.DESTRUCTIVE, f"`{short(src)}` runs a script from {where}", True)
    return read("only reads")
