"""Indexing: the full build next to raw model.encode of the same texts, and an update after one file changes.

    python benchmarks/indexing.py [--set xquad-en-dev --set piaf-fr-dev] [--backend torch] [--work /tmp/qa-bench/indexing]

Build = list and read files, chunk (pysbd), embed passages and sentences, FAISS, BM25, save.
Floor = `model.encode` of exactly the passage and sentence texts at the same batch size (64).
The ratio build / floor is the overhead of everything but the model (goal <= 1.2). Wall time
and process CPU time are both shown: CPU time is steadier on a shared machine.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEV_SETS, dev_corpus, header  # noqa: E402


class Clock:
    """Wall and CPU seconds since start."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def fmt(w: float, c: float) -> str:
    return f"{w:7.1f} s wall, {c:7.1f} s CPU"


def encode_floor(embedder, texts: list[str], batch_size: int = 64) -> tuple[float, float]:
    """Raw model.encode of the texts at the batch size the build uses (torch), or the backend's own batches."""
    clock = Clock()
    if embedder.backend == "torch":
        embedder.model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    else:
        for i in range(0, len(texts), batch_size):
            embedder.embed_batch(texts[i : i + batch_size])
    return clock.read()


def run(name: str, work: Path, backend: str) -> None:
    from qa import QA

    corpus = work / name / "corpus"
    index = work / name / ("index" if backend == "torch" else f"index-{backend}")
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(dev_corpus(name), corpus)
    stages: dict[str, list] = {}
    clock = Clock()

    def progress(stage, done, total):
        w, c = clock.read()
        stages.setdefault(stage, [w, c, w, c])[2:] = [w, c]

    bot = QA(corpus, index, backend=backend, progress=progress)
    emb = bot.embedder
    emb.dim  # the model loads before the clock starts
    if backend != "torch":
        emb.embed_query("export and warm up the ONNX model")
    clock = Clock()
    bot.refresh(rebuild=True)
    bw, bc = clock.read()
    store = bot.store
    texts = [p.text for p in store.passages] + [s.text for s in store.sentences]
    encode_floor(emb, texts[:64])  # warm-up
    fw, fc = encode_floor(emb, texts)
    print(f"-- {name}: {len(store.manifest['files'])} files, {len(store.passages)} passages, {len(store.sentences)} sentences, backend {backend}")
    print(f"full build:                {fmt(bw, bc)}")
    print(f"raw encode of same texts:  {fmt(fw, fc)}")
    print(f"ratio build / encode:      {bw / fw:.2f} wall, {bc / fc:.2f} CPU   (goal <= 1.2)")
    first = min(v[0] for v in stages.values())
    last = max(v[2] for v in stages.values())
    print(f"  before first stage (list, read, compare): {first:.1f} s wall")
    for k, (w0, c0, w1, c1) in stages.items():
        print(f"  {k:22s} {fmt(w1 - w0, c1 - c0)}  ({100 * (w1 - w0) / bw:.0f} % of wall)")
    print(f"  after last stage (save): {bw - last:.1f} s wall")

    # one file of many changed
    target = sorted(corpus.glob("*.txt"))[len(list(corpus.glob("*.txt"))) // 2]
    target.write_text(target.read_text(encoding="utf-8") + "\n\nOne more paragraph, added to time an update.\n", encoding="utf-8")
    clock = Clock()
    report = bot.refresh()
    uw, uc = clock.read()
    changed = [p.text for p in bot.store.passages if p.source == target.name]
    changed += [s.text for s in bot.store.sentences if s.source == target.name]
    ew, ec = encode_floor(emb, changed)
    print(f"update after changing {report.changed} ({len(changed)} texts) of {len(store.manifest['files'])} files: {fmt(uw, uc)}")
    print(f"raw encode of that file's texts:  {fmt(ew, ec)}")
    print(f"ratio update / encode:  {uw / ew:.2f} wall, {uc / ec:.2f} CPU")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", choices=DEV_SETS)
    ap.add_argument("--backend", default="torch", choices=("torch", "onnx", "onnx-int8"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-bench/indexing"))
    args = ap.parse_args()
    header("indexing")
    for name in args.set or DEV_SETS:
        run(name, args.work, args.backend)


if __name__ == "__main__":
    main()
