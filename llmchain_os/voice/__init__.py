"""Speech in and out: Whisper tiny.en through faster-whisper (the ``voice`` extra), the
microphone through sox's ``rec``, spoken replies through espeak-ng.

Nothing here plans or runs a request: a transcript goes back through ``api`` like typed text.
"""

from llmchain_os.voice.errors import VoiceError, VoiceUnavailable
from llmchain_os.voice.stt import Transcript, transcribe
from llmchain_os.voice.vocabulary import vocabulary_prompt

__all__ = ["Transcript", "VoiceError", "VoiceUnavailable", "transcribe", "vocabulary_prompt"]
