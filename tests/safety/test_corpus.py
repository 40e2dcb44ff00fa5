"""The classifier against a corpus of real admin one-liners and adversarial spellings.

tests/data/command_corpus.tsv holds ``class<TAB>denied<TAB>command`` lines, grouped by
``# section:`` comments. Each failure lists every line that was judged otherwise. The lines
are judged in an empty working folder holding only the files named by ``# files:`` comments,
since overwriting a file that exists is destructive where writing a new one is not.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmchain_os.safety.commands import classify_command
from llmchain_os.safety.risk import Risk

CORPUS = Path(__file__).resolve().parent.parent / "data" / "command_corpus.tsv"
MINIMUM = {
    "read": 60,
    "write": 30,
    "destructive": 50,
    "denied": 30,
    "privileged": 10,
    "remote": 10,
    "obfuscated": 20,
}


@dataclass(frozen=True)
class Case:
    number: int  # line in the file
    section: str
    risk: Risk
    denied: bool
    command: str


def existing_files() -> list[str]:
    """The relative paths the corpus's ``# files:`` comments say exist."""
    lines = CORPUS.read_text().splitlines()
    return [name for ln in lines if ln.startswith("# files:") for name in ln.split()[2:]]


@pytest.fixture(autouse=True)
def corpus_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in existing_files():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("kept\n")


def load_corpus() -> list[Case]:
    cases, section = [], ""
    for number, line in enumerate(CORPUS.read_text().splitlines(), start=1):
        if line.startswith("# section:"):
            section = line.split(":", 1)[1].strip()
        if not line.strip() or line.startswith("#"):
            continue
        risk, denied, command = line.split("\t", 2)
        cases.append(Case(number, section, Risk(risk), denied == "1", command))
    return cases


def _misjudged(cases: list[Case]) -> list[str]:
    wrong = []
    for case in cases:
        got = classify_command(case.command)
        if got.risk is not case.risk or got.denied != case.denied:
            want = f"{case.risk.value}{' denied' if case.denied else ''}"
            have = f"{got.risk.value}{' denied' if got.denied else ''}"
            wrong.append(
                f"line {case.number}: {case.command!r}: want {want}, got {have}: {got.reason}"
            )
    return wrong


def test_the_corpus_has_enough_of_every_kind() -> None:
    cases = load_corpus()
    counts = Counter(case.risk.value for case in cases if not case.denied)
    counts["denied"] = sum(case.denied for case in cases)
    counts["obfuscated"] = sum(case.section == "obfuscated" for case in cases)
    assert {s: counts[s] for s in MINIMUM if counts[s] < MINIMUM[s]} == {}
    assert len(cases) >= 200


def test_every_command_in_the_corpus_has_its_class() -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed: lines bashlex cannot parse are checked with bash -n")
    wrong = _misjudged(load_corpus())
    assert not wrong, f"{len(wrong)} misjudged:\n" + "\n".join(wrong)


def test_no_command_that_changes_anything_is_classed_read() -> None:
    changing = [case for case in load_corpus() if case.risk is not Risk.READ or case.denied]
    misread = [
        f"line {case.number}: {case.command!r}"
        for case in changing
        if classify_command(case.command).risk is Risk.READ
    ]
    assert not misread, "classed read:\n" + "\n".join(misread)
