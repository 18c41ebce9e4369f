"""Scale: a corpus of >= 100,000 passages made from the dev-set texts, indexed and answered on this machine.

    python benchmarks/scale.py [--work /tmp/qa-scale] [--passages 100000] [--questions 300] [--rebuild]

Phases (each reuses what an earlier run left in --work, so a re-run skips the long build):
1. corpus: every dev article copied until the passage target is met; each copy is varied
   (sentences of a paragraph shuffled, one word of about half the sentences dropped, numbers
   shifted by the copy number), so no two copies are identical;
2. build: `QA.refresh(rebuild=True)` with the real model, timed per stage (build.json);
3. memory: a fresh process loads the model, then the index: resident memory / raw vector bytes;
4. search: flat vs approximate FAISS indexes (IVF and HNSW) on the passage and sentence vectors,
   recall@10 against flat and time per query;
5. answers: `answer()` p50/p95 over dev questions with flat and with the approximate index;
6. update: one file of the 100k corpus changed, `refresh()` timed.

`--model real` (default) embeds with all-MiniLM-L6-v2: hours for 100k passages and their sentences
on two busy cores. `--model fast` keeps the real tokenizer (so the chunks are the same) but
embeds with the hashing fake at the model's dimension: every figure but the model's own time is
then measured, and the model's time is measured on a sample of the same texts and extrapolated.
Search recall is always measured on real MiniLM vectors (a real-model sample of the corpus, see
`--recall-vectors`).
"""
from __future__ import annotations

import argparse
import numpy as np
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEV_SETS, dev_corpus, dev_questions, header, peak_rss_bytes, percentile, rss_bytes, summary_ms  # noqa: E402

DEV_PASSAGES = 1879  # passages of the two dev corpora together with the default settings (measured)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý«\"(])")
_NUM = re.compile(r"\b\d+\b")


def vary(text: str, copy: int, rng: random.Random) -> str:
    """A variant of an article: sentence order shuffled in each paragraph, words dropped, numbers shifted."""
    if copy == 0:
        return text
    out = []
    for para in text.split("\n\n"):
        sents = _SENT.split(para)
        if len(sents) > 1:
            rng.shuffle(sents)
        varied = []
        for s in sents:
            words = s.split(" ")
            if len(words) > 6 and rng.random() < 0.5:
                del words[rng.randrange(1, len(words) - 1)]
            varied.append(_NUM.sub(lambda m: str(int(m.group()) + copy), " ".join(words)))
        out.append(" ".join(varied))
    return "\n\n".join(out)


def make_corpus(root: Path, passages: int) -> int:
    """Write the varied copies of the dev articles under root; the number of copies."""
    copies = -(-passages // DEV_PASSAGES) + 1  # one spare copy: variation changes the count a little
    if (root / ".complete").exists():
        return int((root / ".complete").read_text())
    shutil.rmtree(root, ignore_errors=True)
    articles = [(name, p) for name in DEV_SETS for p in sorted(dev_corpus(name).glob("*.txt"))]
    for c in range(copies):
        folder = root / f"copy{c:03d}"
        folder.mkdir(parents=True)
        for name, path in articles:
            rng = random.Random(f"{c}/{name}/{path.name}")
            text = path.read_text(encoding="utf-8")
            (folder / f"{name}-{path.name}").write_text(vary(text, c, rng), encoding="utf-8")
    (root / ".complete").write_text(str(copies))
    return copies



class FastEmbedder:
    """Hashing vectors at the real model's dimension, with the real tokenizer's counts (so chunks are the same)."""

    def __new__(cls, real):
        from qa.embedding import HashingEmbedder

        class _Fast(HashingEmbedder):
            def __init__(self):
                super().__init__(dim=real.dim, max_tokens=real.max_tokens)
                self.name = f"hashing-{real.dim}+{real.name}-tokens"

            def count_tokens(self, texts):
                return real.count_tokens(texts)

        return _Fast()


def build(corpus: Path, index: Path, out: Path, embedder) -> dict:
    """Build the index from nothing, timing each stage; the figures are saved to `out`."""
    from qa import QA

    stages: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    last_print = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - t0
        span = stages.setdefault(stage, [now, now])
        span[1] = now
        if now - last_print[0] > 30 or done == total:
            last_print[0] = now
            print(f"  [{now:7.1f} s] {stage}: {done}/{total}", flush=True)

    bot = QA(corpus, index, model=embedder, progress=progress)
    t0 = time.perf_counter()
    bot.refresh(rebuild=True)
    total = time.perf_counter() - t0
    store = bot.store
    result = {
        "model": embedder.name,
        "total_s": total,
        "stages": {k: v[1] - v[0] for k, v in stages.items()},
        "read_s": min(v[0] for v in stages.values()) if stages else 0.0,
        "save_s": total - max(v[1] for v in stages.values()) if stages else 0.0,
        "passages": len(store.passages),
        "sentences": len(store.sentences),
        "files": len(store.manifest["files"]),
        "bytes": sum(f["size"] for f in store.manifest["files"].values()),
        "peak_rss": peak_rss_bytes(),
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    out.write_text(json.dumps(result, indent=2))
    return result


def model_rate(real, texts: list[str], batch_size: int = 64) -> float:
    """Texts per second of the real model's raw encode on these texts."""
    real.model.encode(texts[:batch_size], batch_size=batch_size)  # warm up
    t = time.perf_counter()
    real.model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
    return len(texts) / (time.perf_counter() - t)


def report_build(b: dict, rates: dict | None) -> None:
    """Print the build figures (and, for a fast build, the real model's extrapolated share)."""
    print(f"corpus: {b['files']} files, {b['bytes'] / 1e6:.1f} MB, {b['passages']} passages, {b['sentences']} sentences")
    model_s = sum(v for k, v in b["stages"].items() if k.startswith("embedding"))
    other = b["total_s"] - model_s
    print(f"build with {b['model']}: {b['total_s']:.0f} s, peak RSS {b['peak_rss'] / 2**30:.2f} GB")
    print(f"  list and read files: {b['read_s']:.1f} s")
    for k, v in b["stages"].items():
        print(f"  {k}: {v:.1f} s")
    print(f"  save: {b['save_s']:.1f} s")
    print(f"  everything but embedding: {other:.0f} s = {b['passages'] / other:.0f} passages/s")
    if rates:
        est = b["passages"] / rates["passages"] + b["sentences"] / rates["sentences"]
        print(
            f"real model raw encode (sample of this corpus): {rates['passages']:.1f} passages/s, {rates['sentences']:.1f} sentences/s"
            f" -> embedding 100 % of the corpus would take {est / 60:.0f} min; whole build about {(est + other) / 60:.0f} min"
            f" = {b['passages'] / (est + other):.1f} passages/s (extrapolated)"
        )


MEMORY = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from common import rss_bytes
r0 = rss_bytes()
from qa.embedding import SentenceTransformerEmbedder
emb = SentenceTransformerEmbedder()
emb.embed_query("warm up")
r1 = rss_bytes()
from qa.index import load_store
t = time.perf_counter()
store = load_store(sys.argv[1])
load_s = time.perf_counter() - t
r2 = rss_bytes()
import numpy as np
q = emb.embed_query("Quand la tour a-t-elle été construite ?").reshape(1, -1)
for _ in range(20):
    store.passage_faiss.search(q, 50); store.sentence_faiss.search(q, 100)
r3 = rss_bytes()
print(json.dumps({"before_model": r0, "model": r1 - r0, "store": r2 - r1, "after_search": r3 - r1, "load_s": load_s,
                  "vector_bytes": int(store.passage_vectors.nbytes + store.sentence_vectors.nbytes)}))
"""


def measure_memory(index: Path) -> dict:
    """Resident memory of a fresh process: the model, then the loaded index."""
    here = str(Path(__file__).resolve().parent)
    out = subprocess.run([sys.executable, "-c", MEMORY, str(index), here], capture_output=True, text=True, check=True,
                         cwd=str(Path(here).parent))
    return json.loads(out.stdout.strip().splitlines()[-1])


def recall_at(exact_ids: np.ndarray, found_ids: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top k that the approximate search found."""
    return float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(exact_ids, found_ids)]))


def compare_search(vectors: np.ndarray, queries: np.ndarray, label: str) -> list[dict]:
    """Flat vs IVF and HNSW (each built once, searched with several settings): build s, ms/query, recall@10."""
    from qa.index import IndexSettings, tune_index
    from qa.index.vectors import build_faiss_index

    def run(index):
        t = time.perf_counter()
        found = np.vstack([index.search(q.reshape(1, -1), 10)[1] for q in queries])
        return found, (time.perf_counter() - t) / len(queries)

    rows = []
    t = time.perf_counter()
    flat = build_faiss_index(vectors, IndexSettings(approximate_above=len(vectors) + 1))
    build_flat = time.perf_counter() - t
    exact, flat_q = run(flat)
    rows.append({"index": "flat", "build_s": build_flat, "query_ms": flat_q * 1e3, "recall10": 1.0})
    for kind, knob, values in (("ivf", "ivf_probe", (8, 16, 24, 48)), ("hnsw", "hnsw_ef", (32, 64, 128))):
        t = time.perf_counter()
        index = build_faiss_index(vectors, IndexSettings(approximate_above=1, approximate=kind))
        build = time.perf_counter() - t
        for v in values:
            tune_index(index, IndexSettings(approximate_above=1, approximate=kind, **{knob: v}))
            found, per_q = run(index)
            rows.append({"index": f"{kind} {knob}={v}", "build_s": build, "query_ms": per_q * 1e3,
                         "recall10": recall_at(exact, found), "speedup": flat_q / per_q})
    print(f"search of {len(vectors)} {label} ({len(queries)} real question vectors, one query at a time):")
    for r in rows:
        extra = f", speed-up x{r['speedup']:.1f}" if "speedup" in r else ""
        print(f"  {r['index']:18s} build {r['build_s']:6.1f} s, {r['query_ms']:6.2f} ms/query, recall@10 {r['recall10']:.3f}{extra}")
    return rows


def real_like_vectors(n: int, base: np.ndarray, similarity: float, seed: int = 0) -> np.ndarray:
    """n unit vectors made as noisy copies of real MiniLM vectors, each at about `similarity` cosine to its original."""
    rng = np.random.default_rng(seed)
    idx = np.arange(n) % len(base)
    noise = rng.standard_normal((n, base.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    # cos(v, v + s*u) = 1 / sqrt(1 + s^2) for unit v orthogonal-ish u
    s = np.sqrt(1 / similarity**2 - 1)
    out = base[idx] + s * noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


class QueryModelEmbedder:
    """The fast index's embedder for documents, the real model for questions: real per-question cost."""

    def __new__(cls, fast, real):
        class _Q(type(fast)):
            def embed_query(self, text):
                return real.embed_query(text)

        q = _Q.__new__(_Q)
        q.__dict__.update(fast.__dict__)
        return q


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-scale"))
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--model", choices=("real", "fast"), default="fast")
    ap.add_argument("--rebuild", action="store_true", help="build the index again even when one is there")
    ap.add_argument("--answers", type=int, default=100, help="questions answered per index kind to time answer()")
    ap.add_argument("--sample", type=int, default=512, help="texts of the corpus encoded by the real model to time it")
    args = ap.parse_args()
    header("scale")
    from dataclasses import replace

    from qa import QA, IndexSettings
    from qa.embedding import SentenceTransformerEmbedder
    from qa.index.vectors import build_faiss_index

    real = SentenceTransformerEmbedder()
    real.dim
    embedder = real if args.model == "real" else FastEmbedder(real)
    work = args.work / args.model
    corpus, index, build_json = args.work / "corpus", work / "index", work / "build.json"
    work.mkdir(parents=True, exist_ok=True)
    copies = make_corpus(corpus, args.passages)
    print(f"corpus: {copies} varied copies of the dev articles in {corpus}")
    if args.rebuild or not build_json.exists():
        b = build(corpus, index, build_json, embedder)
    else:
        b = json.loads(build_json.read_text())
        print(f"(build figures from {b['when']}; --rebuild to measure again)")

    bot = QA(corpus, index, model=QueryModelEmbedder(embedder, real) if args.model == "fast" else real)
    store = bot.store
    rates = None
    if args.model == "fast":
        rng = random.Random(0)
        ps = [store.passages[i].text for i in rng.sample(range(len(store.passages)), args.sample)]
        ss = [store.sentences[i].text for i in rng.sample(range(len(store.sentences)), args.sample)]
        rates = {"passages": model_rate(real, ps), "sentences": model_rate(real, ss)}
    report_build(b, rates)

    m = measure_memory(index)
    vb = m["vector_bytes"]
    print(
        f"memory (fresh process): model {m['model'] / 2**20:.0f} MB; index loaded in {m['load_s']:.1f} s: "
        f"{m['after_search'] / 2**20:.0f} MB resident for {vb / 2**20:.0f} MB of raw vectors = "
        f"{m['after_search'] / vb:.2f} x the raw vectors (goal <= 3)"
    )

    questions = [r["question"] for name in DEV_SETS for r in dev_questions(name, args.questions // 2)]
    qvecs = np.stack([real.embed_query(q) for q in questions])
    if args.model == "fast":
        print("(the store's vectors are hashing vectors: recall below is measured on near-copies of real MiniLM vectors)")
        base = real_base_vectors(real, store, args.work)
        sim = copy_similarity(real, args.work)
        print(f"real MiniLM vectors of {len(base)} dev texts; a varied copy of a passage keeps cosine {sim:.3f} to it")
        compare_search(real_like_vectors(len(store.passages), base, sim), qvecs, "passage-like vectors")
        compare_search(real_like_vectors(len(store.sentences), base, sim, seed=1), qvecs, "sentence-like vectors")
    else:
        compare_search(np.asarray(store.passage_vectors), qvecs, "passage vectors")
        compare_search(np.asarray(store.sentence_vectors), qvecs, "sentence vectors")

    from answering import measure_answers

    for label, st in (("flat", IndexSettings(approximate_above=10**9)), ("default settings", IndexSettings())):
        s2 = replace(store, search=replace(store.search, passage_faiss=build_faiss_index(np.asarray(store.passage_vectors), st),
                                           sentence_faiss=build_faiss_index(np.asarray(store.sentence_vectors), st)))
        bot._store = s2
        from qa.index import faiss_kind

        res = measure_answers(bot, questions[: args.answers], store=s2, profile=False)
        print(f"answer() at scale with {label} ({faiss_kind(s2.passage_faiss)} passages, {faiss_kind(s2.sentence_faiss)} sentences): "
              f"{summary_ms(res['answer'])}   (goal p50 < 150 ms)")
        print("  shares: " + ", ".join(f"{k} {100 * v / res['total']:.0f} %" for k, v in res["shares"].items()))
    bot._store = store

    # one file changed in a corpus of 100k passages
    target = sorted(corpus.glob("copy000/*.txt"))[0]
    original = target.read_text(encoding="utf-8")
    target.write_text(original + "\n\nA sentence added to measure an update of one file.\n", encoding="utf-8")
    try:
        t = time.perf_counter()
        report = bot.refresh()
        upd = time.perf_counter() - t
    finally:
        target.write_text(original, encoding="utf-8")
    from qa.chunking import split_document
    from qa.corpus import read_document

    chunks = split_document(read_document(target, "x"), real.count_tokens, real.max_tokens)
    texts = [p.text for p in chunks.passages] + [s.text for s in chunks.sentences]
    t = time.perf_counter()
    real.model.encode(texts, batch_size=64)
    enc = time.perf_counter() - t
    print(f"update after changing one file ({report.changed}) of {len(store.manifest['files'])}: {upd:.1f} s; "
          f"the real model encodes that file's {len(texts)} texts in {enc:.2f} s")
    bot.refresh()  # put the file back in the index


def real_base_vectors(real, store, work: Path) -> np.ndarray:
    """Real MiniLM vectors of dev texts: from the dev indexes benchmarks/indexing.py built, else embedded now."""
    from qa.index import load_store

    parts = []
    for name in DEV_SETS:
        try:
            dev = load_store(Path("/tmp/qa-bench/indexing") / name / "index")
        except Exception:
            continue
        parts += [np.asarray(dev.passage_vectors), np.asarray(dev.sentence_vectors)]
    if parts:
        return np.concatenate(parts)
    cache = work / "real_base_vectors.npy"
    if not cache.exists():
        np.save(cache, real.embed([p.text for p in store.passages if p.source.startswith("copy000/")]))
    return np.load(cache)


def copy_similarity(real, work: Path, n: int = 64) -> float:
    """Mean cosine between a dev passage and the same passage in a varied copy, by the real model."""
    cache = work / "copy_similarity.json"
    if cache.exists():
        return json.loads(cache.read_text())["similarity"]
    articles = sorted(dev_corpus(DEV_SETS[1]).glob("*.txt"))[:n]
    a, b = [], []
    for path in articles:
        text = path.read_text(encoding="utf-8").split("\n\n")[0]
        a.append(text)
        b.append(vary(text, 7, random.Random(path.name)))
    sim = float(np.mean(np.sum(real.embed(a) * real.embed(b), axis=1)))
    cache.write_text(json.dumps({"similarity": sim}))
    return sim


if __name__ == "__main__":
    main()
