"""The machine's own manuals, read for real: whatis lines, man pages, --help, and their lack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from llmchain_os.knowledge.manpages import (
    missing_docs,
    parse_page,
    programs_on_path,
    read_help,
    read_manpage,
    whatis_lines,
)
from llmchain_os.safety.sandbox import sandbox_status

needs_man = pytest.mark.skipif(
    shutil.which("man") is None or read_manpage("ls") is None, reason="no man pages here"
)


@needs_man
def test_whatis_lists_the_programs_on_path_with_their_summaries() -> None:
    docs = {d.name: d for d in whatis_lines()}

    assert "list directory contents" in docs["ls"].summary
    assert docs["df"].section.startswith("1")
    assert set(docs) <= set(programs_on_path())


@needs_man
def test_a_man_page_gives_summary_synopsis_and_each_option() -> None:
    page = read_manpage("df")
    assert page is not None

    assert page.summary == "report file system space usage"
    assert page.synopsis.startswith("df ")
    human = page.option("-h")
    assert human is not None and human.flags == ("-h", "--human-readable")
    assert "powers of 1024" in human.text
    block = page.option("--block-size")
    assert block is not None and block.arg == "SIZE"


def test_no_page_and_a_hostile_name_give_none() -> None:
    assert read_manpage("no-such-program-xyz") is None
    assert read_manpage("ls; rm -rf /") is None


def test_a_program_without_a_man_page_is_read_from_its_help(tmp_path: Path) -> None:
    if not sandbox_status().available:
        pytest.skip(f"no sandbox here: {sandbox_status().why_not}")
    tool = tmp_path / "frobnicate"
    tool.write_text(
        "#!/bin/sh\necho 'Usage: frobnicate [OPTION]... FILE'\necho\n"
        "echo '  -q, --quiet      say nothing'\necho '  -n NUM           frobnicate NUM times'\n"
        'touch "$HOME/ran-unconfined"\n'
    )
    tool.chmod(0o755)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
        mp.setenv("HOME", str(tmp_path))
        page = read_help("frobnicate")

    assert page is not None and page.source == "--help"
    assert page.synopsis == "Usage: frobnicate [OPTION]... FILE"
    quiet = page.option("--quiet")
    assert quiet is not None and quiet.text == "say nothing"
    count = page.option("-n")
    assert count is not None and count.arg == "NUM" and count.text == "frobnicate NUM times"
    assert not (tmp_path / "ran-unconfined").exists()  # it ran read-only


def test_an_option_described_on_its_own_line_and_a_wrapped_one_parse() -> None:
    text = (
        "NAME\n       tool - do things\n\nOPTIONS\n"
        "       -c     with -l: sort by ctime;\n              newest first\n\n"
        "       --color[=WHEN]\n              color the output WHEN\n\n"
        "SEE ALSO\n       ls(1)\n"
    )
    page = parse_page("tool", text)

    assert page.summary == "do things"
    assert [o.line() for o in page.options] == [
        "-c: with -l: sort by ctime; newest first",
        "--color WHEN: color the output WHEN",
    ]


def test_without_man_it_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no man, no apropos

    gaps = missing_docs()

    assert any("no `man` program" in g for g in gaps)
    assert any("no whatis database" in g for g in gaps)
    assert whatis_lines() == [] and read_manpage("ls") is None


@needs_man
def test_a_commands_options_are_explained_from_its_manual() -> None:
    from llmchain_os.knowledge.manpages import explain_options

    assert explain_options("wc -l -- notes.txt") == ["wc -l: print the newline counts"]
    assert explain_options("ls -la -- docs")[:2] == [
        "ls -l: use a long listing format",
        "ls -a: do not ignore entries starting with .",
    ]
    assert any(
        line.startswith("du --max-depth: ") for line in explain_options("du --max-depth=1 .")
    )
    assert explain_options("no-such-program-xyz -q") == []
    assert explain_options("echo 'unterminated") == []
