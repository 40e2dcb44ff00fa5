"""classify_python / explain_python: the risk of a Python script from its AST."""

from __future__ import annotations

import pytest

from llmchain_os.safety.commands import classify_command
from llmchain_os.safety.python_risk import classify_python, explain_python
from llmchain_os.safety.risk import Risk

CASES = [
    ("print(len([1, 2]))", Risk.READ),
    ("import os\nprint(os.listdir('.'))", Risk.READ),
    ("import json\nwith open('a.json') as f:\n    print(json.load(f))", Risk.READ),
    ("from pathlib import Path\nprint(Path('x').read_text())", Risk.READ),
    ("import subprocess\nsubprocess.run(['ls', '-la'])", Risk.READ),
    ("def f():\n    return 1\n", Risk.READ),
    ("open('f', 'w').write('x')", Risk.WRITE),
    ("with open('log', mode='a') as f:\n    f.write('x')", Risk.WRITE),
    ("from pathlib import Path\nPath('x').write_text('y')", Risk.WRITE),
    ("import shutil\nshutil.copy('a', 'b')", Risk.WRITE),
    ("import mystery\nmystery.go()", Risk.WRITE),  # cannot be resolved: at least write
    ("frobnicate()", Risk.WRITE),
    ("open(name, mode)", Risk.WRITE),
    ("import os\nos.remove('f')", Risk.DESTRUCTIVE),
    ("from os import unlink as u\nu('f')", Risk.DESTRUCTIVE),
    ("import shutil\nshutil.rmtree('build')", Risk.DESTRUCTIVE),
    ("from pathlib import Path\nPath('x').unlink()", Risk.DESTRUCTIVE),
    ("import os, signal\nos.kill(1, signal.SIGKILL)", Risk.DESTRUCTIVE),
    ("import subprocess\nsubprocess.run(cmd, shell=True)", Risk.DESTRUCTIVE),
    ("import os\nos.system('rm f')", Risk.DESTRUCTIVE),
    ("eval(input())", Risk.DESTRUCTIVE),
    ("exec('print(1)')", Risk.DESTRUCTIVE),
    ("__import__('os').remove('f')", Risk.DESTRUCTIVE),
    ("import importlib\nimportlib.import_module('os')", Risk.DESTRUCTIVE),
    ("import ctypes", Risk.DESTRUCTIVE),
    ("def clean():\n    import shutil\n    shutil.rmtree('/tmp/x')\n", Risk.DESTRUCTIVE),
    ("import socket\nsocket.create_connection(('h', 80))", Risk.REMOTE),
    ("import urllib.request\nurllib.request.urlopen('http://x').read()", Risk.REMOTE),
    ("import requests\nrequests.get('http://x')", Risk.REMOTE),
    ("import subprocess\nsubprocess.run(['ssh', 'h', 'uptime'])", Risk.REMOTE),
    # Found while probing: aliases and lookups that hid the call.
    ("import subprocess\nsp = subprocess\nsp.call('rm x', shell=True)", Risk.DESTRUCTIVE),
    ("import os\ngetattr(os, 'system')('ls')", Risk.DESTRUCTIVE),
    ("__builtins__.eval('1')", Risk.DESTRUCTIVE),
    ("handlers = {}\nhandlers['go']()", Risk.WRITE),
    ("thing.frobnicate()", Risk.WRITE),
]


@pytest.mark.parametrize(("source", "risk"), CASES, ids=[s for s, _ in CASES])
def test_python_source_has_its_risk_class(source: str, risk: Risk) -> None:
    assessment = classify_python(source, classify_command)
    assert assessment.risk is risk, assessment.reason
    assert not assessment.denied


@pytest.mark.parametrize(
    "source",
    [
        "import os\nos.system('rm -rf /')",
        "import subprocess\nsubprocess.check_call(['rm', '-rf', '/'])",
        "def f(:\n  pass",
        "print('unclosed",
    ],
)
def test_what_deletes_everything_or_does_not_compile_is_denied(source: str) -> None:
    assessment = classify_python(source, classify_command)
    assert assessment.denied, assessment.reason
    assert assessment.risk is Risk.DESTRUCTIVE


def test_a_syntax_error_says_it_does_not_compile() -> None:
    assert "does not compile" in classify_python("def (:", classify_command).reason


def test_explain_lists_each_statement_that_does_something_with_its_line() -> None:
    source = "import os\n\nX = 1\nprint(os.getcwd())\nos.remove('f')\n"
    entries = explain_python(source, classify_command)
    assert [(e.line, e.text) for e in entries] == [
        (1, "import os"),
        (4, "print(os.getcwd())"),
        (5, "os.remove('f')"),
    ]
    assert [e.assessment.risk for e in entries] == [Risk.READ, Risk.READ, Risk.DESTRUCTIVE]


def test_a_shell_here_document_of_python_is_judged_as_python() -> None:
    from llmchain_os.safety.commands import classify_command

    script = "python3 <<'EOF'\nimport shutil\nshutil.rmtree('/srv/data')\nEOF\n"
    assert classify_command(script).risk is Risk.DESTRUCTIVE
    assert classify_command("python3 - <<EOF\nprint(1)\nEOF").risk is Risk.READ


# -- red-team round 1: each of these was classed read (or write) before its fix -----------
HIDDEN_CALLS = [
    "import os\nlist(map(os.remove, ['a']))",
    "import os\n@os.system\ndef f():\n    pass",
    "import os\nsorted(['a'], key=os.remove)",
    "import atexit, os\natexit.register(os.remove, 'x')",
    "import threading, os\nthreading.Thread(target=os.remove, args=('x',)).start()",
    "from os import *\nremove('x')",
    "import sys\nsys.modules['os'].remove('x')",
    "().__class__.__base__.__subclasses__()",
    "vars(__builtins__)['exec']('x')",
    "import os\nos.path.os.remove('x')",
    "import subprocess\nsubprocess.run(['ls'], executable='/bin/rm')",
    "import operator, os\noperator.methodcaller('remove', 'x')(os)",
    "import runpy\nrunpy.run_path('x.py')",
    "from pathlib import Path\nPath('a').replace('b')",
]


@pytest.mark.parametrize("source", HIDDEN_CALLS, ids=HIDDEN_CALLS)
def test_calls_hidden_behind_values_internals_or_star_imports_are_destructive(
    source: str,
) -> None:
    assert classify_python(source, classify_command).risk is Risk.DESTRUCTIVE


@pytest.mark.parametrize(
    "source",
    [
        "import io\nio.open('x', 'w')",
        "import codecs\ncodecs.open('x', 'a')",
        "import logging\nlogging.basicConfig(filename='/etc/x.log')",
        "import os\nos.environ['PATH'] = '/tmp'",
    ],
)
def test_writes_through_other_openers_are_write(source: str) -> None:
    assert classify_python(source, classify_command).risk is Risk.WRITE


@pytest.mark.parametrize(
    "source",
    [
        "import platform\nprint(platform.system())",
        "import sys\nsys.stdout.write('x')",
        "print('a'.replace('a', 'b'))",
        "import io\nio.open('x').read()",
    ],
)
def test_plain_reads_stay_read(source: str) -> None:
    assert classify_python(source, classify_command).risk is Risk.READ


def test_removing_the_whole_filesystem_from_python_is_denied_as_in_the_shell() -> None:
    judged = classify_python("import shutil\nshutil.rmtree('/')", classify_command)
    assert judged.denied and "shutil.rmtree('/')" in judged.reason
    assert not classify_python("import shutil\nshutil.rmtree('build')", classify_command).denied
