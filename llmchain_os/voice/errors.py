"""The voice layer's errors: one line each, saying what to do."""

from llmchain_os.errors import ToolError

INSTALL = "pip install 'llmchain-os[voice]'"


class VoiceError(ToolError):
    """Audio that cannot be read, a recording or speech that failed."""


class VoiceUnavailable(VoiceError):
    """What voice needs is not installed here (the extra, the model, sox or espeak-ng)."""
