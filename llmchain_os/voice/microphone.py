"""The default microphone through sox's ``rec``: one utterance, ended by a second and a half
of silence (or MAX_SECONDS), as 16 kHz mono WAV bytes.

Whether there is an input device is asked of the system first (ALSA capture devices,
a PulseAudio or PipeWire server, AUDIODEV), so a machine without one is told so plainly.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from llmchain_os.voice.errors import VoiceError, VoiceUnavailable

MAX_SECONDS = 15
NO_MICROPHONE = (
    "No microphone here: no audio input device was found (no ALSA capture device, no "
    "PulseAudio or PipeWire server) - use 'llmos listen FILE.wav' instead"
)


def input_device() -> str:
    """What will record ("ALSA card 0", "PulseAudio", "$AUDIODEV=hw:1"), or "" for none."""
    if os.environ.get("AUDIODEV"):
        return f"$AUDIODEV={os.environ['AUDIODEV']}"
    if os.environ.get("PULSE_SERVER"):
        return "PulseAudio ($PULSE_SERVER)"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and (Path(runtime) / "pulse" / "native").exists():
        return "PulseAudio/PipeWire"
    captures = sorted(glob.glob("/proc/asound/card*/pcm*c"))
    return f"ALSA {Path(captures[0]).parent.name}" if captures else ""


def record(max_seconds: int = MAX_SECONDS) -> bytes:
    """One utterance from the default microphone; VoiceError when there is none."""
    rec = shutil.which("rec")
    if rec is None:
        raise VoiceUnavailable("Recording needs sox's 'rec' - install sox (apt install sox)")
    if not input_device():
        raise VoiceError(NO_MICROPHONE)
    with tempfile.TemporaryDirectory(prefix="llmos-voice-") as tmp:
        out = Path(tmp) / "said.wav"
        # start at the first sound, stop after 1.5 s below 1% loudness
        argv = [rec, "-q", "-c", "1", "-r", "16000", "-b", "16", str(out)]
        argv += ["silence", "1", "0.1", "1%", "1", "1.5", "1%", "trim", "0", str(max_seconds)]
        try:  # rec waits for a first sound; a silent room ends here (Ctrl-C ends it too)
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=max_seconds + 10, check=False
            )
        except subprocess.TimeoutExpired:
            raise VoiceError(f"No sound from the microphone in {max_seconds + 10} s") from None
        if done.returncode != 0 or not out.is_file():
            said = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise VoiceError(f"Recording failed: {said}")
        return out.read_bytes()
