"""Bounded GBNF grammars: llama.cpp's own parser accepts them, they admit the valid answers and
refuse invalid ones, and through the real model they only ever yield valid output.

``LlamaGrammar.from_string`` only stores the text (it parses nothing), so a grammar is checked
here the way generation uses it: ``llama_sampler_init_grammar`` over the embedded model's
vocabulary, which returns NULL when llama.cpp cannot parse it. Whether a grammar admits a
given text is asked of the same sampler, one token at a time, then end-of-generation.
"""

from __future__ import annotations

import ctypes
import json
import math
from collections.abc import Iterator
from typing import Any

import llama_cpp
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from llama_cpp.llama_grammar import LlamaGrammar

from llmchain_os.agent.loop import offered_tools
from llmchain_os.errors import ToolError
from llmchain_os.llm.grammar import (
    MAX_ANSWER,
    MAX_STRING,
    args_grammar,
    choice_grammar,
    tool_call_grammar,
)
from llmchain_os.llm.local import parse_reply
from llmchain_os.llm.models import embedded_model_path
from llmchain_os.tools.registry import builtin_registry

REGISTRY = builtin_registry()
# One valid argument object per builtin tool, in schema order, as JSON text.
VALID_ARGS = {
    "system_overview": "{}",
    "disk_usage": '{"path": "/var/log"}',
    "top_processes": '{"sort_by": "memory", "limit": 5}',
    "process_info": '{"pid": 1, "name": null}',
    "run_shell": '{"command": "uname -a"}',
    "kill_process": '{"pid": 4242, "force": false}',
    "find_files": '{"path": "/var/log", "pattern": "*.log", "older_than_days": 30, '
    '"larger_than": 1000000, "order": "newest", "limit": 5}',
    "file_info": '{"path": "/etc/hostname"}',
    "delete_files": '{"path": "/var/log", "pattern": "*.tmp", "older_than_days": 7, '
    '"recursive": false}',
    "write_file": '{"path": "/tmp/notes.txt", "content": "hello", "append": true}',
    "save_script": '{"name": "backup-srv", "language": "bash", "text": "echo hi", '
    '"description": "d", "writes": ["/backup"]}',
    "run_script": '{"name": "backup-srv", "write": [], "network": false, "sandbox": true}',
    "list_scripts": "{}",
    "show_script": '{"name": "backup-srv"}',
    "schedule_script": '{"script": "backup-srv", "when": "every night"}',
    "list_jobs": "{}",
    "remove_job": '{"job": "1a2b3c4d"}',
    "explain_command": '{"command": "find . -mtime +30 -delete"}',
    "folder_size": '{"path": "/var", "limit": 5, "cross_filesystems": false, '
    '"time_limit_s": 10.0, "max_entries": 100000}',
    "network_connections": '{"port": 22, "state": "listening", "limit": 20}',
    "network_interfaces": '{"sample_s": 1.0}',
    "process_tree": '{"pid": 1, "name": null, "limit": 50}',
    "zombie_processes": "{}",
    "find_processes": '{"user": "root", "command": null, "limit": 10}',
    "memory_breakdown": "{}",
    "cpu_usage": '{"sample_s": 1.0}',
    "diagnose": '{"question": "memory", "sample_s": 0.5}',
    "disks": '{"sample_s": 0.5}',
    "sensors": "{}",
    "environment": '{"name": "PATH"}',
    "services": '{"unit": "cron", "failed_only": false, "lines": 5}',
    "service_action": '{"unit": "cron", "action": "restart"}',
    "logged_in_users": "{}",
    "renice_process": '{"pid": 4242, "niceness": 10}',
    "suspend_process": '{"pid": 4242}',
    "resume_process": '{"pid": 4242}',
    "run_on_hosts": '{"command": "uptime", "hosts": "web"}',
    "copy_to_hosts": '{"path": "backup.sh", "hosts": "eu-west", "dest": "/opt"}',
    "list_hosts": '{"selection": "aws"}',
    "recall": '{"query": "what is the backup host"}',
    "remember": '{"text": "the backup host is 10.0.0.5"}',
}


class GrammarChecker:
    """llama.cpp's grammar engine over a vocabulary-only load of the embedded model."""

    def __init__(self) -> None:
        llama_cpp.llama_backend_init()
        params = llama_cpp.llama_model_default_params()
        params.vocab_only = True
        self.model = llama_cpp.llama_model_load_from_file(
            str(embedded_model_path()).encode(), params
        )
        assert self.model, "llama.cpp could not load the embedded model's vocabulary"
        self.vocab = llama_cpp.llama_model_get_vocab(self.model)

    def close(self) -> None:
        llama_cpp.llama_model_free(self.model)

    def sampler(self, grammar: str) -> Any:
        LlamaGrammar.from_string(grammar, verbose=False)  # what ChatLlamaLocal does first
        sampler = llama_cpp.llama_sampler_init_grammar(self.vocab, grammar.encode(), b"root")
        if not sampler:
            raise ValueError(f"llama.cpp cannot parse the grammar:\n{grammar}")
        return sampler

    def parses(self, grammar: str) -> bool:
        try:
            llama_cpp.llama_sampler_free(self.sampler(grammar))
        except ValueError:
            return False
        return True

    def _allowed(self, sampler: Any, token: int) -> bool:
        cell = llama_cpp.llama_token_data(token, 0.0, 0.0)
        array = llama_cpp.llama_token_data_array(ctypes.pointer(cell), 1, -1, False)
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
        return not math.isinf(cell.logit)

    def accepts(self, grammar: str, text: str) -> bool:
        """Could generation under ``grammar`` produce exactly ``text`` and then stop?"""
        data = text.encode()
        tokens = (llama_cpp.llama_token * (len(data) + 8))()
        n = llama_cpp.llama_tokenize(self.vocab, data, len(data), tokens, len(tokens), False, True)
        assert n >= 0
        sampler = self.sampler(grammar)
        try:
            for token in tokens[:n]:
                if not self._allowed(sampler, token):
                    return False
                llama_cpp.llama_sampler_accept(sampler, token)
            return self._allowed(sampler, llama_cpp.llama_vocab_eos(self.vocab))
        finally:
            llama_cpp.llama_sampler_free(sampler)


@pytest.fixture(scope="module")
def llama() -> Iterator[GrammarChecker]:
    checker = GrammarChecker()
    yield checker
    checker.close()


def openai_tools() -> list[dict[str, Any]]:
    return [convert_to_openai_tool(t) for t in REGISTRY.as_langchain()]


def call(name: str, args: str) -> str:
    return f'{{"tool": "{name}", "args": {args}}}'


# -- the checker itself can fail -------------------------------------------------------------


@pytest.mark.parametrize("broken", ['root ::= "a', "root ::= undefined-rule", "root ::= [a-"])
def test_checker_rejects_a_grammar_llama_cpp_cannot_parse(
    llama: GrammarChecker, broken: str
) -> None:
    assert not llama.parses(broken)


def test_checker_tells_admitted_text_from_refused_text(llama: GrammarChecker) -> None:
    grammar = choice_grammar(["a", "b"])
    assert llama.accepts(grammar, '"a"')
    assert llama.accepts(grammar, '"b"')
    assert not llama.accepts(grammar, '"c"')
    assert not llama.accepts(grammar, '"a')  # cannot stop half way
    assert not llama.accepts(grammar, '"a"b')  # cannot run on


# -- every builtin tool's grammar ------------------------------------------------------------


def test_valid_args_cover_every_builtin_tool_and_validate() -> None:
    assert set(VALID_ARGS) == set(REGISTRY.names())
    for name, text in VALID_ARGS.items():
        REGISTRY.get(name).parse_args(json.loads(text))


@pytest.mark.parametrize("name", sorted(VALID_ARGS))
def test_args_grammar_of_each_builtin_tool_parses_and_admits_valid_args(
    llama: GrammarChecker, name: str
) -> None:
    grammar = args_grammar(REGISTRY.get(name).json_schema())
    assert llama.parses(grammar)
    assert llama.accepts(grammar, VALID_ARGS[name])


@pytest.mark.parametrize("name", sorted(VALID_ARGS))
def test_args_grammar_with_choices_parses_for_each_builtin_tool(
    llama: GrammarChecker, name: str
) -> None:
    schema = REGISTRY.get(name).json_schema()
    choices = {
        key: ["/var/log", "nginx", 'say "hi"', "back\\slash"] for key in schema["properties"]
    }
    assert llama.parses(args_grammar(schema, choices))


def test_args_grammar_choices_limit_a_string_to_the_given_words(llama: GrammarChecker) -> None:
    schema = REGISTRY.get("disk_usage").json_schema()
    grammar = args_grammar(schema, {"path": ["/var/log", "~"]})

    assert llama.accepts(grammar, '{"path": "/var/log"}')
    assert llama.accepts(grammar, '{"path": "~"}')
    assert not llama.accepts(grammar, '{"path": "/etc"}')


def test_args_grammar_refuses_enum_values_outside_the_schema(llama: GrammarChecker) -> None:
    grammar = args_grammar(REGISTRY.get("top_processes").json_schema())
    assert not llama.accepts(grammar, '{"sort_by": "disk", "limit": 5}')


def test_strings_are_bounded(llama: GrammarChecker) -> None:
    grammar = args_grammar(REGISTRY.get("disk_usage").json_schema())
    assert llama.accepts(grammar, '{"path": "/%s"}' % ("a" * (MAX_STRING - 1)))
    assert not llama.accepts(grammar, '{"path": "/%s"}' % ("a" * MAX_STRING))


@pytest.mark.parametrize("limit", ["1000000", "0", "-3", "51"])
def test_args_grammar_refuses_integers_outside_the_schema_bounds(
    llama: GrammarChecker, limit: str
) -> None:
    grammar = args_grammar(REGISTRY.get("top_processes").json_schema())
    assert not llama.accepts(grammar, f'{{"sort_by": "cpu", "limit": {limit}}}')


def test_args_grammar_refuses_strings_below_min_length(llama: GrammarChecker) -> None:
    grammar = args_grammar(REGISTRY.get("run_shell").json_schema())
    assert not llama.accepts(grammar, '{"command": ""}')


def test_choice_grammar_of_the_tool_names_admits_each_name(llama: GrammarChecker) -> None:
    grammar = choice_grammar(REGISTRY.names())
    assert llama.parses(grammar)
    for name in REGISTRY.names():
        assert llama.accepts(grammar, f'"{name}"')
    assert not llama.accepts(grammar, '"rm_everything"')


def test_tool_call_grammar_parses_and_admits_a_call_of_each_tool(llama: GrammarChecker) -> None:
    grammar = tool_call_grammar(openai_tools())
    assert llama.parses(grammar)
    for name, args in VALID_ARGS.items():
        assert llama.accepts(grammar, call(name, args)), name
    assert llama.accepts(grammar, '{"answer": "All good."}')


@pytest.mark.parametrize(
    "text",
    [
        call("rm_everything", "{}"),
        call("disk_usage", '{"path": "/", "recursive": true}'),
        call("top_processes", '{"sort_by": "cpu"}'),
        '{"answer": 42}',
        "Sure! Here is the tool call.",
    ],
    ids=["unknown-tool", "extra-arg", "missing-arg", "non-string-answer", "prose"],
)
def test_tool_call_grammar_refuses_invalid_calls(llama: GrammarChecker, text: str) -> None:
    assert not llama.accepts(tool_call_grammar(openai_tools()), text)


# -- parse_reply -----------------------------------------------------------------------------

NAMES = set(REGISTRY.names())


@pytest.mark.parametrize(
    "text",
    ["", "not json", '{"tool": "disk_usage"', "[1, 2]", '"just a string"', '{"tool": "rm"}'],
    ids=["empty", "prose", "cut-off", "array", "string", "unknown-tool"],
)
def test_parse_reply_marks_junk_invalid(text: str) -> None:
    message = parse_reply(text, NAMES)
    assert message.response_metadata.get("invalid") is True
    assert message.tool_calls == []
    assert message.content == text


def test_parse_reply_turns_a_call_into_a_tool_call() -> None:
    message = parse_reply(call("disk_usage", '{"path": "/tmp"}'), NAMES)
    assert not message.response_metadata.get("invalid")
    (tool_call,) = message.tool_calls
    assert tool_call["name"] == "disk_usage"
    assert tool_call["args"] == {"path": "/tmp"}


def test_parse_reply_turns_an_answer_into_content() -> None:
    message = parse_reply('{"answer": "Disk is fine."}', NAMES)
    assert message.content == "Disk is fine."
    assert message.tool_calls == []
    assert not message.response_metadata.get("invalid")


# -- through the real model ------------------------------------------------------------------

REQUESTS = [
    "how full is /var/log",
    "show me the 5 busiest processes",
    "details of pid 1",
    "how much memory is free",
    "run uname -a",
    "tell me a joke",
]


@pytest.fixture(scope="module")
def replies(local_model: Any) -> list[Any]:
    """The real model's reply to each request, with the tools the loop offers for it bound
    (every builtin tool at once no longer fits the embedded model's context)."""
    # max_tokens covers the grammar's own bound (an answer of MAX_ANSWER characters), so every
    # reply must end by the grammar, never by running out of tokens.
    return [
        local_model.bind_tools(REGISTRY.as_langchain(offered_tools(REGISTRY, text))).invoke(
            [HumanMessage(text)], max_tokens=MAX_ANSWER + 64
        )
        for text in REQUESTS
    ]


@pytest.mark.model
def test_real_model_under_tool_grammar_yields_a_tool_call_or_an_answer(replies: list[Any]) -> None:
    for text, reply in zip(REQUESTS, replies, strict=True):
        assert not reply.response_metadata.get("invalid"), (text, reply.content)
        assert reply.response_metadata["finish_reason"] == "stop", text
        if reply.tool_calls:
            (tool_call,) = reply.tool_calls
            assert tool_call["name"] in NAMES, text
        else:
            assert str(reply.content).strip(), text


@pytest.mark.model
def test_real_model_tool_call_args_validate(replies: list[Any]) -> None:
    calls = [
        (text, call)
        for text, reply in zip(REQUESTS, replies, strict=True)
        for call in reply.tool_calls
    ]
    # Only calls can be validated: with no call, or only empty arguments, nothing was checked.
    assert calls, "the model made no tool call under the grammar, so no arguments were checked"
    assert any(call["args"] for _, call in calls), f"no call carried arguments: {calls}"
    refused = []
    for text, call in calls:
        try:
            REGISTRY.get(call["name"]).parse_args(call["args"])
        except ToolError as exc:
            refused.append((text, str(exc)))
    # The grammar guarantees the shape (types, enums, patterns, required keys); a tool's own
    # check of the world ("does not exist") is the executor's to refuse, and it does.
    shape = [(text, why) for text, why in refused if "Value error," not in why]
    assert shape == []


@pytest.mark.model
def test_real_model_under_choice_grammar_says_exactly_one_option(local_model: Any) -> None:
    for question in ("a or b?", "Pick the second letter: b", "Which is first in the alphabet?"):
        reply = local_model.invoke(
            [SystemMessage("Answer with one option."), HumanMessage(question)],
            grammar=choice_grammar(["a", "b"]),
            max_tokens=8,
        )
        assert reply.content in ('"a"', '"b"')
