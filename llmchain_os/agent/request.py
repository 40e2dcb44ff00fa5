"""A request as it enters the agent: text from any surface, checked and cleaned."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_CHARS = 4000


class RequestError(Exception):
    """The request cannot be handled as given; the message says what to do instead."""


@dataclass(frozen=True)
class Request:
    text: str
    source: str = "text"  # text | voice | api | cli


KEEP = "\t\n\u200c\u200d"  # tabs, newlines, and the zero-width (non-)joiners words use


def _is_junk(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} and ch not in KEEP


def clean_request(raw: str | bytes, source: str = "text") -> Request:
    """Validate and normalise raw input, or raise RequestError with a one-line reason."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError("That input is not text (it is not valid UTF-8)") from None
    if len(raw) > MAX_CHARS:
        raise RequestError(
            f"That request is {len(raw):,} characters; the limit is {MAX_CHARS:,} - "
            "say it in fewer words, or put the data in a file and name the file"
        )
    junk = sum(1 for ch in raw if _is_junk(ch))
    if "\x00" in raw or (raw and junk / len(raw) > 0.1):
        raise RequestError("That input looks like binary data, not a request")
    text = " ".join("".join(" " if _is_junk(ch) else ch for ch in raw).split())
    if not text:
        raise RequestError("Nothing to do: type a request, or /help")
    return Request(text=text, source=source)
