"""clean_request: what input the agent accepts, how it is cleaned, and what it refuses; and
what a request spells out: a command to run, a command to explain, or none."""

from __future__ import annotations

import unicodedata

import pytest

from llmchain_os.agent.request import MAX_CHARS, RequestError, clean_request
from llmchain_os.agent.spelled import asked_to_run, bare_command, read_request, spans, split_clauses


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


# -- what a request spells out: one structural parse (agent.spelled) ------------------------

# Programs that are also English words of the planner's examples ("find files ...").
ENGLISH = {"find", "rm", "top", "kill", "free"}


def said(text: str) -> list[tuple[str, str]]:
    found = read_request(text, lambda t: bare_command(t, ENGLISH))
    return [(s.command, s.ask.value) for s in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the red team's examples
        (
            "is it safe to run `cp /dev/null x`? just explain, do not run it",
            [("cp /dev/null x", "explain")],
        ),
        ("run echo 'chmod 000 x'", [("echo 'chmod 000 x'", "run")]),
        (
            "explain what `find . -mtime +30 -delete` does",
            [("find . -mtime +30 -delete", "explain")],
        ),
        ("run the command: rm -rf / --no-preserve-root", [("rm -rf / --no-preserve-root", "run")]),
        ("rm -rf /", [("rm -rf /", "run")]),
        # near misses: run verbs, leads and fillers
        ("run `df -h`", [("df -h", "run")]),
        ("run ls -la", [("ls -la", "run")]),
        ("please run the command `du -sh data`", [("du -sh data", "run")]),
        ("can you run df -h for me", [("df -h", "run")]),
        ("please run: ps aux", [("ps aux", "run")]),
        ("run this: ps aux", [("ps aux", "run")]),
        ("run the shell command hostname", [("hostname", "run")]),
        ("run command -v python3", [("command -v python3", "run")]),  # `command` is bash's
        ("run `whoami` real quick", [("whoami", "run")]),
        ("check the log: run `tail -n 3 app.log`", [("tail -n 3 app.log", "run")]),
        ("exec 'echo hello world'", [("echo hello world", "run")]),
        ("`ls -la`", [("ls -la", "run")]),
        ("ls -la /etc", [("ls -la /etc", "run")]),
        ("find . -name '*.tmp' -delete", [("find . -name '*.tmp' -delete", "run")]),
        # asking what it does, or saying not to run it
        ("what does `df -h` show", [("df -h", "explain")]),
        ("explain `rm -rf /`", [("rm -rf /", "explain")]),
        ("what does df -h do", [("df -h", "explain")]),
        ("what would rm -rf ~ do?", [("rm -rf ~", "explain")]),
        ("explain what find . -mtime +30 -delete does", [("find . -mtime +30 -delete", "explain")]),
        ("is it safe to run cp /dev/null x? just explain", [("cp /dev/null x", "explain")]),
        ("is `rm -rf /` dangerous?", [("rm -rf /", "explain")]),
        ("should I run `chmod -R 777 .`", [("chmod -R 777 .", "explain")]),
        ("don't run 'rm -rf x', explain it", [("rm -rf x", "explain")]),
        ("run ls -la? just explain", [("ls -la", "explain")]),
        ("run `ls` and then explain `rm -rf /`", [("ls", "explain"), ("rm -rf /", "explain")]),
        # in backticks amid other words, nothing asks to run it
        ("show me `uname -a`", [("uname -a", "unclear")]),
        # no command at all
        ("write 'hello world' to greeting.txt", []),
        ("find files named `*.log`", []),
        ("find /tmp files older than 3 days", []),
        ("kill -9 the stuck process", []),
        ("which processes run as root", []),
        ("run the tests", []),
        ("explain top processes", []),
        ("what does my disk usage look like", []),
        ("how do I run a command", []),
    ],
)
def test_a_request_spells_out_a_command_to_run_or_to_explain(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert said(text) == expected


def test_a_run_verb_governs_the_whole_rest_and_quotes_inside_it_are_the_commands_own() -> None:
    assert split_clauses("run ls; df") == ["run ls; df"]
    assert split_clauses("run `cat x; ls` and then show disk usage") == [
        "run `cat x; ls`",
        "show disk usage",
    ]


def test_an_apostrophe_opens_no_quoted_span() -> None:
    assert [m.group(0) for m in spans("don't run 'ls -la', it's late")] == ["'ls -la'"]


@pytest.mark.parametrize(
    ("request_text", "command", "consent_given"),
    [
        ("run `df -h`", "df -h", True),
        ("run `df -h`", "df -h ", True),  # the same command, spaced
        ("run ls -la /tmp", "ls -la /tmp", True),
        ("ls -la /etc", "ls -la /etc", True),
        ("run echo 'chmod 000 x'", "echo 'chmod 000 x'", True),
        ("run echo 'chmod 000 x'", "chmod 000 x", False),  # a quote inside the echo
        ("explain `rm -rf /tmp/x`", "rm -rf /tmp/x", False),
        ("what does `df -h` show", "df -h", False),
        ("is it safe to run `cp /dev/null x`? do not run it", "cp /dev/null x", False),
        ("how full is my disk, my notes say df -h", "df -h", False),  # merely appears
        ("run `df -h`", "df", False),  # a part of it is not it
        ("run `df -h`", "", False),
    ],
)
def test_consent_is_a_command_spelled_out_to_run_not_text_that_appears(
    request_text: str, command: str, consent_given: bool
) -> None:
    assert asked_to_run(command, request_text) is consent_given
