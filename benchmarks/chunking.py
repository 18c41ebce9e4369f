"""Chunking: the sentence splitter's share of chunking, and the speed-up from keeping pysbd's compiled patterns.

    python benchmarks/chunking.py [--repeat 3]

Splits every dev document with pysbd as shipped and with the compiled patterns kept
(qa/chunking.py), checks that both give exactly the same passages and sentences, and prints
process CPU time (steadier than wall time on a shared machine), best of --repeat runs.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEV_SETS, dev_corpus, header  # noqa: E402


def split_all(docs, embedder):
    from qa.chunking import split_document

    return [split_document(d, embedder.count_tokens, embedder.max_tokens) for d in docs]


def best_cpu(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    header("chunking")
    import pysbd.abbreviation_replacer as abbreviations

    from qa.chunking import _CompiledPatterns, _segmenter
    from qa.corpus import load_corpus
    from qa.embedding import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder()
    emb.dim
    for name in DEV_SETS:
        docs, _ = load_corpus(dev_corpus(name))
        _segmenter("en"), _segmenter("fr")
        abbreviations.re = re  # pysbd as shipped
        plain_s, plain = best_cpu(lambda: split_all(docs, emb), args.repeat)
        abbreviations.re = _CompiledPatterns()
        kept_s, kept = best_cpu(lambda: split_all(docs, emb), args.repeat)
        same = all(a == b for a, b in zip(plain, kept)) and len(plain) == len(kept)
        n_p = sum(len(c.passages) for c in kept)
        n_s = sum(len(c.sentences) for c in kept)
        mb = sum(len(d.text) for d in docs) / 1e6
        print(f"{name}: {len(docs)} files, {mb:.2f} M chars, {n_p} passages, {n_s} sentences")
        print(f"  chunking with pysbd as shipped: {plain_s:.2f} s CPU ({mb / plain_s:.2f} M chars/s)")
        print(f"  with compiled patterns kept:    {kept_s:.2f} s CPU ({mb / kept_s:.2f} M chars/s), x{plain_s / kept_s:.2f}")
        print(f"  identical passages and sentences: {same}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
