"""Reading operands (and the write tool's card): relative file names are files (not hosts,
not verbs), ages and kinds of file are read off plain phrasings, and a bare command line is
told from a sentence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from llmchain_os.agent.intent import remote_target
from llmchain_os.agent.spelled import bare_command
from llmchain_os.reading.operands import find_age_days, find_pattern
from llmchain_os.reading.paths import find_paths, path_candidates
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.card import Clause
from llmchain_os.tools.files import write_file


@pytest.mark.parametrize(
    "text",
    [
        "how many lines are in notes.txt",
        "write 'hello world' to greeting.txt",
        "copy a.log to b.bak",
        "show the lines in access.log from 192.168.1.20",
        "in config.ini change every localhost to db.internal",
    ],
)
def test_a_file_name_is_not_a_host(text: str) -> None:
    assert remote_target(text) is None


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("disk usage on web-02.prod", "web-02.prod"),
        ("copy notes.txt to db.example.com", "db.example.com"),
    ],
)
def test_a_dotted_host_is_still_a_host(text: str, host: str) -> None:
    assert remote_target(text) == host


def test_an_existing_relative_path_is_not_a_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert remote_target("how full is it in site.local") == "site.local"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.local").mkdir()
    assert remote_target("how full is it in site.local") is None


def test_relative_file_names_and_existing_words_are_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_paths("remove old.txt") == ["old.txt"]
    assert find_paths("how many python files are in src") == []
    (tmp_path / "src").mkdir()
    assert find_paths("how many python files are in src") == ["src"]
    assert find_paths("list files in src/ older than 30 days") == ["src"]  # its slash too
    assert find_paths("the largest files in my home folder?") == ["~"]


def test_request_words_are_never_path_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert path_candidates("delete it") == []
    assert path_candidates("remove old.txt") == ["old.txt"]


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("what are the largest files in my home folder?", None),
        ("list files named report?.csv in /tmp", "report?.csv"),
        ("search for *.iso in ~/Downloads", "*.iso"),
        ("how many python files are in src", "*.py"),
    ],
)
def test_a_question_mark_ends_a_question_not_a_glob(text: str, pattern: str | None) -> None:
    assert find_pattern(text) == pattern


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("which files in /srv haven't been modified in 90 days", 90),
        ("log files not touched for 2 weeks", 14),
        ("files older than 3 days", 3),
        ("files modified in the last 3 days", None),
    ],
)
def test_age_from_not_touched_phrasings(text: str, days: int | None) -> None:
    assert find_age_days(text) == days


def test_a_program_and_operands_is_a_command_line() -> None:
    if shutil.which("pkill") is None:
        pytest.skip("pkill is not on PATH")
    assert bare_command("pkill syncagent", set(), lambda: {"syncagent"}) == "pkill syncagent"
    assert bare_command("pkill syncagent", set(), set) is None  # no such process: a sentence?
    assert bare_command("cat notes.txt", set()) == "cat notes.txt"


@pytest.mark.parametrize(
    "text", ["install htop", "sort files by size", "uptime", "nice try", "yes sir"]
)
def test_sentences_and_change_orders_are_not_command_lines(text: str) -> None:
    assert bare_command(text, set()) is None


@pytest.mark.parametrize(
    ("text", "args"),
    [
        (
            "create a file called todo.txt with the text buy milk",
            {"path": "todo.txt", "content": "buy milk"},
        ),
        (
            "append the line server2 to hosts.txt",
            {"path": "hosts.txt", "content": "server2", "append": True},
        ),
        ("write 'hello world' to greeting.txt", {"path": "greeting.txt", "content": "hello world"}),
        ("create the file notes.md", {"path": "notes.md"}),
    ],
)
def test_text_spelled_out_after_a_marker_is_the_content(text: str, args: dict[str, object]) -> None:
    assert write_file.card.extract is not None
    assert write_file.card.extract(Clause(text, FixedWorld())) == args
