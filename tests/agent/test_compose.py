"""Commands composed from the team's examples, with the real embedding model and the
planner and executor the shell uses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from llmchain_os.agent.compose import (
    SAMPLE,
    SLOT,
    Candidate,
    Composer,
    Example,
    Unfillable,
    covering_first,
    fill,
    left_out,
    load_examples,
    runnable,
    stem,
)
from llmchain_os.agent.slots import Slots, read_slots
from llmchain_os.knowledge.embed import Embedder
from llmchain_os.prompts import load_exemplars


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(threads=1)


@pytest.fixture(scope="module")
def composer(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Composer:
    return Composer(load_examples(), embedder, tmp_path_factory.mktemp("cache"), load_exemplars())


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "notes.txt").write_text("one\ntwo error\nthree\n")
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_example_fills_and_parses_as_bash() -> None:
    for example in load_examples():
        command = fill(example.command, SAMPLE)  # every slot filled
        assert not SLOT.search(command), command
        checked = subprocess.run(["bash", "-n", "-c", command], capture_output=True)
        assert checked.returncode == 0, (command, checked.stderr)
        assert example.requests, example


@pytest.mark.parametrize(
    ("request_text", "command"),
    [
        ("how many lines are in notes.txt", "wc -l -- notes.txt"),
        ("hw many lines in notes.txt", "wc -l -- notes.txt"),
        ("show me the last 2 lines of notes.txt", "tail -n 2 -- notes.txt"),
        ("which lines of notes.txt mention error", "grep -n -- error notes.txt"),
        ("what kernel am i running", "uname -r"),
        ("how many files are in docs", "find docs -type f | wc -l"),
    ],
)
def test_a_request_no_tool_fits_gets_its_command(
    composer: Composer, here: Path, request_text: str, command: str
) -> None:
    found, _, _ = composer.route(request_text)

    assert found and found[0].command == command


def test_a_request_a_tool_fits_is_left_to_the_tool(composer: Composer, here: Path) -> None:
    found, tool, score = composer.route("show the top processes by memory")

    assert found == [] and tool == "top_processes" and score > 0.8


def test_an_operand_the_request_does_not_name_is_asked_for(composer: Composer, here: Path) -> None:
    with pytest.raises(Unfillable, match="needs a file name"):
        composer.route("how many lines are in the file")


def test_operands_are_quoted_and_cannot_break_out() -> None:
    slots = read_slots("lines in notes.txt containing \"x'; rm -rf ~; echo '\"")

    assert fill("grep -n -- {PATTERN} {FILE}", slots) == (
        "grep -n -- 'x'\"'\"'; rm -rf ~; echo '\"'\"'' notes.txt"
    )
    with pytest.raises(Unfillable, match="cannot go inside the command's quotes"):
        fill("sed 's/{PATTERN}/y/' -- {FILE}", slots)


def test_a_command_whose_program_is_missing_is_not_a_candidate() -> None:
    assert runnable("wc -l -- notes.txt")
    assert not runnable("no-such-program-xyz --all")
    assert not runnable("wc -l | no-such-filter")
    assert not runnable("wc -l (")


def test_an_example_below_the_floor_composes_nothing(embedder: Embedder, tmp_path: Path) -> None:
    small = Composer([Example("date", ("what time is it",))], embedder, tmp_path, {})

    assert small.route("bake me a chocolate cake")[0] == []
    assert small.route("whats the time")[0][0].command == "date"


def test_through_the_chain_a_read_runs_and_a_change_is_always_asked(
    here: Path, local_model: object
) -> None:
    from llmchain_os import Chain
    from llmchain_os.agent.plan import StepStatus
    from llmchain_os.api import Session
    from llmchain_os.config import Settings

    session = Session(Settings(n_threads=1), model=local_model)  # type: ignore[arg-type]
    counted = Chain(session=session).invoke("how many lines are in notes.txt")
    assert [(s.tool, s.status) for s in counted.steps] == [("run_shell", StepStatus.DONE)]
    assert counted.steps[0].output["stdout"].split()[0] == "3"

    mode = (here / "notes.txt").stat().st_mode
    asked: list[str] = []
    changed = Chain(
        session=session, approve=lambda step, _: asked.append(step.args["command"]) or False
    ).invoke("make notes.txt read only")
    assert asked == ["chmod a-w -- notes.txt"]  # --yes would not approve it either
    assert changed.steps[0].status is StepStatus.DECLINED
    assert (here / "notes.txt").stat().st_mode == mode
    with_yes = Chain(session=session, approve=True).invoke("make notes.txt read only")
    assert with_yes.steps[0].status is StepStatus.DECLINED  # the shell guessed the command
    assert (here / "notes.txt").stat().st_mode == mode


def test_the_word_searched_for_does_not_decide_the_example(composer: Composer, here: Path) -> None:
    found, _, _ = composer.route("which lines in notes.txt mention pineapple")

    assert found and found[0].command == "grep -n -- pineapple notes.txt"


def test_a_tool_that_shares_words_but_not_meaning_is_unsure(
    here: Path, local_model: object
) -> None:
    from llmchain_os import Chain
    from llmchain_os.api import Session
    from llmchain_os.config import Settings

    session = Session(Settings(n_threads=1), model=local_model)  # type: ignore[arg-type]
    result = Chain(session=session).invoke("which recipe has pineapple in it")

    assert result.steps == [] and result.unsure is not None
    assert "does not fit it" in result.unsure


def test_a_folder_default_never_becomes_part_of_a_name() -> None:
    nothing = Slots()

    assert fill("du -sh -- {DIR}", nothing) == "du -sh -- ."
    with pytest.raises(Unfillable, match="needs a folder name"):
        fill("zip -r {DIR}.zip -- {DIR}", nothing)
    assert fill("mkdir -p -- {NEW}", read_slots("make a folder called archive")) == (
        "mkdir -p -- archive"
    )


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("whats my hostnme", "whats my hostname"),
        ("uptiem?", "uptime?"),
        ("fils in a folder", "files in a folder"),
    ],
)
def test_a_misspelt_word_is_read_as_the_known_word_it_nearly_spells(
    composer: Composer, typed: str, spelled: str
) -> None:
    assert composer._spelled(typed) == spelled
    assert composer._spelled("is nginx running") == "is nginx running"  # a name is kept


def test_a_typo_no_longer_hides_the_command(composer: Composer, here: Path) -> None:
    found, _, _ = composer.route("whats my hostnme")
    assert found and found[0].command == "hostname"


def test_an_operand_the_command_leaves_out_is_named() -> None:
    slots = read_slots("print lines 12 to 15 of notes.txt")

    assert left_out("sed -n '12,15p' -- notes.txt", slots) == ()
    assert left_out("sed -n '12p' -- notes.txt", slots) == ("15",)
    assert left_out("sed -n '120p' -- notes.txt", slots) == ("12", "15")  # whole words only


def test_a_candidate_that_uses_every_operand_goes_first_when_near_enough() -> None:
    partial = Candidate("ls -t -- docs | head -n 1", "newest file in docs", 0.80, ("3",))
    whole = Candidate("ls -t -- docs | head -n 3", "the 5 newest in docs", 0.75)
    far = Candidate("ls -- docs", "what is in docs", 0.60)

    assert covering_first([partial, whole]) == [whole, partial]
    assert covering_first([partial, far]) == [partial, far]  # too far to be the better fit


def test_a_number_the_nearest_example_ignores_picks_the_example_that_takes_it(
    composer: Composer, here: Path
) -> None:
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (here / "docs" / name).write_text(name)
    found, _, _ = composer.route("show the 3 most recently modified files in docs")

    assert found and found[0].command == "ls -t -- docs | head -n 3"
    assert found[0].unused == ()


def test_near_but_not_sure_is_a_best_guess_that_asks_back(here: Path, local_model: object) -> None:
    from llmchain_os import Chain
    from llmchain_os.api import Session
    from llmchain_os.config import Settings

    (here / "poem.txt").write_text("".join(f"line {i}\n" for i in range(1, 21)))
    session = Session(Settings(n_threads=1), model=local_model)  # type: ignore[arg-type]
    result = Chain(session=session).invoke("print lines 12 to 15 of poem.txt")

    assert result.steps and result.guess, result
    assert "15" in result.guess  # what the command left out of the request
    assert result.answer.rstrip().endswith("?")


def test_a_word_the_example_does_not_account_for_is_named(composer: Composer, here: Path) -> None:
    found, _, _ = composer.route("how many blank lines are in notes.txt")
    plain, _, _ = composer.route("how many lines are in notes.txt")

    assert found and "blank" in found[0].unexplained
    assert plain and plain[0].whole  # the same example explains every word of this one


def test_stems_meet_whatever_the_ending() -> None:
    assert stem("lines") == stem("line") and stem("changed") == stem("change")
    assert stem("matches") == stem("match") and stem("don't") == "don"
