"""Which words of a request are paths: absolute and ~ paths, file names relative to the
working directory ("old.txt"), and words that name something there ("src").

A dotted word is a file when its ending is a file's ("notes.txt") or it exists here, so that
"how many lines are in notes.txt" is about a file, never about a host called notes.txt.
"""

from __future__ import annotations

import re

from llmchain_os.reading.words import STOP

PATH = re.compile(r"(?<![\w/~])(~(?:/[\w.@%+\-/]*)?|/[\w.@%+\-/]*)")

# Endings that mark a word as a file name ("notes.txt"), not a host or a plain word.
FILE_EXTS = frozenset(
    "txt log md csv tsv json yaml yml toml ini conf cfg py sh js ts html css xml sql db "
    "sqlite tar gz tgz zip bz2 xz 7z iso img pdf doc docx xls xlsx png jpg jpeg gif svg mp3 "
    "mp4 mkv wav bak tmp old swp core deb rpm out err pid lock pem crt key env c h go rs rb "
    "java jar part dat bin".split()
)
FILE_WORD = re.compile(r"(?<![\w/~.\-])([\w\-][\w.\-]*\.([A-Za-z0-9]{1,5}))(?![\w/])")


def is_file_word(word: str) -> bool:
    """A dotted word that names a file: a file-like ending, or it exists under cwd."""
    import os

    ext = word.rsplit(".", 1)[-1].lower() if "." in word else ""
    return ext in FILE_EXTS or (word.lower() not in STOP and os.path.exists(word))


def relative_paths(text: str) -> list[str]:
    """File names relative to cwd ("old.txt"), and words that are existing paths ("src")."""
    import os

    found = [
        m.group(1) for m in FILE_WORD.finditer(PATH.sub(" ", text)) if is_file_word(m.group(1))
    ]
    # The first word is the order ("delete it"), even where a file has that name.
    # "in archive/": a folder word may end in its slash
    for word in re.findall(r"(?<![\w/~.\-])([\w][\w.\-]*)/?(?![\w/])", text)[1:]:
        if word not in found and word.lower() not in STOP and os.path.exists(word):
            found.append(word)
    return found


def names_file(text: str) -> bool:
    """Whether the text names a file by its file name ("how big is report.csv")."""
    return any(FILE_WORD.fullmatch(p) for p in relative_paths(text))


def find_paths(text: str) -> list[str]:
    paths = [m.rstrip(".,;:!?") or "/" for m in PATH.findall(text)]
    paths = paths or [p for p in relative_paths(text) if FILE_WORD.fullmatch(p)]
    if not paths and re.search(r"\bhome\b", text, re.I):
        paths = ["~"]
    if not paths and re.search(r"\broot\b", text, re.I):
        paths = ["/"]
    return paths or relative_paths(text)


def path_candidates(text: str) -> list[str]:
    """Words of the request that can be a path: "/x", "~/x", "notes.txt", an existing "src"."""
    return list(dict.fromkeys([*find_paths(text), *relative_paths(text)]))[:32]
