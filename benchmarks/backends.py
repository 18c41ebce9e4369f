"""Model backends: torch vs ONNX vs ONNX int8 — encoding speed (indexing and questions) and answer containment.

    python benchmarks/backends.py [--questions 200] [--texts 1024] [--work /tmp/qa-bench/backends]

Containment: the share of answerable dev questions whose answer text holds a gold answer
(case- and accent-folded), and the share of all questions answered at all. The ONNX fp32 backend
answers from the torch-built index (its vectors are the same); int8 gets an index of its own.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEV_SETS, dev_corpus, dev_questions, header, percentile  # noqa: E402

BACKENDS = ("torch", "onnx", "onnx-int8")


def contained(answer_text: str | None, golds: list[str]) -> bool:
    """Whether a gold answer occurs in the answer, folded."""
    from qa.lexical import fold

    if not answer_text:
        return False
    text = " ".join(fold(answer_text).split())
    return any(" ".join(fold(g).split()) in text for g in golds)


def containment(bot, rows: list[dict]) -> tuple[float, float, int]:
    """(share of answerable questions whose answer holds a gold answer, share answered, answerable count)."""
    hit = answered = answerable = 0
    for r in rows:
        ans = bot.answer(r["question"])
        answered += ans.answered
        if r["answers"]:
            answerable += 1
            hit += contained(ans.text, r["answers"])
    return hit / max(1, answerable), answered / len(rows), answerable


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=200, help="questions per dev set (0 = all)")
    ap.add_argument("--texts", type=int, default=1024, help="corpus texts encoded to time indexing")
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-bench/backends"))
    args = ap.parse_args()
    header("backends")
    import random

    from qa import QA
    from qa.embedding import SentenceTransformerEmbedder

    cache = args.work / "models"
    embedders = {b: SentenceTransformerEmbedder(backend=b, cache_dir=cache) for b in BACKENDS}
    for e in embedders.values():
        t = time.perf_counter()
        e.embed_query("load, export once and warm up")
        print(f"{e.backend:10s} ready in {time.perf_counter() - t:.1f} s (first time: export and quantise into {cache})")

    # texts of the dev corpora, as the index embeds them
    base = QA(dev_corpus(DEV_SETS[1]), args.work / DEV_SETS[1] / "torch", model=embedders["torch"])
    store = base.store
    pool = [p.text for p in store.passages] + [s.text for s in store.sentences]
    texts = random.Random(0).sample(pool, min(args.texts, len(pool)))
    questions = [r["question"] for name in DEV_SETS for r in dev_questions(name, 100)]

    speed = {}
    for b, e in embedders.items():
        e.embed(texts[:64])
        t = time.perf_counter()
        e.embed(texts, batch_size=64)
        idx_rate = len(texts) / (time.perf_counter() - t)
        lat = []
        for q in questions:
            t = time.perf_counter()
            e.embed_query(q)
            lat.append(time.perf_counter() - t)
        speed[b] = (idx_rate, percentile(lat, 50))
    print(f"encoding ({len(texts)} corpus texts in batches of 64; {len(questions)} questions one at a time):")
    for b, (rate, q50) in speed.items():
        print(f"  {b:10s} indexing {rate:7.1f} texts/s (x{rate / speed['torch'][0]:.2f}), "
              f"question p50 {q50 * 1e3:6.1f} ms (x{speed['torch'][1] / q50:.2f})")

    print(f"answer containment ({args.questions or 'all'} questions per set):")
    for name in DEV_SETS:
        rows = dev_questions(name, args.questions or None)
        for b, e in embedders.items():
            folder = args.work / name / ("onnx-int8" if b == "onnx-int8" else "torch")
            bot = QA(dev_corpus(name), folder, model=e)
            t = time.perf_counter()
            bot.refresh()
            built = time.perf_counter() - t
            t = time.perf_counter()
            c, a, n = containment(bot, rows)
            per_q = (time.perf_counter() - t) / len(rows)
            print(f"  {name:13s} {b:10s} contains gold {100 * c:5.1f} % of {n}, answered {100 * a:5.1f} %, "
                  f"{per_q * 1e3:5.0f} ms/answer (index ready in {built:.0f} s)")


if __name__ == "__main__":
    main()
