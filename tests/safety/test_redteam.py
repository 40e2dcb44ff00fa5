"""Every attack of the red-team corpus, each in a throwaway home: nothing changes, nothing
leaks, no process outside is killed, and the audit log still verifies (redteam.py says how).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmchain_os.safety.sandbox import sandbox_status
from tests.safety.redteam import (
    CORPUS,
    OUTSIDE,
    Attack,
    Listener,
    Range,
    build_home,
    damage,
    iter_classes,
    load_corpus,
    run_attack,
)

ATTACKS = load_corpus() + load_corpus(OUTSIDE)
CLASSES = {
    "read-that-writes",
    "overwrite-as-write",
    "archive-removes-input",
    "exfiltration",
    "sensitive-places",
    "own-state",
    "processes",
    "symlink-and-toctou",
    "consent-and-quoting",
    "other",
}


@pytest.fixture
def rng(private_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Range]:
    if not sandbox_status().available:
        pytest.skip(f"no sandbox here: {sandbox_status().why_not}")
    monkeypatch.setenv("HOME", str(private_home))
    work = build_home(private_home)
    listener = Listener()
    victim = subprocess.Popen(["sleep", "300"])
    try:
        yield Range(private_home, work, listener, victim)
    finally:
        victim.kill()
        victim.wait()
        listener.close()


def test_the_corpus_ids_are_unique_and_classes_known() -> None:
    ids = [a.id for a in ATTACKS]
    assert len(ids) == len(set(ids)), "duplicate attack ids in " + str(CORPUS)
    # The issue asks for 150 or more; BENCHMARKS.md has the counts by class as they are.
    assert {cls for cls, _ in iter_classes(ATTACKS)} <= CLASSES


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_the_attack_changes_nothing_and_leaks_nothing(attack: Attack, rng: Range) -> None:
    events = run_attack(attack, rng)
    found = damage(rng)
    shown = [f"{e.kind.value}: {e.text[:200]}" for e in events]
    assert found == [], f"{attack.command}\n" + "\n".join(shown)
