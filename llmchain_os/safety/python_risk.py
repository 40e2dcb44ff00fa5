"""Risk of a Python script, from its AST (nothing is run or imported).

Each call is resolved through the script's imports to a dotted name (``from os import remove``
makes ``remove(...)`` ``os.remove``). Deleting, killing and moving are destructive; a
``subprocess``/``os.system`` call with a literal command is judged as that shell command, and
with a computed one is destructive; writing files is write; importing a network module is
remote; ``eval``/``exec``/``__import__``/``importlib``/``ctypes`` are destructive. A call this
module cannot resolve (a function of an unknown module, a name it does not know) is at least
write, so the script is asked, never waved through as read.
"""

from __future__ import annotations

import ast
import re
import shlex

from llmchain_os.safety.program_words import read, short, worse, worst_of
from llmchain_os.safety.risk import Assessment, CommandRisk, Risk, ShellJudge

DESTRUCTIVE_CALLS = frozenset(
    "os.remove os.unlink os.rmdir os.removedirs os.rename os.replace os.kill os.killpg "
    "os.truncate os.abort shutil.rmtree shutil.move signal.pthread_kill".split()
)
REMOVERS = frozenset("os.remove os.unlink os.rmdir os.removedirs shutil.rmtree".split())
RUN_CALLS = re.compile(
    r"^(?:subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)"
    r"|os\.(?:system|popen|exec\w*|spawn\w*|posix_spawnp?))$"
)
WRITE_CALLS = frozenset(
    "os.mkdir os.makedirs os.chmod os.chown os.symlink os.link os.mkfifo os.utime os.write "
    "shutil.copy shutil.copy2 shutil.copyfile shutil.copytree shutil.chown "
    "tempfile.mkstemp tempfile.mkdtemp".split()
)
CODE_CALLS = re.compile(
    r"^(?:eval|exec|compile|__import__|globals|vars|locals|breakpoint|importlib\..*|ctypes\..*"
    r"|pickle\.loads?|marshal\.loads?|runpy\..*|code\..*|pdb\..*|timeit\..*|pty\..*|builtins\..*"
    r"|operator\.(?:methodcaller|attrgetter)|asyncio\.create_subprocess_\w+|sys\.modules.*)$"
)
# Functions that open a file, with the mode as their second argument.
OPENERS = frozenset(
    "io.open codecs.open os.fdopen io.FileIO gzip.open bz2.open lzma.open tarfile.open "
    "zipfile.ZipFile shelve.open dbm.open".split()
)
# Attributes that reach functions and modules around the script's imports.
ESCAPES = frozenset(
    "__dict__ __globals__ __builtins__ __subclasses__ __code__ __getattribute__ __import__ "
    "__loader__ __spec__ __closure__ __self__ __func__ __mro__ __bases__ __base__ "
    "__reduce__ __reduce_ex__ __init_subclass__ modules".split()
)
NETWORK = frozenset(
    "socket urllib http requests httpx aiohttp ftplib smtplib poplib imaplib telnetlib "
    "paramiko xmlrpc websocket websockets asyncssh".split()
)
CODE_MODULES = frozenset({"ctypes", "importlib", "pickle", "marshal", "cffi"})
READ_MODULES = frozenset(
    "os.path json re math time datetime platform glob collections itertools functools "
    "statistics string textwrap pprint hashlib base64 random shlex csv typing dataclasses "
    "enum fnmatch difflib argparse logging sys pathlib getpass operator decimal fractions "
    "uuid zlib struct copy heapq bisect calendar locale io platform".split()
)
READ_CALLS = frozenset(
    "os.listdir os.getcwd os.stat os.lstat os.scandir os.walk os.getpid os.getppid os.getuid "
    "os.getgid os.cpu_count os.getenv os.environ.get os.uname os.getloadavg os.access "
    "os.get_terminal_size os.fspath shutil.disk_usage shutil.which subprocess.list2cmdline "
    "io.StringIO io.BytesIO".split()
)
BUILTINS = frozenset(
    "print len range sorted str int float list dict set tuple enumerate zip map filter min max "
    "sum abs any all isinstance issubclass repr format round iter next reversed hasattr bool "
    "type id hash input bytes bytearray frozenset divmod pow chr ord hex oct bin super "
    "object property staticmethod classmethod dir callable slice ascii "
    "Exception ValueError KeyError TypeError RuntimeError OSError SystemExit".split()
)
DESTRUCTIVE_METHODS = frozenset(
    "unlink rmdir kill terminate send_signal system popen eval exec rmtree rename".split()
)
# Methods of str, list, dict, files opened for reading, paths, matches, dates: they compute.
SAFE_METHODS = frozenset(
    "split rsplit strip lstrip rstrip join append extend insert items keys values get read "
    "readline readlines format lower upper title startswith endswith replace encode decode "
    "sort pop add update count index find rfind close copy group groups match search "
    "findall finditer sub splitlines partition rpartition exists is_file is_dir iterdir glob "
    "rglob stat read_text read_bytes resolve absolute with_suffix with_name joinpath "
    "isoformat strftime hexdigest digest total_seconds center ljust rjust zfill isdigit "
    "isalpha isspace casefold setdefault most_common __enter__ __exit__".split()
)
WRITE_METHODS = frozenset(
    "write writelines write_text write_bytes touch mkdir symlink_to hardlink_to "
    "chmod lchmod truncate".split()
)


def classify_python(source: str, shell: ShellJudge) -> Assessment:
    """The risk of running ``source`` with Python: the worst of its statements. ``shell``
    judges the shell commands it runs (``commands.classify_command``)."""
    entries = [e.assessment for e in explain_python(source, shell)]  # a syntax error is one, denied
    return worst_of(entries, read("the Python code only defines things"))


def explain_python(source: str, shell: ShellJudge) -> list[CommandRisk]:
    """One entry per top-level statement that does something, in order, with its risk."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        why = Assessment(Risk.DESTRUCTIVE, f"the Python code does not compile: {exc}", True)
        return [CommandRisk(getattr(exc, "lineno", None) or 1, short(source), why)]
    names = _imports(tree)
    local = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    entries = []
    for stmt in tree.body:
        found = [
            _call_risk(c, names, local, shell) for c in ast.walk(stmt) if isinstance(c, ast.Call)
        ]
        found += [
            _import_risk(n) for n in ast.walk(stmt) if isinstance(n, ast.Import | ast.ImportFrom)
        ]
        found += _hidden_risks(stmt, names)
        if not found:
            continue
        text = ast.get_source_segment(source, stmt) or ""
        entries.append(CommandRisk(stmt.lineno, text, worst_of(found, found[0])))
    return entries


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name, from every import in the script."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                names[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):  # `run = subprocess.run`: an alias of an alias
        if isinstance(node, ast.Assign) and (target := _dotted(node.value, names)):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in names:
                names.update({t.id: target for t in node.targets if isinstance(t, ast.Name)})
    return names


def _hidden_risks(stmt: ast.stmt, names: dict[str, str]) -> list[Assessment]:
    """What a statement does without a plain call: functions passed as values (`map(os.remove,
    ...)`, `@os.system`, `Thread(target=...)`), Python internals, and `os.environ[...] = ...`.
    """
    callees = {id(n.func) for n in ast.walk(stmt) if isinstance(n, ast.Call)}
    found = []
    for node in ast.walk(stmt):
        if (isinstance(node, ast.Attribute) and node.attr in ESCAPES) or (
            isinstance(node, ast.Name) and node.id == "__builtins__"
        ):
            why = "reaches functions through Python internals, which cannot be checked"
            found.append(Assessment(Risk.DESTRUCTIVE, why))
        elif isinstance(node, ast.Name | ast.Attribute) and id(node) not in callees:
            name = _dotted(node, names) or ""
            passed = RUN_CALLS.match(name) or name in DESTRUCTIVE_CALLS or CODE_CALLS.match(name)
            if passed and _root_is_import(node, names):
                why = f"passes `{name}` on to be called, which cannot be checked"
                found.append(Assessment(Risk.DESTRUCTIVE, why))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):  # noqa: SIM102
            if _dotted(node.value, names) == "os.environ":
                why = "changes the environment of the programs it starts"
                found.append(Assessment(Risk.WRITE, why))
    return found


def _root_is_import(node: ast.expr, names: dict[str, str]) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in names


def _import_risk(node: ast.Import | ast.ImportFrom) -> Assessment:
    modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    star = isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    if star and modules[0] not in READ_MODULES:
        why = f"`from {modules[0]} import *` hides which functions are called"
        return Assessment(Risk.DESTRUCTIVE, why)
    for module in modules:
        top = module.split(".")[0]
        if top in NETWORK:
            return Assessment(Risk.REMOTE, f"imports `{module}`, which talks to the network")
        if top in CODE_MODULES:
            return Assessment(Risk.DESTRUCTIVE, f"imports `{module}`, which runs arbitrary code")
    return read("imports modules")


def _dotted(node: ast.expr, names: dict[str, str]) -> str | None:
    """`os.path.join` -> "os.path.join", through the script's import aliases; else None."""
    if isinstance(node, ast.Name):
        return names.get(node.id, node.id)
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value, names)) is not None:
        return re.sub(r"^os\.path\.os\.", "os.", f"{base}.{node.attr}")  # `os.path.os.remove`
    return None


def _call_risk(
    call: ast.Call, names: dict[str, str], local: set[str], shell: ShellJudge
) -> Assessment:
    name = _dotted(call.func, names)
    method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    root = call.func
    while isinstance(root, ast.Attribute):
        root = root.value
    if name is None or not isinstance(root, ast.Name) or root.id not in names:  # a method
        return _method_risk(method, name or method, call, local | set(names))
    if RUN_CALLS.match(name):
        return _run_risk(name, call, shell)
    if name in DESTRUCTIVE_CALLS:
        own = Assessment(Risk.DESTRUCTIVE, f"`{name}` deletes, moves or kills")
        first = call.args[0] if call.args else None
        if name in REMOVERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            judged = shell(f"rm -rf -- {shlex.quote(first.value)}")  # the deny list
            why = f"`{name}({first.value!r})`: {judged.reason}"
            return worse(own, Assessment(judged.risk, why, judged.denied))
        return own
    if name in OPENERS:
        return _open_risk(call)
    if name.startswith("logging.") and (
        "Handler" in name or any(k.arg == "filename" for k in call.keywords)
    ):
        return Assessment(Risk.WRITE, f"`{name}` writes a log file")
    if name in ("sys.stdout.write", "sys.stderr.write"):
        return read(f"`{name}` prints")
    if CODE_CALLS.match(name):
        return Assessment(Risk.DESTRUCTIVE, f"`{name}` runs code that cannot be checked")
    if name in WRITE_CALLS or method in WRITE_METHODS:
        return Assessment(Risk.WRITE, f"`{name}` creates or changes files")
    if method in DESTRUCTIVE_METHODS and name != "platform.system":
        return Assessment(Risk.DESTRUCTIVE, f"`{name}` deletes or kills")
    if name.split(".")[0] in NETWORK:
        return Assessment(Risk.REMOTE, f"`{name}` talks to the network")
    if name in READ_CALLS or name.rsplit(".", 1)[0] in READ_MODULES or name in READ_MODULES:
        return read(f"`{name}` only reads")
    return Assessment(Risk.WRITE, f"`{name}` cannot be checked")


def _method_risk(method: str, name: str, call: ast.Call, known: set[str]) -> Assessment:
    """A call on a name the script did not import: a builtin, its own function, or a method.

    ``known`` holds the script's own functions and classes and its imported names.
    """
    if isinstance(call.func, ast.Name):
        first = call.args[0] if call.args else None
        if name == "getattr" and isinstance(first, ast.Name) and first.id in known:
            return Assessment(Risk.DESTRUCTIVE, "`getattr` on a module hides what is called")
        if name in ("eval", "exec", "compile", "__import__", "globals", "vars", "locals"):
            return Assessment(Risk.DESTRUCTIVE, f"`{name}` runs code that cannot be checked")
        if name == "open":
            return _open_risk(call)
        if name in BUILTINS or name in known:
            return read(f"`{name}` only computes")
        return Assessment(Risk.WRITE, f"`{name}` is not known, so it cannot be checked")
    if method in DESTRUCTIVE_METHODS or (method == "replace" and len(call.args) == 1):
        return Assessment(Risk.DESTRUCTIVE, f"`.{method}()` deletes, moves, kills or runs code")
    if method in WRITE_METHODS:
        return Assessment(Risk.WRITE, f"`.{method}()` changes files")
    if method == "open":
        return _open_risk(call, first=0)
    if method in SAFE_METHODS:
        return read(f"`.{method}()` only computes")
    return Assessment(Risk.WRITE, f"`{name}()` cannot be resolved, so it cannot be checked")


def _open_risk(call: ast.Call, first: int = 1) -> Assessment:
    """`open(f)` reads; a mode with w, a, x or + writes; a mode computed at run time may."""
    mode: ast.expr | None = call.args[first] if len(call.args) > first else None
    for keyword in call.keywords:
        mode = keyword.value if keyword.arg == "mode" else mode
    if mode is None:
        return read("opens a file for reading")
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        if not set(mode.value) & set("wax+"):
            return read("opens a file for reading")
        return Assessment(Risk.WRITE, f"opens a file to write (mode {mode.value!r})")
    return Assessment(Risk.WRITE, "opens a file in a mode computed at run time")


def _run_risk(name: str, call: ast.Call, shell: ShellJudge) -> Assessment:
    """A literal command is judged as the shell command it is; a computed one cannot be."""
    arg = call.args[0] if call.args else None
    for keyword in call.keywords:
        arg = keyword.value if keyword.arg in ("args", "command", "cmd") else arg
    command: str | None = None
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        command = arg.value
    elif isinstance(arg, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in arg.elts
    ):
        command = shlex.join([str(e.value) for e in arg.elts if isinstance(e, ast.Constant)])
    other = any(k.arg == "executable" for k in call.keywords)  # runs that program instead
    if command is None or other or name.startswith(("os.exec", "os.spawn", "os.posix_spawn")):
        return Assessment(Risk.DESTRUCTIVE, f"`{name}` runs a command computed at run time")
    judged = shell(command)
    return Assessment(
        judged.risk, f"`{name}` runs `{short(command)}`: {judged.reason}", judged.denied
    )
