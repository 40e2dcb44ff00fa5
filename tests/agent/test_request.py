"""clean_request: what input the agent accepts, how it is cleaned, and what it refuses."""

from __future__ import annotations

import unicodedata

import pytest

from llmchain_os.agent.request import MAX_CHARS, RequestError, clean_request


@pytest.mark.parametrize("raw", ["", "   ", "\n\t \n", b""], ids=["empty", "spaces", "ws", "bytes"])
def test_empty_or_whitespace_request_is_refused(raw: str | bytes) -> None:
    with pytest.raises(RequestError, match="Nothing to do"):
        clean_request(raw)


def test_megabyte_request_is_refused_with_the_limit_in_the_message() -> None:
    with pytest.raises(RequestError) as err:
        clean_request("a" * 1_000_000)
    assert f"{MAX_CHARS:,}" in str(err.value)
    assert "1,000,000" in str(err.value)


def test_request_at_the_limit_is_accepted() -> None:
    assert clean_request("a" * MAX_CHARS).text == "a" * MAX_CHARS


@pytest.mark.parametrize(
    "raw",
    ["show disk\x00usage", b"show disk\x00usage", bytes(range(1, 32)) * 4, "\x1b\x07\x08" * 30],
    ids=["nul-str", "nul-bytes", "control-bytes", "escape-soup"],
)
def test_binary_input_is_refused(raw: str | bytes) -> None:
    with pytest.raises(RequestError, match="binary"):
        clean_request(raw)


@pytest.mark.parametrize("raw", [b"\xff\xfe show disk", b"caf\xe9", b"\xc3"])
def test_invalid_utf8_bytes_are_refused(raw: bytes) -> None:
    with pytest.raises(RequestError, match="not valid UTF-8"):
        clean_request(raw)


def test_valid_utf8_bytes_are_decoded() -> None:
    assert clean_request("wie groß ist /home?".encode()).text == "wie groß ist /home?"


def test_control_characters_are_stripped() -> None:
    raw = "how full\x07 is the disk\x1b mounted at\x7f /var, please?\x0c"
    text = clean_request(raw).text
    assert text == "how full is the disk mounted at /var, please?"
    assert not any(unicodedata.category(ch) == "Cc" for ch in text)


def test_whitespace_runs_and_newlines_collapse_to_single_spaces() -> None:
    assert clean_request("  show\tthe\n\nbusiest   processes \r\n").text == (
        "show the busiest processes"
    )


def test_bidi_override_is_stripped() -> None:
    # U+202E reverses how the rest displays ("Trojan Source"): never let it through.
    assert "\u202e" not in clean_request("show the disk usage of /tmp\u202e please").text


@pytest.mark.parametrize(
    "text",
    [
        "¿Cuánto espacio libre hay en /home?",
        "Wie viel Arbeitsspeicher ist frei?",
        "Сколько памяти свободно?",
        "ディスクの空き容量は？",
        "显示最忙的五个进程",
        "כמה זיכרון פנוי?",
        "डिस्क में कितनी जगह है?",
        "how much room is left? 🙂",
    ],
)
def test_non_english_text_passes_through_unchanged(text: str) -> None:
    assert clean_request(text).text == text


def test_persian_with_zero_width_non_joiner_passes_through_unchanged() -> None:
    text = "فضای دیسک را نمی\u200cدانم"
    assert clean_request(text).text == text


def test_emoji_with_zero_width_joiner_is_accepted() -> None:
    assert clean_request("👩\u200d💻 disk?").text == "👩\u200d💻 disk?"


def test_source_is_kept() -> None:
    assert clean_request("uptime", source="voice").source == "voice"
