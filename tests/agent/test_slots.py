"""Operands read from a request: what it names, by kind, from what exists here."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmchain_os.agent.slots import read_slots


@pytest.fixture(autouse=True)
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "notes.txt").write_text("a\n")
    (tmp_path / "old.txt").write_text("b\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_files_and_folders_in_the_order_named() -> None:
    slots = read_slots("what changed between old.txt and notes.txt in the docs folder")

    assert slots.files[:2] == ["old.txt", "notes.txt"]
    assert slots.dirs == ["docs"]
    assert (slots.value("FILE"), slots.value("FILE2"), slots.value("DIR")) == (
        "old.txt",
        "notes.txt",
        "docs",
    )


@pytest.mark.parametrize(
    ("request_text", "slot", "value"),
    [
        ("first 5 lines of notes.txt", "N", "5"),
        ("files in docs changed in the last 3 days", "DAYS", "3"),
        ("what was modified this week", "DAYS", "7"),
        ("files bigger than 10 MB in docs", "SIZE", "+10M"),
        ("find all the pdf files here", "EXT", "pdf"),
        ("list every *.log under docs", "EXT", "log"),
        ("lines in notes.txt containing timeout", "PATTERN", "timeout"),
        ("search notes.txt for 'disk full'", "PATTERN", "disk full"),
        ("where is python3 installed", "NAME", "python3"),
    ],
)
def test_each_kind_of_operand(request_text: str, slot: str, value: str) -> None:
    assert read_slots(request_text).value(slot) == value


def test_a_replacement_reads_both_words() -> None:
    slots = read_slots("show notes.txt with Bob changed to Robert")

    assert (slots.pattern, slots.replacement) == ("Bob", "Robert")


def test_what_is_not_named_is_not_made_up() -> None:
    slots = read_slots("how many lines are in the file")

    assert slots.value("FILE") is None and slots.value("N") is None
    assert slots.value("PATTERN") is None and slots.value("NAME") is None


def test_a_number_inside_a_file_name_is_not_a_count() -> None:
    assert read_slots("show backup2024.tar").value("N") is None


def test_an_apostrophe_is_not_a_quote_and_capitals_are_a_pattern() -> None:
    asked = read_slots("what's inside notes.txt? don't change it")
    assert (asked.files, asked.pattern) == (["notes.txt"], "")

    assert read_slots("on which line of notes.txt is the FATAL error").pattern == "FATAL"
    assert read_slots("how many PDF files are here").pattern == ""  # a file kind, not text


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("what day of the week was the 14th of July 1989?", ["14 july 1989"]),
        ("how many days ago was march 15 2020", ["15 march 2020"]),
        ("days between march 3 2025 and november 19 2025", ["3 march 2025", "19 november 2025"]),
        ("how many days until christmas", ["25 dec"]),
        ("what weekday was 2024-02-29", ["2024-02-29"]),
        ("may I see the 2 newest files", []),
    ],
)
def test_dates_are_read_as_date_reads_them_and_their_numbers_are_no_counts(
    text: str, dates: list[str]
) -> None:
    slots = read_slots(text)
    assert slots.dates == dates
    assert all(n not in " ".join(dates) for n in slots.numbers)


def test_a_date_composes_a_command_date_itself_computes(tmp_path: Path) -> None:
    import subprocess

    from llmchain_os.agent.compose import fill

    command = fill("date -d {DATE} +%A", read_slots("what day of the week was 15 march 2024"))
    assert command == "date -d '15 march 2024' +%A"
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Friday"
