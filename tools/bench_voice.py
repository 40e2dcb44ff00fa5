"""Speech to text on spoken commands: latency per WAV and word error rate, with and without
the shell's vocabulary as Whisper's prompt. BENCHMARKS.md, "Voice (issue 14)".

    OMP_NUM_THREADS=1 python tools/bench_voice.py [--voices en,en-us] [--runs 3]

espeak-ng renders each command below into a WAV (16-bit, 22 kHz) in a temporary folder;
the inventory (hosts saturn and jupiter, groups web and db) and a saved script "backup"
live in a temporary home, so the prompt is the same on every machine but for the running
programs' names. Latency is the median of --runs transcriptions of each WAV, model loaded.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
COMMANDS = [
    "show disk usage",
    "which processes use the most memory",
    "how long has this machine been up",
    "list the top processes by cpu usage",
    "show the network interfaces",
    "which network connections are open",
    "show me the process tree",
    "are there any zombie processes",
    "how big is my downloads folder",
    "find files bigger than a hundred megabytes",
    "check disk space on saturn",
    "run uptime on every web host",
    "list the hosts in the db group",
    "restart nginx on jupiter",
    "run the backup script",
    "list my saved scripts",
    "show the memory breakdown",
    "who is logged in",
    "diagnose why this machine is slow",
    "kill the firefox process",
]


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def edits(ref: list[str], hyp: list[str]) -> int:
    """Word-level Levenshtein distance (substitutions, insertions, deletions)."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def home(tmp: Path) -> None:
    """A private home with two hosts and one saved script (before llmchain_os reads it)."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(tmp / name.lower())
    os.environ["LLMOS_INDEX_PROGRAMS"] = "0"
    from llmchain_os.api import add_host
    from llmchain_os.scripts.library import ScriptLibrary

    add_host("saturn", "10.0.0.5", groups=["web"])
    add_host("jupiter", "10.0.0.6", groups=["db"])
    ScriptLibrary().save("backup", "tar czf /tmp/b.tgz ~/notes\n", "bash", "back up my notes")


def render(tmp: Path, voice: str, speed: int) -> list[tuple[str, Path]]:
    out = []
    for n, text in enumerate(COMMANDS):
        wav = tmp / f"{voice}-{speed}-{n:02}.wav"
        argv = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text]
        subprocess.run(argv, check=True)
        out.append((text, wav))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default="en,en-us", help="espeak-ng voices, comma-separated")
    parser.add_argument("--speeds", default="175,140", help="espeak-ng words per minute")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print every transcript")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-voice-") as name:
        tmp = Path(name)
        home(tmp)
        from llmchain_os.api import Session
        from llmchain_os.api.voice import vocabulary_prompt_of
        from llmchain_os.voice.stt import load_model, speech_threads

        started = time.perf_counter()
        load_model()
        print(f"model load: {time.perf_counter() - started:.2f} s, threads {speech_threads()}")
        prompt = vocabulary_prompt_of(Session())
        print(f"prompt: {len(prompt.split())} words")
        wavs = [
            w
            for voice in opts.voices.split(",")
            for speed in opts.speeds.split(",")
            for w in render(tmp, voice, int(speed))
        ]
        print("| prompt | WAVs | audio s (median) | latency s (median) | p90 | WER | exact |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for label, text_prompt in (("none", ""), ("shell vocabulary", prompt)):
            row(label, text_prompt, wavs, opts.runs, opts.show)
    return 0


def row(label: str, prompt: str, wavs: list[tuple[str, Path]], runs: int, show: bool) -> None:
    from llmchain_os.voice.stt import transcribe

    latencies, audio, errors, total, exact = [], [], 0, 0, 0
    for text, wav in wavs:
        times = []
        for _ in range(runs):
            said = transcribe(wav, prompt)
            times.append(said.seconds)
        latencies.append(statistics.median(times))
        audio.append(said.audio_seconds)
        ref, hyp = words(text), words(said.text)
        errors, total, exact = errors + edits(ref, hyp), total + len(ref), exact + (ref == hyp)
        if show:
            print(f"  [{label}] {text!r} -> {said.text!r}")
    p90 = statistics.quantiles(latencies, n=10)[-1]
    print(
        f"| {label} | {len(wavs)} | {statistics.median(audio):.2f} | "
        f"{statistics.median(latencies):.2f} | {p90:.2f} | {100 * errors / total:.1f}% | "
        f"{exact}/{len(wavs)} |"
    )


if __name__ == "__main__":
    raise SystemExit(main())
